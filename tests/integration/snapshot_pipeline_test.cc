// The snapshot pipeline end to end, as users see it: livesnapd with file
// storage, real ffmpeg pushes of a clip whose picture encodes the second it
// was shown (grey level 16 + 3 * second), and the stored JPEGs decoded back
// to check that each shows the frame its capture time promises.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <fstream>

#include "snapshot/testing/test_jpeg.h"
#include "tests/support/api_client.h"
#include "tests/support/flv_edit.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/seconds_clip.h"
#include "tests/support/stub_http_server.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ApiClient;
using testing::LivesnapdProcess;
using testing::MakeSecondsClip;
using testing::Subprocess;

// The second a stored JPEG file shows.
int SecondShown(const fs::path& jpeg) { return testing::SecondShown(testing::ReadFile(jpeg)); }

// Sequence objects "<dir>/<N>.jpg" in N order, as the seconds they show.
std::vector<int> SequenceSeconds(const fs::path& dir) {
  std::vector<int> seconds;
  int expected_index = 0;
  for (const auto& [index, second] : testing::SecondsBySequence(dir)) {
    EXPECT_EQ(index, expected_index++) << "sequence numbers must be 0, 1, 2, ... in " << dir;
    seconds.push_back(second);
  }
  return seconds;
}

size_t CountJpegs(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    n += entry.path().extension() == ".jpg";
  }
  return n;
}

struct Template {
  std::string app = "*";
  int interval = 5;
  std::string overwrite = "{AppName}/{StreamName}.jpg";
  std::string sequence = "{AppName}/{StreamName}/{Sequence}.jpg";
  std::string callback;
};

class SnapshotPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clips_ = new testing::TempDir();
    gop2_ = MakeSecondsClip(clips_->path(), "gop2", 60, 2);
    gop10_ = MakeSecondsClip(clips_->path(), "gop10", 60, 10);
    short_gop1_ = MakeSecondsClip(clips_->path(), "short", 12, 1);
    rt_gop2_ = MakeSecondsClip(clips_->path(), "rt", 20, 2);
  }
  static void TearDownTestSuite() { delete clips_; }

  // Starts livesnapd with one file storage location "shots" and the domain
  // push.example.com carrying `templates`.
  void Start(const std::vector<Template>& templates) {
    const fs::path config = dir_ / "livesnap.toml";
    std::ofstream out(config);
    out << "[server]\nlog_level = \"debug\"\n"
        << "[[storage]]\nname = \"shots\"\nregion = \"cn-shanghai\"\nroot = \"" << shots_.string()
        << "\"\n"
        << "[[domain]]\nname = \"push.example.com\"\nregion = \"cn-shanghai\"\n";
    for (const Template& t : templates) {
      out << "[[template]]\ndomain = \"push.example.com\"\napp = \"" << t.app
          << "\"\ninterval = " << t.interval << "\nbucket = \"shots\"\noverwrite = \""
          << t.overwrite << "\"\nsequence = \"" << t.sequence << "\"\ncallback = \"" << t.callback
          << "\"\n";
    }
    out.close();
    server_ = std::make_unique<LivesnapdProcess>(dir_.path(),
                                                 std::vector<std::string>{"-c", config.string()});
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }

  std::string Url(const std::string& app, const std::string& stream) const {
    return server_->RtmpUrl(app, stream, "push.example.com");
  }

  // Pushes `clip`, waits until the publish has ended and every JPEG it gave
  // is stored, and expects `expected` of them under `count_dir`.
  void Push(const fs::path& clip, const std::string& app, const std::string& stream, bool realtime,
            const fs::path& count_dir, size_t expected) {
    const size_t stops = StopsLogged(app, stream);
    Subprocess push(testing::PushCommand(clip, Url(app, stream), realtime),
                    dir_ / ("push-" + stream + ".log"));
    ASSERT_EQ(push.Wait(120s), 0) << push.Log();
    ASSERT_NO_FATAL_FAILURE(WaitUntilSettled(app, stream, stops + 1));
    EXPECT_EQ(CountJpegs(count_dir), expected) << count_dir << "\n" << server_->Log();
  }

  // How many times the publish of app/stream ended.
  size_t StopsLogged(const std::string& app, const std::string& stream) const {
    const std::string line = "[push.example.com/" + app + "/" + stream + "] publish stopped";
    const std::string log = server_->Log();
    size_t n = 0;
    for (size_t at = log.find(line); at != std::string::npos; at = log.find(line, at + 1)) ++n;
    return n;
  }

  // Waits for the `stops`th end of app/stream's publish, then until all it
  // set going is done: every queued capture job finished, no sequence number
  // waiting for the catalog, no upload waiting. Each stage only hands work
  // to the next, so each is awaited once the one before it is empty; from
  // then on no snapshot of the stream can appear.
  void WaitUntilSettled(const std::string& app, const std::string& stream, size_t stops) {
    ASSERT_TRUE(testing::WaitFor([&] { return StopsLogged(app, stream) >= stops; }, 30s))
        << server_->Log();
    const auto metric = [&](const std::string& sample) {
      return testing::MetricValue(ApiClient(server_->api_port()).Get("/metrics").raw, sample);
    };
    const std::string stages[][2] = {
        {"livesnap_capture_jobs_total{event=\"queued\"}",
         "livesnap_capture_jobs_total{event=\"finished\"}"},
        {"livesnap_catalog_backlog_tasks{kind=\"sequence\"}", ""},
        {"livesnap_uploads_queued{store=\"shots\"}", ""},
    };
    for (const auto& [sample, equal_to] : stages) {
      ASSERT_TRUE(testing::WaitFor(
          [&] {
            const double value = metric(sample);
            return value >= 0 && value == (equal_to.empty() ? 0 : metric(equal_to));
          },
          30s))
          << sample << "\n"
          << server_->Log();
    }
  }

  static testing::TempDir* clips_;
  static fs::path gop2_, gop10_, short_gop1_, rt_gop2_;
  testing::TempDir dir_;
  fs::path shots_ = dir_ / "shots";
  std::unique_ptr<LivesnapdProcess> server_;
};

