// URL signing of pushes (aliauth types A, B and C) with the real livesnapd
// and real ffmpeg pushes: signed URLs are captured, every bad signature is
// refused with NetStream.Publish.Rejected, a description and a log line
// saying why.
#include "snapshot/push_auth.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "tests/support/api_client.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

using namespace std::chrono_literals;
using testing::LivesnapdProcess;
using testing::Subprocess;

constexpr char kDomain[] = "push.example.com";
constexpr char kKey1[] = "primaryKey123";
constexpr char kKey2[] = "secondaryKey456";

int64_t NowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class PushAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clip_dir_ = new testing::TempDir();
    testing::ClipSpec spec;
    spec.seconds = 3;
    clip_ = testing::MakeFlvClip(clip_dir_->path(), "clip", spec);
  }
  static void TearDownTestSuite() { delete clip_dir_; }

  void SetUp() override {
    const auto config = dir_ / "livesnap.toml";
    std::ofstream(config) << testing::OneDomainConfig(
        dir_ / "shots", kDomain,
        "auth_type = \"" + AuthType() + "\"\nauth_key1 = \"" + kKey1 + "\"\nauth_key2 = \"" +
            kKey2 + "\"\nali_auth_delta = 600\n");
    server_ = std::make_unique<LivesnapdProcess>(dir_.path(),
                                                 std::vector<std::string>{"-c", config.string()});
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }
  virtual std::string AuthType() const { return "type_a"; }

  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Stop(), 0) << server_->Log();
    }
  }

  // Pushes the clip to live/`stream` with `query` and returns ffmpeg's exit
  // code and log.
  std::pair<int, std::string> Push(const std::string& stream, const std::string& query) {
    const std::string url =
        server_->RtmpUrl("live", stream + (query.empty() ? "" : "?" + query), kDomain);
    Subprocess push(testing::PushCommand(clip_, url, false), dir_ / (stream + ".log"));
    return {push.Wait(60s).value_or(-1), push.Log()};
  }

  // A push refused for `why`: ffmpeg fails and says so, and so does the log.
  void ExpectRefused(const std::string& stream, const std::string& query, const std::string& why) {
    ExpectPushRefused(stream, Push(stream, query), why);
  }
  void ExpectPushRefused(const std::string& stream, const std::pair<int, std::string>& push,
                         const std::string& why) {
    const auto& [code, log] = push;
    EXPECT_NE(code, 0) << log;
    EXPECT_NE(log.find(why), std::string::npos) << log;
    EXPECT_TRUE(server_->WaitForLog(
        std::string("[") + kDomain + "/live/" + stream + "] publish refused", 10s))
        << server_->Log();
    EXPECT_NE(server_->Log().find(why), std::string::npos) << server_->Log();
  }

  // The pushes to live/a and live/b were both captured, and neither key
  // reached the log.
  void ExpectAAndBCapturedKeysUnlogged() {
    const auto shots = dir_ / "shots" / "live";
    EXPECT_TRUE(testing::WaitFor(
        [&] {
          return std::filesystem::exists(shots / "a.jpg") &&
                 std::filesystem::exists(shots / "b.jpg");
        },
        15s))
        << server_->Log();
    EXPECT_EQ(server_->Log().find(kKey1), std::string::npos);
    EXPECT_EQ(server_->Log().find(kKey2), std::string::npos);
  }

  // livesnap_push_auth_refused_total by reason, as `/metrics` serves it.
  void ExpectRefusedCounts(const std::string& metrics,
                           const std::vector<std::pair<std::string, int>>& counts) {
    for (const auto& [reason, count] : counts) {
      EXPECT_EQ(testing::MetricValue(metrics,
                                     "livesnap_push_auth_refused_total{reason=\"" + reason + "\"}"),
                count)
          << metrics;
    }
  }

  static testing::TempDir* clip_dir_;
  static std::filesystem::path clip_;
  testing::TempDir dir_;
  std::unique_ptr<LivesnapdProcess> server_;
};

testing::TempDir* PushAuthTest::clip_dir_ = nullptr;
std::filesystem::path PushAuthTest::clip_;

TEST_F(PushAuthTest, SignedPushIsCapturedWithEitherKey) {
  const int64_t now = NowS();
  auto [code, log] =
      Push("a", "auth_key=" + snapshot::SignPushTypeA(kKey1, "live", "a", now, "0", "0"));
  EXPECT_EQ(code, 0) << log;
  // Key rotation: the secondary key is accepted as well.
  auto [code2, log2] =
      Push("b", "auth_key=" + snapshot::SignPushTypeA(kKey2, "live", "b", now,
                                                      "477b3bbc253f467b8def6711128c7bec", "1234"));
  EXPECT_EQ(code2, 0) << log2;
  ExpectAAndBCapturedKeysUnlogged();
}

