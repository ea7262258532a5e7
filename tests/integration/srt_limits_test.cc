// livesnapd's SRT listener under the limits it shares with RTMP, as callers
// see them: real ffmpeg pushes and a libsrt caller that connects and then
// sends nothing. A second caller from an address at its limit, a caller
// silent past the idle timeout and a caller whose frames do not fit the PES
// budget are each closed with a log line and a counter, while an ordinary
// push beside them keeps its snapshots.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <srt/srt.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "tests/support/api_client.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/seconds_clip.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A libsrt caller in live mode that connects with a stream id and then
// sends nothing: libsrt keeps the connection alive with its keepalives.
class SilentSrtCaller {
 public:
  SilentSrtCaller() { srt_startup(); }
  ~SilentSrtCaller() {
    if (socket_ != SRT_INVALID_SOCK) srt_close(socket_);
    srt_cleanup();
  }
  SilentSrtCaller(const SilentSrtCaller&) = delete;
  SilentSrtCaller& operator=(const SilentSrtCaller&) = delete;

  bool Connect(uint16_t port, const std::string& stream_id) {
    socket_ = srt_create_socket();
    if (socket_ == SRT_INVALID_SOCK) return false;
    if (srt_setsockflag(socket_, SRTO_STREAMID, stream_id.data(),
                        static_cast<int>(stream_id.size())) != 0) {
      return false;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    return srt_connect(socket_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) !=
           SRT_ERROR;
  }
  // True while libsrt still holds the connection open.
  bool connected() const { return srt_getsockstate(socket_) == SRTS_CONNECTED; }

 private:
  SRTSOCKET socket_ = SRT_INVALID_SOCK;
};

class SrtLimitsTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& srt_limits) {
    srt_port_ = testing::FreePort();
    const fs::path config = dir_ / "livesnap.toml";
    std::ofstream out(config);
    out << "[srt]\nlisten = \"127.0.0.1:" << srt_port_
        << "\"\ndefault_domain = \"push.example.com\"\nlatency_ms = 1000\n"
        << srt_limits << "\n"
        << "[[storage]]\nname = \"shots\"\nregion = \"cn-shanghai\"\nroot = \"" << shots_.string()
        << "\"\n"
        << "[[domain]]\nname = \"push.example.com\"\nregion = \"cn-shanghai\"\n"
        << "[[template]]\ndomain = \"push.example.com\"\napp = \"*\"\ninterval = 5\n"
        << "bucket = \"shots\"\noverwrite = \"\"\n"
        << "sequence = \"{AppName}/{StreamName}/{Sequence}.jpg\"\n";
    out.close();
    server_ = std::make_unique<testing::LivesnapdProcess>(
        dir_.path(), std::vector<std::string>{"-c", config.string()});
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }

  // ffmpeg pushing `seconds` of a 320x180 clip whose picture tells the
  // second, a keyframe every 2 s, in real time over SRT.
  std::vector<std::string> PushCommand(const std::string& stream, int seconds) {
    return testing::SecondsClipTsPushCommand("libx264", SrtUrl(stream), seconds);
  }

  std::string SrtUrl(const std::string& stream) const {
    return "srt://127.0.0.1:" + std::to_string(srt_port_) +
           "?streamid=#!::h=push.example.com,r=live/" + stream + ",m=publish";
  }

  double Metric(const std::string& sample) const {
    return testing::MetricValue(testing::ApiClient(server_->api_port()).Get("/metrics").raw,
                                sample);
  }

  // The honest push's snapshots: 0 s, then the first keyframes at or after
  // 5 s and 10 s.
  void ExpectSecondsZeroSixTen(const std::string& stream) {
    testing::ExpectSecondsZeroSixTen(shots_ / "live" / stream, [&] { return server_->Log(); });
  }

  testing::TempDir dir_;
  fs::path shots_ = dir_ / "shots";
  uint16_t srt_port_ = 0;
  std::unique_ptr<testing::LivesnapdProcess> server_;
};