testing::TempDir* SnapshotPipelineTest::clips_ = nullptr;
fs::path SnapshotPipelineTest::gop2_, SnapshotPipelineTest::gop10_,
    SnapshotPipelineTest::short_gop1_, SnapshotPipelineTest::rt_gop2_;

TEST_F(SnapshotPipelineTest, Gop2sInterval5sGivesTwelveCorrectSnapshotsBothModes) {
  Start({Template{}});
  Push(gop2_, "live", "s1", /*realtime=*/false, shots_ / "live" / "s1", 12);
  EXPECT_EQ(SequenceSeconds(shots_ / "live" / "s1"),
            (std::vector<int>{0, 6, 10, 16, 20, 26, 30, 36, 40, 46, 50, 56}));
  ASSERT_TRUE(testing::WaitFor([&] { return SecondShown(shots_ / "live" / "s1.jpg") == 56; }, 5s));
  auto image = snapshot::testing::DecodeJpeg(testing::ReadFile(shots_ / "live" / "s1.jpg"));
  ASSERT_TRUE(image);
  EXPECT_EQ(image->width, 320);
  EXPECT_EQ(image->height, 180);
}

TEST_F(SnapshotPipelineTest, GopLongerThanTheIntervalGivesOneSnapshotPerKeyframe) {
  Start({Template{}});
  Push(gop10_, "live", "s10", false, shots_ / "live" / "s10", 6);
  EXPECT_EQ(SequenceSeconds(shots_ / "live" / "s10"), (std::vector<int>{0, 10, 20, 30, 40, 50}));
}

