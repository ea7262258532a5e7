// livesnap-loadgen against the real livesnapd: its streams go live under
// the domain it names, their snapshots are stored, and the pictures stored
// prove that timestamps ran on across loops of the file. A clip whose grey
// level encodes the second shown (16 + 3 * second) makes that visible: with
// a 3 s clip looped, the 5 s snapshots show seconds 0, 2, 1 (media time 0,
// 5 and 10 s); timestamps that restarted at every loop would re-anchor the
// snapshot clock and show second 0 each time.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "snapshot/testing/test_jpeg.h"
#include "tests/support/api_client.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/seconds_clip.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kDomain[] = "push.example.com";

// Sequence objects "<dir>/<N>.jpg" in N order, as the seconds they show.
std::vector<int> SequenceSeconds(const fs::path& dir) {
  std::vector<int> seconds;
  for (const auto& [index, second] : testing::SecondsBySequence(dir)) seconds.push_back(second);
  return seconds;
}

class LoadgenLivesnapdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clips_ = new testing::TempDir();
    testing::ClipSpec spec;
    spec.seconds = 3;
    spec.fps = 25;
    spec.gop_frames = 25;
    spec.video_source =
        "color=c=black:s=320x180:r=25,format=yuv420p,geq=lum='16+3*floor(T)':cb=128:cr=128";
    clip_ = new fs::path(testing::MakeFlvClip(clips_->path(), "seconds", spec));
  }
  static void TearDownTestSuite() {
    delete clip_;
    delete clips_;
  }

  void SetUp() override {
    const fs::path config = dir_ / "livesnap.toml";
    srt_port_ = testing::FreePort();
    std::ofstream out(config);
    out << "[srt]\nlisten = \"127.0.0.1:" << srt_port_ << "\"\nlatency_ms = 1000\n"
        << "[[storage]]\nname = \"shots\"\nregion = \"cn-shanghai\"\nroot = \"" << shots().string()
        << "\"\n"
        << "[[domain]]\nname = \"" << kDomain << "\"\nregion = \"cn-shanghai\"\n"
        << "[[template]]\ndomain = \"" << kDomain
        << "\"\napp = \"*\"\ninterval = 5\nbucket = \"shots\"\n"
        << "overwrite = \"{AppName}/{StreamName}.jpg\"\n"
        << "sequence = \"{AppName}/{StreamName}/{Sequence}.jpg\"\n";
    out.close();
    server_ = std::make_unique<testing::LivesnapdProcess>(
        dir_.path(), std::vector<std::string>{"-c", config.string()});
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }
  void TearDown() override { EXPECT_EQ(server_->Stop(), 0) << server_->Log(); }

  fs::path shots() const { return dir_ / "shots"; }

  std::vector<std::string> Loadgen(const std::string& domain, int streams, double duration_s,
                                   int threads = 1) {
    return {LOADGEN_PATH,
            "--threads",
            std::to_string(threads),
            "--file",
            clip_->string(),
            "--url",
            "rtmp://127.0.0.1:" + std::to_string(server_->rtmp_port()),
            "--app",
            "live",
            "--stream-pattern",
            "cam{i}",
            "--domain",
            domain,
            "-n",
            std::to_string(streams),
            "--ramp",
            "10",
            "--duration",
            std::to_string(duration_s),
            "--json",
            (dir_ / "report.json").string()};
  }

  nlohmann::json Report() const {
    return nlohmann::json::parse(testing::ReadFile(dir_ / "report.json"));
  }

  // The clip as MPEG-TS, as an SRT encoder sends it.
  fs::path TsClip() {
    const fs::path ts = dir_ / "seconds.ts";
    testing::RunResult r =
        testing::Run({"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", clip_->string(),
                      "-c", "copy", "-f", "mpegts", ts.string()},
                     60s);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return ts;
  }

  static testing::TempDir* clips_;
  static fs::path* clip_;
  testing::TempDir dir_;
  uint16_t srt_port_ = 0;
  std::unique_ptr<testing::LivesnapdProcess> server_;
};

testing::TempDir* LoadgenLivesnapdTest::clips_ = nullptr;
fs::path* LoadgenLivesnapdTest::clip_ = nullptr;