TEST_F(SrtLimitsTest, ACallerOverItsAddressLimitIsClosedAndTheFirstGoesOn) {
  StartServer("max_connections_per_ip = 1");
  testing::Subprocess first(PushCommand("first", 14), dir_ / "first.log");
  ASSERT_TRUE(server_->WaitForLog("[push.example.com/live/first] publish started", 20s))
      << server_->Log();
  testing::RunResult second = testing::Run(PushCommand("second", 3), 40s);
  EXPECT_TRUE(server_->WaitForLog("(limit srt.max_connections_per_ip)", 10s)) << server_->Log();
  EXPECT_EQ(Metric("livesnap_srt_limited_total{limit=\"max_connections_per_ip\"}"), 1)
      << second.output;
  EXPECT_EQ(server_->Log().find("[push.example.com/live/second] publish started"),
            std::string::npos);
  ASSERT_EQ(first.Wait(60s), 0) << first.Log();
  ExpectSecondsZeroSixTen("first");
}

TEST_F(SrtLimitsTest, ACallerThatSendsNothingIsClosedAfterTheIdleTimeout) {
  StartServer("idle_timeout_ms = 4000");
  testing::Subprocess push(PushCommand("busy", 14), dir_ / "push.log");
  SilentSrtCaller silent;
  ASSERT_TRUE(silent.Connect(srt_port_, "#!::h=push.example.com,r=live/silent,m=publish"));
  ASSERT_TRUE(server_->WaitForLog("[push.example.com/live/silent] publish started", 10s))
      << server_->Log();
  EXPECT_TRUE(
      server_->WaitForLog("[push.example.com/live/silent] SRT publish from 127.0.0.1:", 10s))
      << server_->Log();
  EXPECT_TRUE(server_->WaitForLog("no data for 4000 ms (srt.idle_timeout_ms)", 15s))
      << server_->Log();
  EXPECT_TRUE(testing::WaitFor([&] { return !silent.connected(); }, 10s));
  EXPECT_EQ(Metric("livesnap_srt_closed_total{cause=\"idle_timeout\"}"), 1) << server_->Log();
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  ExpectSecondsZeroSixTen("busy");  // real-time data never counts as idle
}

TEST_F(SrtLimitsTest, ACallerWhoseFramesOverrunThePesBudgetIsClosedAndOthersGoOn) {
  StartServer("pes_budget_bytes = 1048576");
  testing::Subprocess honest(PushCommand("honest", 14), dir_ / "honest.log");
  ASSERT_TRUE(server_->WaitForLog("[push.example.com/live/honest] publish started", 20s))
      << server_->Log();
  // Lossless 1080p noise: each frame is megabytes, more than the budget
  // leaves one caller (seven eighths of it). In real time for 3 s, so the
  // caller is still connected when libsrt delivers its first frame.
  testing::RunResult huge =
      testing::Run({"ffmpeg",      "-hide_banner",
                    "-loglevel",   "error",
                    "-nostdin",    "-re",
                    "-f",          "lavfi",
                    "-i",          "color=c=gray:s=1920x1080:r=5,noise=alls=100:allf=t",
                    "-frames:v",   "15",
                    "-c:v",        "libx264",
                    "-qp",         "0",
                    "-preset",     "ultrafast",
                    "-f",          "mpegts",
                    SrtUrl("huge")},
                   60s);
  EXPECT_TRUE(server_->WaitForLog("(limit srt.pes_budget_bytes)", 10s)) << server_->Log();
  EXPECT_EQ(Metric("livesnap_srt_limited_total{limit=\"pes_budget_bytes\"}"), 1) << huge.output;
  EXPECT_FALSE(fs::exists(shots_ / "live" / "huge" / "0.jpg"));
  ASSERT_EQ(honest.Wait(60s), 0) << honest.Log();
  ExpectSecondsZeroSixTen("honest");
}

}  // namespace
}  // namespace livesnap
