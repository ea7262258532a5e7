// The snapshot pipeline end to end on S3, as users run it: the real
// livesnapd with an s3 storage location on a private s3rver that the tests
// stop, restart and slow down; real ffmpeg pushes of a clip whose picture
// tells the second it was shown (grey level 16 + 3 * second); s3cmd as the
// independent client that lists and fetches what was stored; the JPEGs
// decoded back. What must hold: every sequence snapshot arrives, numbered
// 0..N-1 in capture order, the overwrite object ends as the newest, the
// records follow what is stored, and ingest never waits for the store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "snapshot/testing/test_jpeg.h"
#include "storage/s3_store.h"
#include "tests/s3/delaying_proxy.h"
#include "tests/s3/s3cmd.h"
#include "tests/s3/s3rver.h"
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
using testing::ApiClient;
using testing::LivesnapdProcess;
using testing::MakeSecondsClip;
using testing::RunResult;
using testing::S3cmd;
using testing::S3rverProcess;
using testing::SecondShown;
using testing::Subprocess;
using Clock = std::chrono::steady_clock;

constexpr char kBucket[] = "shots";
constexpr char kDomain[] = "push.example.com";

// The seconds a GOP-2 s clip of `seconds` gives at interval 5 s: the first
// keyframe at or after each due time.
std::vector<int> ExpectedSeconds(int seconds) {
  std::vector<int> expected;
  for (int due = 0; due < seconds; due += 5) {
    const int keyframe = (due + 1) / 2 * 2;
    if (keyframe < seconds) expected.push_back(keyframe);
  }
  return expected;
}

struct TemplateModes {
  bool overwrite = true;
  bool sequence = true;
};

