// The livesnapd binary as a user runs it: embedded defaults, a real ffmpeg
// push, refusals, graceful shutdown, configuration errors.
#include "tests/support/livesnapd.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/media_fixtures.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

using namespace std::chrono_literals;
using testing::LivesnapdProcess;
using testing::Subprocess;

class LivesnapdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clip_dir_ = new testing::TempDir();
    testing::ClipSpec spec;
    spec.seconds = 4;
    clip_ = testing::MakeFlvClip(clip_dir_->path(), "clip", spec);
    spec.seconds = 30;
    long_clip_ = testing::MakeFlvClip(clip_dir_->path(), "long", spec);
  }
  static void TearDownTestSuite() { delete clip_dir_; }

  static testing::TempDir* clip_dir_;
  static std::filesystem::path clip_;
  static std::filesystem::path long_clip_;
  testing::TempDir dir_;
};

testing::TempDir* LivesnapdTest::clip_dir_ = nullptr;
std::filesystem::path LivesnapdTest::clip_;
std::filesystem::path LivesnapdTest::long_clip_;

TEST_F(LivesnapdTest, QuickStartPushIsLoggedWithCodecAndResolution) {
  LivesnapdProcess server(dir_.path());
  ASSERT_TRUE(server.Start()) << server.Log();
  EXPECT_NE(server.Log().find("authentication is OFF"), std::string::npos);
  EXPECT_NE(server.Log().find("console http://127.0.0.1:" + std::to_string(server.api_port()) +
                              "/console/"),
            std::string::npos)
      << server.Log();
  Subprocess push(testing::PushCommand(clip_, server.RtmpUrl("live", "demo"), false),
                  dir_ / "push.log");
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  ASSERT_TRUE(server.WaitForLog("[127.0.0.1/live/demo] publish stopped", 10s)) << server.Log();
  const std::string log = server.Log();
  EXPECT_NE(log.find("[127.0.0.1/live/demo] publish started from 127.0.0.1:"), std::string::npos)
      << log;
  EXPECT_NE(log.find("[127.0.0.1/live/demo] video H.264"), std::string::npos) << log;
  EXPECT_NE(log.find("640x360"), std::string::npos) << log;
  EXPECT_NE(log.find("reason=unpublished video_frames=100 keyframes=4"), std::string::npos) << log;
  // The embedded template: both modes, under data_dir/snapshots.
  const std::filesystem::path shots = server.data_dir() / "snapshots" / "live";
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        return std::filesystem::exists(shots / "demo.jpg") &&
               std::filesystem::exists(shots / "demo" / "0.jpg");
      },
      10s))
      << server.Log();
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

TEST_F(LivesnapdTest, UnknownDomainIsRefusedWithAClearStatus) {
  LivesnapdProcess server(dir_.path());
  ASSERT_TRUE(server.Start()) << server.Log();
  const std::string url = server.RtmpUrl("live", "x", "nobody.example.com");
  Subprocess push(testing::PushCommand(clip_, url, false), dir_ / "push.log");
  std::optional<int> code = push.Wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(push.Log().find("unknown domain \"nobody.example.com\""), std::string::npos)
      << push.Log();
  EXPECT_TRUE(server.WaitForLog("[nobody.example.com/live/x] publish refused", 5s)) << server.Log();
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(LivesnapdTest, SigtermDuringAPushEndsItAndExitsZero) {
  LivesnapdProcess server(dir_.path());
  ASSERT_TRUE(server.Start()) << server.Log();
  Subprocess push(testing::PushCommand(long_clip_, server.RtmpUrl("live", "live1"), true),
                  dir_ / "push.log");
  ASSERT_TRUE(server.WaitForLog("[127.0.0.1/live/live1] video H.264", 20s)) << server.Log();
  EXPECT_EQ(server.Stop(), 0) << server.Log();
  const std::string log = server.Log();
  EXPECT_NE(log.find("[127.0.0.1/live/live1] publish stopped: reason=shutdown"), std::string::npos)
      << log;
  EXPECT_NE(log.find("livesnapd stopped"), std::string::npos);
  push.Wait(10s);
}

TEST_F(LivesnapdTest, SecondInstanceOnABusyPortFailsLoudly) {
  LivesnapdProcess first(dir_.path());
  ASSERT_TRUE(first.Start()) << first.Log();
  testing::RunResult second = testing::Run(
      {testing::LivesnapdPath(), "--rtmp-listen", "127.0.0.1:" + std::to_string(first.rtmp_port()),
       "--api-listen", "127.0.0.1:" + std::to_string(testing::FreePort()), "--data-dir",
       (dir_ / "second").string()},
      20s);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.output.find("RTMP bind 127.0.0.1:" + std::to_string(first.rtmp_port())),
            std::string::npos)
      << second.output;
  EXPECT_EQ(first.Stop(), 0);
}