TEST_F(SnapshotPipelineTest, RealTimePushGivesTheSameSnapshotsAsAFastOne) {
  Start({Template{}});
  Push(rt_gop2_, "live", "rt", /*realtime=*/true, shots_ / "live" / "rt", 4);
  Push(rt_gop2_, "live", "fast", /*realtime=*/false, shots_ / "live" / "fast", 4);
  EXPECT_EQ(SequenceSeconds(shots_ / "live" / "rt"), (std::vector<int>{0, 6, 10, 16}));
  EXPECT_EQ(SequenceSeconds(shots_ / "live" / "fast"), SequenceSeconds(shots_ / "live" / "rt"));
}

TEST_F(SnapshotPipelineTest, OverwriteOnlyKeepsOneObjectHoldingTheLast) {
  Template t;
  t.sequence = "";
  Start({t});
  Subprocess push(testing::PushCommand(short_gop1_, Url("live", "ow"), false), dir_ / "push.log");
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  ASSERT_TRUE(testing::WaitFor([&] { return SecondShown(shots_ / "live" / "ow.jpg") == 10; }, 20s))
      << server_->Log();
  EXPECT_EQ(CountJpegs(shots_), 1u);
}

TEST_F(SnapshotPipelineTest, SequenceOnlyWithUnixTimestampNames) {
  Template t;
  t.overwrite = "";
  t.sequence = "ts/{StreamName}/{UnixTimestamp}.jpg";
  Start({t});
  Push(short_gop1_, "live", "tsv", /*realtime=*/true, shots_ / "ts" / "tsv", 3);
  std::vector<int64_t> stamps;
  for (const auto& entry : fs::directory_iterator(shots_ / "ts" / "tsv")) {
    stamps.push_back(std::stoll(entry.path().stem().string()));
  }
  std::sort(stamps.begin(), stamps.end());
  ASSERT_EQ(stamps.size(), 3u);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_NEAR(static_cast<double>(stamps[2]), static_cast<double>(now), 60);
  EXPECT_NEAR(static_cast<double>(stamps[1] - stamps[0]), 5, 1);
  EXPECT_NEAR(static_cast<double>(stamps[2] - stamps[1]), 5, 1);
  EXPECT_EQ(CountJpegs(shots_), 3u);
}

TEST_F(SnapshotPipelineTest, ExactAppNameWinsOverStar) {
  Template star;
  star.overwrite = "";
  star.sequence = "star/{AppName}/{StreamName}/{Sequence}.jpg";
  Template exact = star;
  exact.app = "live";
  exact.sequence = "exact/{AppName}/{StreamName}/{Sequence}.jpg";
  Start({star, exact});
  Push(short_gop1_, "live", "a", false, shots_ / "exact" / "live" / "a", 3);
  Push(short_gop1_, "other", "b", false, shots_ / "star" / "other" / "b", 3);
  EXPECT_EQ(CountJpegs(shots_ / "star" / "live"), 0u);
  EXPECT_EQ(CountJpegs(shots_ / "exact" / "other"), 0u);
}

TEST_F(SnapshotPipelineTest, SequenceNumbersContinueAfterRepushAndRestart) {
  Template t;
  t.overwrite = "";
  Start({t});
  const fs::path seq = shots_ / "live" / "cont";
  Push(short_gop1_, "live", "cont", false, seq, 3);
  Push(short_gop1_, "live", "cont", false, seq, 6);
  EXPECT_EQ(server_->Stop(), 0);
  server_ = std::make_unique<LivesnapdProcess>(
      dir_.path(), std::vector<std::string>{"-c", (dir_ / "livesnap.toml").string()});
  ASSERT_TRUE(server_->Start()) << server_->Log();
  Push(short_gop1_, "live", "cont", false, seq, 9);
  EXPECT_EQ(SequenceSeconds(seq), (std::vector<int>{0, 5, 10, 0, 5, 10, 0, 5, 10}));
}