class SnapshotS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::InstallS3rver());
    s3_ = std::make_unique<S3rverProcess>(dir_ / "s3rver", std::vector<std::string>{kBucket});
    ASSERT_TRUE(s3_->Start());
    s3cmd_ = std::make_unique<S3cmd>(dir_.path(), s3_->port(), kBucket);
    auto store = storage::S3Store::Create(testing::S3rverOptions(s3_->Url(), kBucket));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // Writes the config (one s3 location "shots" reached at `s3_url`, the
  // domain push.example.com, an AppName "*" template every 5 s) and starts
  // livesnapd on it.
  void StartLivesnapd(const std::string& s3_url, TemplateModes modes = {}) {
    const fs::path config = dir_ / "livesnap.toml";
    std::ofstream out(config);
    out << "[server]\nlog_level = \"debug\"\n"
        << "[[storage]]\nname = \"" << kBucket << "\"\nregion = \"" << testing::kS3rverRegion
        << "\"\nkind = \"s3\"\nendpoint = \"s3.livesnap.test\"\nurl = \"" << s3_url
        << "\"\naccess_key_id = \"" << testing::kS3rverAccessKey << "\"\nsecret_access_key = \""
        << testing::kS3rverSecretKey << "\"\nconnect_timeout_ms = 500\ntimeout_ms = 10000\n"
        << "[[domain]]\nname = \"" << kDomain << "\"\nregion = \"" << testing::kS3rverRegion
        << "\"\n"
        << "[[template]]\ndomain = \"" << kDomain << "\"\napp = \"*\"\ninterval = 5\nbucket = \""
        << kBucket << "\"\noverwrite = \"" << (modes.overwrite ? "{AppName}/{StreamName}.jpg" : "")
        << "\"\nsequence = \"" << (modes.sequence ? "{AppName}/{StreamName}/{Sequence}.jpg" : "")
        << "\"\n";
    out.close();
    RestartLivesnapd();
  }

  // livesnapd again on the same config and data directory.
  void RestartLivesnapd() {
    server_ = std::make_unique<LivesnapdProcess>(
        dir_.path(), std::vector<std::string>{"-c", (dir_ / "livesnap.toml").string()});
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }

  std::string PushUrl(const std::string& stream) const {
    return server_->RtmpUrl("live", stream, kDomain);
  }

  // Sequence objects "live/<stream>/<N>.jpg" as listed and fetched by s3cmd,
  // in N order, as the seconds they show; N must run 0, 1, 2, ...
  std::vector<int> SequenceSeconds(const std::string& stream) {
    const std::string prefix = "live/" + stream + "/";
    std::map<int, std::string> by_number;
    for (const std::string& key : s3cmd_->List(prefix)) {
      int number = -1;
      EXPECT_TRUE(absl::SimpleAtoi(absl::StripSuffix(key.substr(prefix.size()), ".jpg"), &number))
          << key;
      by_number[number] = key;
    }
    std::vector<int> seconds;
    int expected_number = 0;
    for (const auto& [number, key] : by_number) {
      EXPECT_EQ(number, expected_number++) << "sequence numbers must be 0, 1, 2, ...";
      seconds.push_back(SecondShown(s3cmd_->Get(key)));
    }
    return seconds;
  }

  // Sequence objects under live/<stream>/ (livesnap's own client, for polling).
  size_t StoredSequenceObjects(const std::string& stream) {
    auto objects = store_->List("live/" + stream + "/");
    return objects.ok() ? objects->size() : 0;
  }

  // The sequence numbers in the order livesnapd found them stored (its
  // debug log: the completions of one stream come one at a time, in the
  // order the store took the objects).
  std::vector<int> NumbersInStoreOrder(const std::string& stream) {
    const std::string marker =
        "[" + std::string(kDomain) + "/live/" + stream + "] stored live/" + stream + "/";
    std::vector<int> numbers;
    for (absl::string_view line : absl::StrSplit(server_->Log(), '\n')) {
      const size_t at = line.find(marker);
      if (at == absl::string_view::npos) continue;
      absl::string_view rest = line.substr(at + marker.size());
      int number = -1;
      EXPECT_TRUE(absl::SimpleAtoi(rest.substr(0, rest.find(".jpg")), &number)) << line;
      numbers.push_back(number);
    }
    return numbers;
  }

  // The overwrite object, fetched by s3cmd, as the second it shows.
  int OverwriteSecond(const std::string& stream) {
    return SecondShown(s3cmd_->Get("live/" + stream + ".jpg"));
  }

  // The stream's records through DescribeLiveStreamSnapshotInfo:
  // {sequence records, overwrite records}.
  std::pair<int, int> RecordCounts(const std::string& stream) {
    testing::ApiResponse info =
        ApiClient(server_->api_port()).StreamSnapshotInfo(kDomain, "live", stream);
    EXPECT_EQ(info.status, 200) << info.raw;
    std::pair<int, int> counts{0, 0};
    for (const auto& item : info.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"]) {
      (item["IsOverlay"].get<bool>() ? counts.second : counts.first)++;
    }
    return counts;
  }

  // VideoFrames of the live stream (DescribeLiveStreamsOnlineList); -1 when
  // it is not live.
  int64_t LiveVideoFrames(const std::string& stream) {
    testing::ApiResponse online =
        ApiClient(server_->api_port())
            .Call("DescribeLiveStreamsOnlineList",
                  {{"DomainName", kDomain}, {"StreamName", stream}, {"QueryType", "strict"}});
    if (online.status != 200) return -1;
    for (const auto& item : online.body["OnlineInfo"]["LiveStreamOnlineInfo"]) {
      return item["VideoFrames"].get<int64_t>();
    }
    return -1;
  }

  // Samples the stream's frame count every second for `duration`.
  std::vector<int64_t> SampleFrames(const std::string& stream, std::chrono::seconds duration) {
    std::vector<int64_t> samples;
    const auto end = Clock::now() + duration;
    while (Clock::now() < end) {
      samples.push_back(LiveVideoFrames(stream));
      std::this_thread::sleep_for(1s);
    }
    return samples;
  }

  // Frames arrived in every 2 s window: ingest never stalled.
  static void ExpectFramesKeptFlowing(const std::vector<int64_t>& samples) {
    ASSERT_GE(samples.size(), 3u);
    for (size_t i = 2; i < samples.size(); ++i) {
      EXPECT_GT(samples[i], samples[i - 2]) << "no frame arrived between samples " << i - 2
                                            << " and " << i << " (" << samples[i] << ")";
    }
  }

  std::string Metrics() { return ApiClient(server_->api_port()).Get("/metrics").raw; }

  testing::TempDir dir_;
  std::unique_ptr<S3rverProcess> s3_;
  std::unique_ptr<S3cmd> s3cmd_;
  std::unique_ptr<storage::S3Store> store_;
  std::unique_ptr<LivesnapdProcess> server_;
};