TEST_F(LivesnapdTest, BadConfigFileIsRejectedWithTheKeyNamed) {
  const auto config = dir_ / "bad.toml";
  std::ofstream(config) << "[rtmp]\nmax_conections = 10\n";
  testing::RunResult result =
      testing::Run({testing::LivesnapdPath(), "-c", config.string(), "--check-config"}, 10s);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("rtmp.max_conections"), std::string::npos) << result.output;
}

// --check-config applies the API's template rules and knows the log levels:
// each bad value exits non-zero naming the file, the section and the key.
TEST_F(LivesnapdTest, CheckConfigRefusesWhatTheApiWouldRefuse) {
  const std::string seeds =
      "[[storage]]\nname = \"shots\"\nregion = \"cn-shanghai\"\n"
      "[[storage]]\nname = \"beijing\"\nregion = \"cn-beijing\"\n"
      "[[domain]]\nname = \"push.example.com\"\nregion = \"cn-shanghai\"\n"
      "[[template]]\ndomain = \"push.example.com\"\napp = \"live\"\n"
      "overwrite = \"{AppName}/{StreamName}.jpg\"\n";
  struct Case {
    std::string name;
    std::string text;
    std::string expected;
  };
  for (const Case& c : {
           Case{"interval", seeds + "interval = 0\nbucket = \"shots\"\n",
                "[[template]] push.example.com/live: template.interval: 0 s is not 5..3600"},
           Case{"region", seeds + "interval = 5\nbucket = \"beijing\"\n",
                "[[template]] push.example.com/live: template.bucket: bucket beijing is in region "
                "cn-beijing but domain push.example.com is in region cn-shanghai"},
           Case{"width", seeds + "interval = 5\nbucket = \"shots\"\nwidth = 99999\n",
                "[[template]] push.example.com/live: template.width: 99999 is not 0..4096"},
           Case{"sequence",
                seeds + "interval = 5\nbucket = \"shots\"\nsequence = \"{AppName}/x.jpg\"\n",
                "[[template]] push.example.com/live: template.sequence: "},
           Case{"log_level", "[server]\nlog_level = \"verbose\"\n",
                "server.log_level: \"verbose\" is not one of"},
       }) {
    const auto config = dir_ / (c.name + ".toml");
    std::ofstream(config) << c.text;
    testing::RunResult result =
        testing::Run({testing::LivesnapdPath(), "-c", config.string(), "--check-config"}, 10s);
    EXPECT_NE(result.exit_code, 0) << c.name;
    EXPECT_NE(result.output.find("config " + config.string() + ": " + c.expected),
              std::string::npos)
        << c.name << ": " << result.output;
  }
  testing::RunResult flag =
      testing::Run({testing::LivesnapdPath(), "--log-level", "verbose", "--check-config"}, 10s);
  EXPECT_NE(flag.exit_code, 0);
  EXPECT_NE(flag.output.find("--log-level: \"verbose\" is not one of"), std::string::npos)
      << flag.output;
  const auto good = dir_ / "good.toml";
  std::ofstream(good) << seeds << "interval = 5\nbucket = \"shots\"\nwidth = 4096\n";
  testing::RunResult ok =
      testing::Run({testing::LivesnapdPath(), "-c", good.string(), "--check-config"}, 10s);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

TEST_F(LivesnapdTest, ConfigFileDomainsAndLimitsApply) {
  const auto config = dir_ / "livesnap.toml";
  std::ofstream(config) << R"(
[rtmp]
idle_timeout_ms = 2000
[[storage]]
name = "shots"
region = "cn-shanghai"
[[domain]]
name = "push.example.com"
region = "cn-shanghai"
)";
  LivesnapdProcess server(dir_.path(), {"-c", config.string()});
  ASSERT_TRUE(server.Start()) << server.Log();
  // 127.0.0.1 is not a domain of this config; push.example.com is.
  Subprocess refused(testing::PushCommand(clip_, server.RtmpUrl("live", "a"), false),
                     dir_ / "refused.log");
  EXPECT_NE(refused.Wait(30s).value_or(0), 0);
  const std::string url = server.RtmpUrl("live", "b", "push.example.com");
  Subprocess accepted(testing::PushCommand(clip_, url, false), dir_ / "accepted.log");
  EXPECT_EQ(accepted.Wait(60s), 0) << accepted.Log();
  EXPECT_TRUE(server.WaitForLog("[push.example.com/live/b] publish stopped", 10s));
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace livesnap