TEST_F(SnapshotPipelineTest, CorruptedKeyframesNeverBecomeGarbageImages) {
  const fs::path noisy = MakeSecondsClip(dir_.path(), "noisy", 30, 2, /*noise=*/true);
  const fs::path broken = dir_ / "broken.flv";
  ASSERT_GE(testing::CorruptKeyframes(noisy, broken, 2), 5);
  Template t;
  t.overwrite = "";
  Start({t});
  Subprocess push(testing::PushCommand(broken, Url("live", "bad"), false), dir_ / "push.log");
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  ASSERT_NO_FATAL_FAILURE(WaitUntilSettled("live", "bad", 1));
  // Every stored image shows a clean keyframe's second (even: GOP 2 s). The
  // noise on second 0's black is clipped at 0, which lifts its mean to read
  // as second 1 (mean grey 2.8 of 255), so 1 stands for 0 here.
  const std::vector<int> seconds = SequenceSeconds(shots_ / "live" / "bad");
  ASSERT_FALSE(seconds.empty()) << server_->Log();
  for (int second : seconds) {
    EXPECT_TRUE(second >= 0 && second < 30 && (second % 2 == 0 || second == 1))
        << "garbage image: " << second;
  }
  testing::ApiResponse metrics = ApiClient(server_->api_port()).Get("/metrics");
  EXPECT_GT(testing::MetricValue(metrics.raw, "livesnap_captures_total{result=\"failed\"}"), 0)
      << metrics.raw << server_->Log();
  EXPECT_EQ(server_->Stop(), 0);
}