TEST_F(LoadgenLivesnapdTest, StreamsGoLiveAndTheirSnapshotsAreStored) {
  testing::Subprocess loadgen(Loadgen(kDomain, 3, 11), dir_ / "loadgen.log");

  testing::ApiClient api(server_->api_port());
  int64_t online = 0;
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        testing::ApiResponse r =
            api.Call("DescribeLiveStreamsOnlineList", {{"DomainName", kDomain}});
        online = r.status == 200 ? r.body.value("TotalNum", int64_t{0}) : 0;
        if (online != 3) return false;
        // Live from the publish on; the size comes with the metadata after it.
        for (const auto& info : r.body["OnlineInfo"]["LiveStreamOnlineInfo"]) {
          if (info["Width"] == 0) return false;
        }
        return true;
      },
      15s))
      << online << " online\n"
      << loadgen.Log();
  testing::ApiResponse live = api.Call("DescribeLiveStreamsOnlineList", {{"DomainName", kDomain}});
  for (const auto& info : live.body["OnlineInfo"]["LiveStreamOnlineInfo"]) {
    EXPECT_EQ(info["AppName"], "live");
    EXPECT_EQ(info["Width"], 320) << info.dump();  // from the clip's onMetaData
  }

  ASSERT_EQ(loadgen.Wait(60s), 0) << loadgen.Log();
  const nlohmann::json report = Report();
  EXPECT_EQ(report["totals"]["published"], 3) << report.dump(2);
  EXPECT_EQ(report["totals"]["failed"], 0);
  ASSERT_EQ(report["per_stream"].size(), 3u);
  for (const auto& stream : report["per_stream"]) {
    EXPECT_TRUE(stream["error"].get<std::string>().empty()) << stream.dump();
    EXPECT_GE(stream["keyframes"].get<int>(), 11) << stream.dump();
    EXPECT_GE(stream["loops"].get<int>(), 3) << stream.dump();
    EXPECT_GT(stream["bytes_sent"].get<uint64_t>(), 100'000u);
  }

  for (const std::string name : {"cam0", "cam1", "cam2"}) {
    const fs::path dir = shots() / "live" / name;
    EXPECT_TRUE(testing::WaitFor([&] { return SequenceSeconds(dir).size() >= 3; }, 10s)) << name;
    EXPECT_EQ(SequenceSeconds(dir), (std::vector<int>{0, 2, 1})) << name << "\n" << server_->Log();
    auto overwrite =
        snapshot::testing::DecodeJpeg(testing::ReadFile(shots() / "live" / (name + ".jpg")));
    ASSERT_TRUE(overwrite.has_value()) << name;
    EXPECT_EQ(overwrite->width, 320);
    EXPECT_EQ(overwrite->height, 180);
  }
}

TEST_F(LoadgenLivesnapdTest, RefusedPublishesAreReportedPerStreamWithTheServersStatus) {
  // Two event loops, one stream each.
  testing::Subprocess loadgen(Loadgen("nowhere.example", 2, 2, 2), dir_ / "loadgen.log");
  EXPECT_EQ(loadgen.Wait(30s), 1) << loadgen.Log();
  const nlohmann::json report = Report();
  EXPECT_EQ(report["totals"]["connected"], 2) << report.dump(2);
  EXPECT_EQ(report["totals"]["published"], 0);
  EXPECT_EQ(report["totals"]["failed"], 2);
  for (const auto& stream : report["per_stream"]) {
    EXPECT_NE(stream["error"].get<std::string>().find("NetStream.Publish."), std::string::npos)
        << stream.dump();
  }
  EXPECT_TRUE(server_->WaitForLog("nowhere.example", 5s));
}

