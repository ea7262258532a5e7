// SrtServer against the real ffmpeg CLI pushing MPEG-TS over SRT into a real
// MediaHub: H.264 and HEVC arrive with their keyframes, a bad stream id and a
// wrong passphrase are refused, a refused publish leaves the live one alone.
#include "srt/srt_server.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "media/hub.h"
#include "media/publication.h"
#include "tests/support/subprocess.h"

namespace livesnap::srt {
namespace {

using namespace std::chrono_literals;

double CounterValue(prometheus::Registry& registry, const std::string& name,
                    const std::string& label_value) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.value == label_value) return metric.counter.value;
      }
    }
  }
  return 0;
}

class SrtServerTest : public ::testing::Test {
 protected:
  void Start(const std::string& passphrase = "") {
    SrtServerOptions options;
    options.listen_host = "127.0.0.1";
    options.default_domain = "d.com";
    options.passphrase = passphrase;
    absl::StatusOr<std::unique_ptr<SrtServer>> server = SrtServer::Create(options, hub_, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // ffmpeg encoding `seconds` of testsrc2 in real time and pushing it.
  testing::RunResult Push(const std::string& codec, const std::string& query, int seconds = 3) {
    std::vector<std::string> argv = {"ffmpeg",    "-hide_banner",
                                     "-loglevel", "error",
                                     "-nostdin",  "-re",
                                     "-f",        "lavfi",
                                     "-i",        "testsrc2=size=320x240:rate=25",
                                     "-t",        std::to_string(seconds),
                                     "-c:v",      codec,
                                     "-g",        "10",
                                     "-pix_fmt",  "yuv420p"};
    if (codec == "libx265") argv.insert(argv.end(), {"-x265-params", "log-level=error"});
    argv.insert(argv.end(), {"-f", "mpegts",
                             "srt://127.0.0.1:" + std::to_string(server_->port()) + "?" + query});
    return testing::Run(argv, 1min);
  }

  FakeClock clock_;
  prometheus::Registry metrics_;
  media::MediaHub hub_{clock_, metrics_};
  std::unique_ptr<SrtServer> server_;
};

TEST_F(SrtServerTest, HevcPushArrivesWithItsKeyframes) {
  Start();
  std::optional<media::LiveStream> seen;
  std::thread watcher([&] {
    testing::WaitFor(
        [&] {
          auto live = hub_.FindLiveStream({"push.example.com", "live", "x"});
          if (live) seen = live;
          return live && live->stats.keyframes >= 4;
        },
        30s);
  });
  testing::RunResult r = Push("libx265", "streamid=#!::h=push.example.com,r=live/x,m=publish");
  watcher.join();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->info.protocol, "srt");
  EXPECT_EQ(seen->info.video_codec, media::VideoCodec::kHevc);
  EXPECT_EQ(seen->info.width, 320);
  EXPECT_GE(seen->stats.keyframes, 4);
  EXPECT_TRUE(testing::WaitFor([&] { return hub_.live_count() == 0; }, 15s))
      << "the publish ends when ffmpeg closes";
}

TEST_F(SrtServerTest, PlainStreamIdTakesTheDefaultDomain) {
  Start();
  std::optional<media::LiveStream> seen;
  std::thread watcher([&] {
    testing::WaitFor(
        [&] {
          auto live = hub_.FindLiveStream({"d.com", "live", "plain"});
          if (live) seen = live;
          return live && live->stats.keyframes >= 2;
        },
        30s);
  });
  testing::RunResult r = Push("libx264", "streamid=live/plain", 2);
  watcher.join();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->info.video_codec, media::VideoCodec::kH264);
}

TEST_F(SrtServerTest, BadStreamIdIsRefusedInTheHandshake) {
  Start();
  testing::RunResult r = Push("libx264", "streamid=#!::h=a.com,r=nostream", 1);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(CounterValue(metrics_, "livesnap_srt_refused_total", "stream_id"), 1);
  EXPECT_EQ(hub_.live_count(), 0u);
}

TEST_F(SrtServerTest, WrongPassphraseIsRefusedAndTheRightOneServed) {
  Start("correcthorse42");
  testing::RunResult wrong = Push("libx264", "streamid=live/enc&passphrase=wrongwrongwrong", 1);
  EXPECT_NE(wrong.exit_code, 0) << wrong.output;
  EXPECT_EQ(hub_.live_count(), 0u);
  std::atomic<bool> live{false};
  std::thread watcher([&] {
    live = testing::WaitFor(
        [&] {
          auto stream = hub_.FindLiveStream({"d.com", "live", "enc"});
          return stream && stream->stats.keyframes >= 1;
        },
        30s);
  });
  testing::RunResult right = Push("libx264", "streamid=live/enc&passphrase=correcthorse42", 2);
  watcher.join();
  EXPECT_EQ(right.exit_code, 0) << right.output;
  EXPECT_TRUE(live);
}

TEST_F(SrtServerTest, DuplicatePublishIsRefusedAndTheLiveOneKept) {
  Start();
  media::StreamInfo info;
  info.key = {"d.com", "live", "dup"};
  auto first = hub_.Publish(info);
  ASSERT_TRUE(first.ok());
  testing::RunResult r = Push("libx264", "streamid=live/dup", 1);
  EXPECT_TRUE(testing::WaitFor(
      [&] { return CounterValue(metrics_, "livesnap_srt_refused_total", "admission") == 1; }, 10s));
  EXPECT_EQ(hub_.live_count(), 1u);
}

}  // namespace
}  // namespace livesnap::srt