TEST_F(PushAuthTest, BadSignaturesAreRefusedSayingWhy) {
  const int64_t now = NowS();
  ExpectRefused("missing", "", "auth_key missing");
  ExpectRefused("malformed", "auth_key=12345", "auth_key malformed");
  ExpectRefused(
      "expired",
      "auth_key=" + snapshot::SignPushTypeA(kKey1, "live", "expired", now - 601, "0", "0"),
      "auth_key expired");
  ExpectRefused(
      "wrongkey",
      "auth_key=" + snapshot::SignPushTypeA("notTheKey1", "live", "wrongkey", now, "0", "0"),
      "auth_key signature does not match");
  // Signed for another stream.
  ExpectRefused("other", "auth_key=" + snapshot::SignPushTypeA(kKey1, "live", "a", now, "0", "0"),
                "auth_key signature does not match");
  // A count by reason, and no key in the metrics.
  const std::string metrics = testing::ApiClient(server_->api_port()).Get("/metrics").raw;
  ExpectRefusedCounts(metrics,
                      {{"missing", 1}, {"malformed", 1}, {"expired", 1}, {"wrong_signature", 2}});
  EXPECT_EQ(metrics.find(kKey1), std::string::npos);
  EXPECT_EQ(server_->Log().find(kKey1), std::string::npos);
}

TEST_F(PushAuthTest, SigningSetThroughTheApiAppliesToTheNextPush) {
  testing::ApiClient api(server_->api_port());
  auto set = [&](const std::string& args) {
    return api.Call(
        "BatchSetLiveDomainConfigs",
        {{"DomainNames", kDomain},
         {"Functions", R"([{"functionName":"aliauth","functionArgs":[)" + args + "]}]"}});
  };
  ASSERT_EQ(set(R"({"argName":"auth_type","argValue":"no_auth"})").status, 200);
  auto [open_code, open_log] = Push("open", "");
  EXPECT_EQ(open_code, 0) << open_log;

  ASSERT_EQ(set(R"({"argName":"auth_type","argValue":"type_a"},)"
                R"({"argName":"auth_key1","argValue":"rotatedKey789"})")
                .status,
            200);
  ExpectRefused("old",
                "auth_key=" + snapshot::SignPushTypeA(kKey1, "live", "old", NowS(), "0", "0"),
                "auth_key signature does not match");
  auto [new_code, new_log] =
      Push("new",
           "auth_key=" + snapshot::SignPushTypeA("rotatedKey789", "live", "new", NowS(), "0", "0"));
  EXPECT_EQ(new_code, 0) << new_log;
}

// Types B and C: the signature leads the path, before the AppName.
class PathSignedPushTest : public PushAuthTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::string AuthType() const override { return GetParam(); }

  std::string Sign(const std::string& key, const std::string& stream, int64_t timestamp_s) const {
    return GetParam() == "type_b" ? snapshot::SignPushTypeB(key, "live", stream, timestamp_s)
                                  : snapshot::SignPushTypeC(key, "live", stream, timestamp_s);
  }

  // Pushes the clip to rtmp://host/{signature}/live/{stream}, which ffmpeg
  // sends as app "{signature}" and stream "live/{stream}"; with
  // `whole_app`, as OBS sends it: app "{signature}/live", stream "{stream}".
  std::pair<int, std::string> PushSigned(const std::string& stream, const std::string& signature,
                                         bool whole_app = false) {
    const std::string prefix = signature.empty() ? "" : signature + "/";
    const std::string url = "rtmp://127.0.0.1:" + std::to_string(server_->rtmp_port()) + "/" +
                            prefix + "live/" + stream + "?vhost=" + kDomain;
    std::vector<std::string> argv = testing::PushCommand(clip_, url, false);
    if (whole_app) {
      argv.insert(argv.end() - 1, {"-rtmp_app", prefix + "live?vhost=" + kDomain, "-rtmp_playpath",
                                   stream + "?vhost=" + kDomain});
    }
    Subprocess push(argv, dir_ / (stream + ".log"));
    return {push.Wait(60s).value_or(-1), push.Log()};
  }
};

TEST_P(PathSignedPushTest, SignedPushIsCapturedWithEitherKey) {
  const int64_t now = NowS();
  auto [code, log] = PushSigned("a", Sign(kKey1, "a", now));
  EXPECT_EQ(code, 0) << log;
  // Key rotation: the secondary key is accepted as well; and the path split
  // as OBS splits it.
  auto [code2, log2] = PushSigned("b", Sign(kKey2, "b", now), true);
  EXPECT_EQ(code2, 0) << log2;
  // The signature is no part of the app: the images land under live/.
  ExpectAAndBCapturedKeysUnlogged();
}

TEST_P(PathSignedPushTest, BadSignaturesAreRefusedSayingWhy) {
  const int64_t now = NowS();
  ExpectPushRefused("missing", PushSigned("missing", ""), "signed path missing");
  // A type A auth_key does not stand in for the path signature.
  ExpectPushRefused(
      "typea",
      Push("typea", "auth_key=" + snapshot::SignPushTypeA(kKey1, "live", "typea", now, "0", "0")),
      "signed path missing");
  // Type B counts from the minute, so two minutes more than the validity.
  ExpectPushRefused("expired", PushSigned("expired", Sign(kKey1, "expired", now - 720)),
                    "signed path expired");
  ExpectPushRefused("wrongkey", PushSigned("wrongkey", Sign("notTheKey1", "wrongkey", now)),
                    "signed path signature does not match");
  ExpectPushRefused("other", PushSigned("other", Sign(kKey1, "a", now)),
                    "signed path signature does not match");
  ExpectRefusedCounts(testing::ApiClient(server_->api_port()).Get("/metrics").raw,
                      {{"missing", 2}, {"expired", 1}, {"wrong_signature", 2}});
  EXPECT_EQ(server_->Log().find(kKey1), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(TypesBAndC, PathSignedPushTest, ::testing::Values("type_b", "type_c"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace livesnap