// The profiles send the same bytes in the send calls of the clients they
// play: FFmpeg's muxer a call per chunk header and per payload, OBS's
// librtmp a call per chunk, the batched profile one per tick.
TEST_F(LoadgenLivesnapdTest, EachProfileCutsTheSameStreamIntoItsClientsSendCalls) {
  std::map<std::string, nlohmann::json> totals;
  for (const std::string profile : {"ffmpeg", "obs", "batched"}) {
    std::vector<std::string> args = Loadgen(kDomain, 1, 4);
    std::replace(args.begin(), args.end(), std::string("cam{i}"), "p-" + profile);
    args.insert(args.end(), {"--profile", profile});
    testing::Subprocess loadgen(args, dir_ / ("loadgen-" + profile + ".log"));
    ASSERT_EQ(loadgen.Wait(60s), 0) << loadgen.Log();
    const nlohmann::json report = Report();
    EXPECT_EQ(report["profile"], profile);
    EXPECT_EQ(report["totals"]["published"], 1) << report.dump(2);
    totals[profile] = report["totals"];
  }
  auto bytes_per_send = [&](const std::string& profile) {
    return totals[profile]["bytes_sent"].get<double>() /
           totals[profile]["send_calls"].get<double>();
  };
  // OBS sends each chunk with its header in front, FFmpeg sends the header
  // apart: twice the calls for the same bytes.
  EXPECT_NEAR(
      totals["ffmpeg"]["bytes_sent"].get<double>() / totals["obs"]["bytes_sent"].get<double>(), 1.0,
      0.05);
  EXPECT_NEAR(
      totals["ffmpeg"]["send_calls"].get<double>() / totals["obs"]["send_calls"].get<double>(), 2.0,
      0.25)
      << totals["ffmpeg"].dump() << totals["obs"].dump();
  // One call a tick carries whatever became due in it.
  EXPECT_LE(totals["batched"]["send_calls"], totals["obs"]["send_calls"])
      << totals["batched"].dump();
  EXPECT_GE(bytes_per_send("batched"), bytes_per_send("obs"));
}

// The SRT mode sends the clip's MPEG-TS paced by its PCR, the timestamps
// moved on at every loop: the snapshots show seconds 0, 2, 1 as over RTMP
// (13 s pushed: libsrt holds back the last second, its latency).
TEST_F(LoadgenLivesnapdTest, SrtCallersGoLiveAndTheirTimestampsRunOnAcrossLoops) {
  testing::Subprocess loadgen({LOADGEN_PATH,
                               "--protocol",
                               "srt",
                               "--file",
                               TsClip().string(),
                               "--url",
                               "srt://127.0.0.1:" + std::to_string(srt_port_),
                               "--app",
                               "live",
                               "--stream-pattern",
                               "srt{i}",
                               "--domain",
                               kDomain,
                               "-n",
                               "2",
                               "--ramp",
                               "10",
                               "--duration",
                               "13",
                               "--json",
                               (dir_ / "report.json").string()},
                              dir_ / "loadgen.log");
  ASSERT_EQ(loadgen.Wait(60s), 0) << loadgen.Log();
  const nlohmann::json report = Report();
  EXPECT_EQ(report["profile"], "srt");
  EXPECT_EQ(report["totals"]["published"], 2) << report.dump(2);
  EXPECT_EQ(report["totals"]["failed"], 0);
  for (const auto& stream : report["per_stream"]) {
    EXPECT_GE(stream["loops"].get<int>(), 3) << stream.dump();
    EXPECT_GT(stream["bytes_sent"].get<uint64_t>(), 100'000u);
    // 1316-byte messages but for the last of each loop (the clip is short).
    const double bytes_per_send =
        stream["bytes_sent"].get<double>() / stream["send_calls"].get<double>();
    EXPECT_LE(bytes_per_send, 1316) << stream.dump();
    EXPECT_GE(bytes_per_send, 1250) << stream.dump();
  }
  for (const std::string name : {"srt0", "srt1"}) {
    const fs::path dir = shots() / "live" / name;
    EXPECT_TRUE(testing::WaitFor([&] { return SequenceSeconds(dir).size() >= 3; }, 10s)) << name;
    EXPECT_EQ(SequenceSeconds(dir), (std::vector<int>{0, 2, 1})) << name << "\n" << server_->Log();
  }
  EXPECT_TRUE(server_->WaitForLog("[push.example.com/live/srt0] publish started from", 1s));
}

TEST_F(LoadgenLivesnapdTest, SrtCallersRefusedByTheServerAreReportedAsFailed) {
  testing::Subprocess loadgen(
      {LOADGEN_PATH, "--protocol", "srt", "--file", TsClip().string(), "--url",
       "srt://127.0.0.1:" + std::to_string(srt_port_), "--domain", "nowhere.example", "-n", "2",
       "--duration", "3", "--json", (dir_ / "report.json").string()},
      dir_ / "loadgen.log");
  EXPECT_EQ(loadgen.Wait(30s), 1) << loadgen.Log();
  const nlohmann::json report = Report();
  EXPECT_EQ(report["totals"]["failed"], 2) << report.dump(2);
  EXPECT_TRUE(server_->WaitForLog("nowhere.example", 5s));
}

}  // namespace
}  // namespace livesnap