TEST_F(SnapshotS3Test, BothModesStoreCorrectJpegs) {
  StartLivesnapd(s3_->Url());
  const fs::path clip = MakeSecondsClip(dir_.path(), "clip", 30, 2);
  Subprocess push(testing::PushCommand(clip, PushUrl("both"), /*realtime=*/false),
                  dir_ / "push.log");
  ASSERT_EQ(push.Wait(120s), 0) << push.Log();
  const std::vector<int> expected = ExpectedSeconds(30);  // 0, 6, 10, 16, 20, 26
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return StoredSequenceObjects("both") >= expected.size() && RecordCounts("both").first >= 6;
      },
      60s))
      << server_->Log();
  ASSERT_TRUE(testing::WaitFor([&] { return OverwriteSecond("both") == expected.back(); }, 30s));

  std::vector<std::string> keys = s3cmd_->List("live/");
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"live/both.jpg", "live/both/0.jpg", "live/both/1.jpg",
                                            "live/both/2.jpg", "live/both/3.jpg", "live/both/4.jpg",
                                            "live/both/5.jpg"}));
  EXPECT_EQ(SequenceSeconds("both"), expected);
  auto image = snapshot::testing::DecodeJpeg(s3cmd_->Get("live/both.jpg"));
  ASSERT_TRUE(image);
  EXPECT_EQ(image->width, 320);
  EXPECT_EQ(image->height, 180);
  // One record per sequence object and one for the overwrite object.
  EXPECT_EQ(RecordCounts("both"), std::make_pair(6, 1));
  EXPECT_EQ(server_->Stop(), 0);
}

TEST_F(SnapshotS3Test, OverwriteOnlyKeepsOneObjectHoldingTheNewest) {
  StartLivesnapd(s3_->Url(), {.overwrite = true, .sequence = false});
  const fs::path clip = MakeSecondsClip(dir_.path(), "clip", 30, 2);
  Subprocess push(testing::PushCommand(clip, PushUrl("ow"), false), dir_ / "push.log");
  ASSERT_EQ(push.Wait(120s), 0) << push.Log();
  ASSERT_TRUE(testing::WaitFor([&] { return OverwriteSecond("ow") == 26; }, 60s)) << server_->Log();
  EXPECT_EQ(s3cmd_->List("live/"), std::vector<std::string>{"live/ow.jpg"});
  EXPECT_EQ(RecordCounts("ow"), std::make_pair(0, 1));
}

// The store goes away for 30 s in the middle of a real-time push: every
// snapshot taken meanwhile waits and arrives, in order, once it is back,
// and the stream's frames never stop coming in.
TEST_F(SnapshotS3Test, AStoreOutageNeverStallsIngestAndLosesNoSnapshot) {
  StartLivesnapd(s3_->Url());
  constexpr int kSeconds = 70;
  const fs::path clip = MakeSecondsClip(dir_.path(), "clip", kSeconds, 2);
  const auto started = Clock::now();
  Subprocess push(testing::PushCommand(clip, PushUrl("out"), /*realtime=*/true), dir_ / "push.log");
  ASSERT_TRUE(testing::WaitFor([&] { return StoredSequenceObjects("out") >= 1; }, 30s))
      << server_->Log();
  std::this_thread::sleep_until(started + 15s);
  const size_t stored_before = StoredSequenceObjects("out");
  s3_->Stop();
  const std::vector<int64_t> samples = SampleFrames("out", 30s);
  const std::string during = Metrics();
  ASSERT_TRUE(s3_->Start());

  ExpectFramesKeptFlowing(samples);
  EXPECT_GT(testing::MetricValue(during, "livesnap_uploads_queued{store=\"shots\"}"), 0) << during;
  EXPECT_GT(testing::MetricValue(during, "livesnap_upload_retries_total{store=\"shots\"}"), 0)
      << during;
  ASSERT_EQ(push.Wait(120s), 0) << push.Log();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(kSeconds + 20))
      << "the real-time push was held up";

  const std::vector<int> expected = ExpectedSeconds(kSeconds);  // 14 snapshots, 0 .. 66 s
  ASSERT_TRUE(
      testing::WaitFor([&] { return StoredSequenceObjects("out") >= expected.size(); }, 120s))
      << StoredSequenceObjects("out") << " of " << expected.size() << "\n"
      << server_->Log();
  EXPECT_GE(expected.size() - stored_before, 6u) << "the outage held back too few snapshots";
  EXPECT_EQ(SequenceSeconds("out"), expected);
  std::vector<int> in_order(expected.size());
  std::iota(in_order.begin(), in_order.end(), 0);
  EXPECT_EQ(NumbersInStoreOrder("out"), in_order) << "stored out of order";
  ASSERT_TRUE(testing::WaitFor([&] { return OverwriteSecond("out") == expected.back(); }, 60s))
      << server_->Log();
  ASSERT_TRUE(testing::WaitFor(
      [&] { return RecordCounts("out") == std::make_pair(static_cast<int>(expected.size()), 1); },
      30s))
      << RecordCounts("out").first << " sequence records";
  EXPECT_EQ(server_->Stop(), 0);
}