TEST_F(SnapshotPipelineTest, CallbackReceivesEverySnapshot) {
  testing::StubHttpServer receiver(
      [](const testing::RecordedRequest&, httplib::Response& response) { response.status = 200; });
  auto received = [&] {
    std::vector<nlohmann::json> bodies;
    for (const testing::RecordedRequest& request : receiver.requests()) {
      if (request.method == "POST" && request.Path() == "/cb") {
        bodies.push_back(nlohmann::json::parse(request.body, nullptr, false));
      }
    }
    return bodies;
  };
  Template t;
  t.callback = receiver.Url() + "/cb";
  Start({t});
  Push(short_gop1_, "live", "cb", false, shots_ / "live" / "cb", 3);
  // 3 sequence callbacks, and the overwrite object's of the newest image (an
  // older overwrite image may be replaced by a newer one before it is stored,
  // and is then never announced).
  const bool all = testing::WaitFor(
      [&] {
        int sequence_items = 0;
        int64_t newest_sequence_ms = -1, newest_overwrite_ms = -2;
        for (const nlohmann::json& item : received()) {
          if (!item.is_object()) return true;  // the checks below report it
          const bool sequence = item["mode"] == "sequence";
          sequence_items += sequence;
          int64_t& newest = sequence ? newest_sequence_ms : newest_overwrite_ms;
          newest = std::max(newest, item["capture_timestamp_ms"].get<int64_t>());
        }
        return sequence_items == 3 && newest_sequence_ms == newest_overwrite_ms;
      },
      20s);
  ASSERT_TRUE(all) << server_->Log();
  const std::vector<nlohmann::json> items = received();
  // The notifier posts from several threads, so callbacks may arrive in any
  // order: each sequence callback names the object of its number, and the
  // numbers are 0, 1, 2.
  std::vector<int64_t> sequences;
  for (const nlohmann::json& item : items) {
    ASSERT_TRUE(item.is_object());
    EXPECT_EQ(item["domain"], "push.example.com");
    EXPECT_EQ(item["app"], "live");
    EXPECT_EQ(item["stream"], "cb");
    EXPECT_EQ(item["bucket"], "shots");
    EXPECT_EQ(item["width"], 320);
    EXPECT_EQ(item["height"], 180);
    EXPECT_GT(item["size"].get<int>(), 0);
    if (item["mode"] == "sequence") {
      const int64_t sequence = item["sequence"].get<int64_t>();
      EXPECT_EQ(item["object"], "live/cb/" + std::to_string(sequence) + ".jpg");
      sequences.push_back(sequence);
    } else {
      EXPECT_EQ(item["mode"], "overwrite");
      EXPECT_EQ(item["object"], "live/cb.jpg");
    }
  }
  std::sort(sequences.begin(), sequences.end());
  EXPECT_EQ(sequences, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_LE(items.size(), 6u);
}

TEST_F(SnapshotPipelineTest, RecordsAreQueryableAndTheLatestIsServed) {
  Start({Template{}});
  ApiClient api(server_->api_port());
  // The newest image of a live stream is served while it is live.
  Subprocess push(testing::PushCommand(short_gop1_, Url("live", "rec"), /*realtime=*/true),
                  dir_ / "push.log");
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        testing::ApiResponse latest = api.Get("/snapshots/latest/push.example.com/live/rec.jpg");
        return latest.status == 200 && testing::SecondShown(latest.raw) == 5;
      },
      20s))
      << server_->Log();
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return CountJpegs(shots_ / "live" / "rec") == 3 &&
               SecondShown(shots_ / "live" / "rec.jpg") == 10;
      },
      20s));
  // The records follow the stored objects.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  constexpr int64_t kHourMs = 3'600'000;
  testing::ApiResponse info;
  int overlay = 0, sequence = 0;
  testing::WaitFor(
      [&] {
        info = api.Call("DescribeLiveStreamSnapshotInfo",
                        {{"DomainName", "push.example.com"},
                         {"AppName", "live"},
                         {"StreamName", "rec"},
                         {"StartTime", ApiClient::Iso8601(now_ms - kHourMs)},
                         {"EndTime", ApiClient::Iso8601(now_ms + kHourMs)},
                         {"Limit", "100"}});
        overlay = sequence = 0;
        if (info.status != 200) return false;
        for (const auto& item : info.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"]) {
          (item["IsOverlay"].get<bool>() ? overlay : sequence)++;
        }
        return sequence >= 3 && overlay >= 1;
      },
      10s);
  ASSERT_EQ(info.status, 200) << info.raw;
  for (const auto& item : info.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"]) {
    EXPECT_EQ(item["OssBucket"], "shots");
  }
  EXPECT_EQ(sequence, 3);
  EXPECT_EQ(overlay, 1) << "one record per overwrite object, of its newest image";
  // A stream that ended has no latest image.
  EXPECT_TRUE(testing::WaitFor(
      [&] { return api.Get("/snapshots/latest/push.example.com/live/rec.jpg").status == 404; },
      10s));
}

TEST_F(SnapshotPipelineTest, TemplateChangeDuringAPushAppliesFromTheNextPush) {
  Template t;
  t.overwrite = "";
  Start({t});
  Subprocess push(testing::PushCommand(rt_gop2_, Url("live", "chg"), true), dir_ / "push.log");
  ASSERT_TRUE(testing::WaitFor([&] { return CountJpegs(shots_ / "live" / "chg") >= 1; }, 20s))
      << server_->Log();
  testing::ApiResponse update =
      ApiClient(server_->api_port())
          .Call("UpdateLiveAppSnapshotConfig",
                {{"DomainName", "push.example.com"},
                 {"AppName", "*"},
                 {"SequenceOssObject", "changed/{StreamName}/{Sequence}.jpg"}});
  ASSERT_EQ(update.status, 200) << update.raw;
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  EXPECT_TRUE(testing::WaitFor([&] { return CountJpegs(shots_ / "live" / "chg") == 4; }, 10s));
  EXPECT_EQ(CountJpegs(shots_ / "changed"), 0u);
  Push(short_gop1_, "live", "chg", false, shots_ / "changed" / "chg", 3);
  // The sequence of the stream continues across the template change.
  EXPECT_TRUE(fs::exists(shots_ / "changed" / "chg" / "4.jpg"));
}

}  // namespace
}  // namespace livesnap