// Every answer of the store takes 1.5 s: uploads queue up behind it, ingest
// does not notice.
TEST_F(SnapshotS3Test, ASlowStoreDoesNotSlowIngest) {
  constexpr auto kDelay = 1500ms;
  testing::DelayingProxy proxy(s3_->port(), kDelay);
  StartLivesnapd(proxy.Url());
  constexpr int kSeconds = 30;
  const fs::path clip = MakeSecondsClip(dir_.path(), "clip", kSeconds, 2);
  const auto started = Clock::now();
  Subprocess push(testing::PushCommand(clip, PushUrl("slow"), /*realtime=*/true),
                  dir_ / "push.log");
  ASSERT_TRUE(testing::WaitFor([&] { return LiveVideoFrames("slow") > 0; }, 20s)) << server_->Log();
  ExpectFramesKeptFlowing(SampleFrames("slow", 20s));
  ASSERT_EQ(push.Wait(120s), 0) << push.Log();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(kSeconds + 20))
      << "the real-time push was held up";

  const std::vector<int> expected = ExpectedSeconds(kSeconds);
  ASSERT_TRUE(
      testing::WaitFor([&] { return StoredSequenceObjects("slow") >= expected.size(); }, 120s))
      << server_->Log();
  EXPECT_EQ(SequenceSeconds("slow"), expected);
  EXPECT_EQ(NumbersInStoreOrder("slow"), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  ASSERT_TRUE(testing::WaitFor([&] { return OverwriteSecond("slow") == expected.back(); }, 60s));
  // The store really was slow: each Put took at least the proxy's delay.
  const std::string metrics = Metrics();
  const double count =
      testing::MetricValue(metrics, "livesnap_upload_seconds_count{store=\"shots\"}");
  ASSERT_GT(count, 0) << metrics;
  EXPECT_GE(testing::MetricValue(metrics, "livesnap_upload_seconds_sum{store=\"shots\"}") / count,
            std::chrono::duration<double>(kDelay).count());
  EXPECT_EQ(server_->Stop(), 0);
}

// livesnapd stops while the store is down: what waits goes to the spool,
// and the next livesnapd delivers and records it once the store is back.
TEST_F(SnapshotS3Test, SpooledSnapshotsAreDeliveredAndRecordedAfterARestart) {
  StartLivesnapd(s3_->Url());
  s3_->Stop();
  const fs::path clip = MakeSecondsClip(dir_.path(), "clip", 12, 2);  // snapshots at 0, 6, 10 s
  Subprocess push(testing::PushCommand(clip, PushUrl("spool"), false), dir_ / "push.log");
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return testing::MetricValue(Metrics(), "livesnap_captures_total{result=\"ok\"}") == 3;
      },
      30s))
      << server_->Log();
  EXPECT_GE(testing::MetricValue(Metrics(), "livesnap_uploads_queued{store=\"shots\"}"), 4);
  EXPECT_EQ(RecordCounts("spool"), std::make_pair(0, 0)) << "recorded before it was stored";
  EXPECT_EQ(server_->Stop(), 0);

  const fs::path spool = server_->data_dir() / "spool" / kBucket;
  auto spooled = [&] {
    size_t n = 0;
    for (const auto& entry : fs::directory_iterator(spool))
      n += entry.path().extension() == ".upload";
    return n;
  };
  EXPECT_GE(spooled(), 4u) << "3 sequence objects and the newest overwrite image";

  RestartLivesnapd();
  ASSERT_TRUE(s3_->Start());
  ASSERT_TRUE(testing::WaitFor([&] { return StoredSequenceObjects("spool") >= 3; }, 90s))
      << server_->Log();
  EXPECT_EQ(SequenceSeconds("spool"), (std::vector<int>{0, 6, 10}));
  EXPECT_EQ(NumbersInStoreOrder("spool"), (std::vector<int>{0, 1, 2}));
  ASSERT_TRUE(testing::WaitFor([&] { return OverwriteSecond("spool") == 10; }, 30s));
  ASSERT_TRUE(testing::WaitFor([&] { return RecordCounts("spool") == std::make_pair(3, 1); }, 30s))
      << server_->Log();
  EXPECT_TRUE(testing::WaitFor([&] { return spooled() == 0; }, 30s));
  EXPECT_EQ(server_->Stop(), 0);
}

}  // namespace
}  // namespace livesnap
