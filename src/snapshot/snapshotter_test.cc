// The whole pipeline in one process, fed the way the hub feeds it: a real
// libx264 clip's FLV tags as VideoConfig/VideoFrame calls on the stream's
// sink, a SQLite catalog, real capture workers, a ReliableUploader in front
// of a FileStore, or of a store that fails or hangs on demand.
#include "snapshot/snapshotter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "media/codec_config.h"
#include "media/nal.h"
#include "rtmp/flv_file.h"
#include "rtmp/flv_tag.h"
#include "snapshot/testing/test_jpeg.h"
#include "snapshot/testing/test_keyframes.h"
#include "storage/file_store.h"
#include "storage/reliable_uploader.h"
#include "storage/testing/fault_injecting_store.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/registry_metrics.h"
#include "tests/support/subprocess.h"

namespace livesnap::snapshot {
namespace {

using ::testing::ElementsAre;

constexpr char kDomain[] = "push.example.com";

catalog::Domain LocalDomain(const std::string& name) {
  catalog::Domain domain;
  domain.name = name;
  domain.region = "local";
  return domain;
}
constexpr char kBucket[] = "snaps";
constexpr int64_t kStartUnixMs = 1'764'028'800'000;

// A clip as the sink sees it.
struct Clip {
  std::shared_ptr<const media::VideoConfig> config;
  struct Frame {
    int64_t dts_ms;
    bool keyframe;
    std::vector<uint8_t> data;
  };
  std::vector<Frame> frames;
};

Clip LoadClip(const std::filesystem::path& flv) {
  absl::StatusOr<rtmp::FlvFile> file = rtmp::FlvFile::Read(flv);
  EXPECT_TRUE(file.ok()) << file.status();
  Clip clip;
  if (!file.ok()) return clip;
  for (const rtmp::FlvTag& tag : file->tags()) {
    if (tag.type != rtmp::FlvTag::kVideo) continue;
    absl::StatusOr<rtmp::VideoTag> video = rtmp::ParseVideoTag(tag.body);
    EXPECT_TRUE(video.ok()) << video.status();
    if (!video.ok()) continue;
    if (video->kind == rtmp::VideoPacketKind::kSequenceHeader) {
      absl::StatusOr<media::VideoConfig> config =
          media::ParseAvcDecoderConfigurationRecord(video->body);
      EXPECT_TRUE(config.ok()) << config.status();
      if (config.ok()) clip.config = std::make_shared<const media::VideoConfig>(*config);
    } else if (video->kind == rtmp::VideoPacketKind::kCodedFrames && clip.config != nullptr) {
      const bool keyframe =
          video->frame_type == rtmp::VideoFrameType::kKeyframe &&
          media::ContainsRandomAccessPicture(media::VideoCodec::kH264, clip.config->nal_length_size,
                                             video->body);
      clip.frames.push_back({tag.timestamp_ms, keyframe,
                             std::vector<uint8_t>(video->body.begin(), video->body.end())});
    }
  }
  return clip;
}

// A counter of the pipeline by its result (or, for skipped work, kind) label.
double MetricValue(prometheus::Registry& registry, const std::string& name,
                   const std::string& label_value) {
  const std::string label = name == "livesnap_snapshots_skipped_total" ? "kind" : "result";
  return livesnap::testing::MetricValue(registry, name, {{label, label_value}});
}

class SnapshotterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<catalog::Catalog>> catalog =
        catalog::OpenCatalog("sqlite://" + (dir_ / "catalog.db").string());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = *std::move(catalog);
    ASSERT_TRUE(catalog_->AddDomain(LocalDomain(kDomain)).ok());
    ASSERT_TRUE(catalog_->UpsertBucket({kBucket, "local", "file.local", "file"}).ok());
    catalog::SnapshotTemplate tmpl;
    tmpl.domain = kDomain;
    tmpl.app = "*";
    tmpl.interval_s = 5;
    tmpl.endpoint = "file.local";
    tmpl.bucket = kBucket;
    tmpl.overwrite_pattern = "{AppName}/{StreamName}.jpg";
    tmpl.sequence_pattern = "{AppName}/{StreamName}/{Sequence}.jpg";
    ASSERT_TRUE(catalog_->AddTemplate(tmpl).ok());
    absl::StatusOr<std::unique_ptr<storage::FileStore>> store =
        storage::FileStore::Create(dir_ / kBucket);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    absl::StatusOr<std::unique_ptr<TemplateCache>> templates =
        TemplateCache::Create(*catalog_, {}, clock_);
    ASSERT_TRUE(templates.ok()) << templates.status();
    templates_ = *std::move(templates);
    backlog_ =
        std::make_unique<CatalogBacklog>(*catalog_, CatalogBacklogOptions{}, registry_, clock_);
    recorder_ = std::make_unique<SnapshotRecorder>(*backlog_, nullptr, registry_, clock_);
  }

  // The pipeline with its uploads going to `store` (the FileStore unless
  // a test chooses another).
  void StartPipeline(storage::ObjectStore* store = nullptr) {
    StartUploader(store != nullptr ? *store : *store_, registry_);
    absl::StatusOr<std::unique_ptr<Snapshotter>> snapshotter = Snapshotter::Create(
        {}, *templates_, *backlog_, {{kBucket, uploader_.get()}}, *recorder_, registry_, clock_);
    ASSERT_TRUE(snapshotter.ok()) << snapshotter.status();
    snapshotter_ = *std::move(snapshotter);
  }

  void StartUploader(storage::ObjectStore& store, prometheus::Registry& registry) {
    absl::StatusOr<std::unique_ptr<storage::ReliableUploader>> uploader =
        storage::ReliableUploader::Create(
            {.name = kBucket,
             .spool_dir = dir_ / "spool",
             .threads = 2,
             .retry = {.initial_backoff_ms = 100, .max_backoff_ms = 400}},
            store, recorder_->Callback(), registry, clock_);
    ASSERT_TRUE(uploader.ok()) << uploader.status();
    uploader_ = *std::move(uploader);
  }

  void TearDown() override {
    faulty_.Release();
    if (snapshotter_ != nullptr) snapshotter_->Stop();
    if (uploader_ != nullptr) uploader_->Stop(std::chrono::seconds(5));
    if (backlog_ != nullptr) backlog_->Stop();
    if (templates_ != nullptr) templates_->Stop();
  }

  // 12 s at 25 fps with a keyframe every 2 s.
  Clip MakeClip(const std::string& source = "testsrc2") {
    livesnap::testing::ClipSpec spec;
    spec.seconds = 12;
    spec.width = 320;
    spec.height = 180;
    spec.gop_frames = 50;
    spec.audio = false;
    spec.video_source = source;
    return LoadClip(livesnap::testing::MakeFlvClip(dir_.path(), "clip", spec));
  }

  static media::StreamInfo Info(const std::string& stream) {
    media::StreamInfo info;
    info.key = {kDomain, "live", stream};
    info.protocol = "rtmp";
    return info;
  }

  // Feeds the frames with the clock following media time.
  void Feed(media::StreamSink& sink, const Clip& clip, size_t from = 0,
            size_t to = static_cast<size_t>(-1)) {
    for (size_t i = from; i < clip.frames.size() && i < to; ++i) {
      const Clip::Frame& f = clip.frames[i];
      const int64_t now = clock_.UnixMs() - kStartUnixMs;
      if (f.dts_ms > now) clock_.AdvanceMs(f.dts_ms - now);
      media::VideoFrame frame;
      frame.codec = media::VideoCodec::kH264;
      frame.dts_ms = f.dts_ms;
      frame.pts_ms = f.dts_ms;
      frame.keyframe = f.keyframe;
      frame.data = f.data;
      frame.config = clip.config;
      sink.OnVideoFrame(frame);
    }
  }

  std::vector<catalog::SnapshotRecord> Records(const std::string& stream) {
    catalog::RecordQuery query;
    query.domain = kDomain;
    query.app = "live";
    query.stream = stream;
    query.start_ms = 0;
    query.end_ms = kStartUnixMs * 2;
    query.limit = 100;
    absl::StatusOr<std::vector<catalog::SnapshotRecord>> records =
        catalog_->QuerySnapshotRecords(query);
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *records : std::vector<catalog::SnapshotRecord>{};
  }

  // Media times (ms from the start) of the stream's snapshots of one mode.
  std::vector<int64_t> Times(const std::string& stream, bool overlay) {
    std::vector<int64_t> times;
    for (const catalog::SnapshotRecord& r : Records(stream)) {
      if (r.overlay == overlay) times.push_back(r.capture_ms - kStartUnixMs);
    }
    return times;
  }
  std::vector<int64_t> SequenceTimes(const std::string& stream) { return Times(stream, false); }
  std::vector<int64_t> OverwriteTimes(const std::string& stream) { return Times(stream, true); }

  // Until `sequence_count` sequence snapshots are recorded and the overwrite
  // object's record is of the newest of them. The fake clock moves on 100 ms
  // per look, so that retries of failed uploads come due.
  bool WaitForSnapshots(const std::string& stream, size_t sequence_count) {
    return livesnap::testing::WaitFor(
        [&] {
          clock_.AdvanceMs(100);
          const std::vector<int64_t> sequence = SequenceTimes(stream);
          const std::vector<int64_t> overwrite = OverwriteTimes(stream);
          return sequence.size() >= sequence_count && !overwrite.empty() &&
                 overwrite.back() == sequence.back();
        },
        std::chrono::seconds(30));
  }

  double Stored() { return MetricValue(registry_, "livesnap_snapshots_total", "stored"); }
  double StoreFailed() {
    return MetricValue(registry_, "livesnap_snapshots_total", "store_failed");
  }
  double Coalesced() {
    return MetricValue(registry_, "livesnap_snapshots_skipped_total", "overwrite_coalesced");
  }
  double Captured() { return MetricValue(registry_, "livesnap_captures_total", "ok"); }
  double JobCount(const std::string& event) {
    return livesnap::testing::MetricValue(registry_, "livesnap_capture_jobs_total",
                                          {{"event", event}});
  }

  // Until every overwrite image of `captures` captures is stored or was
  // replaced by a newer one (so the counts are final).
  bool WaitForOverwriteOutcomes(double captures) {
    return livesnap::testing::WaitFor(
        [&] { return Stored() + StoreFailed() + Coalesced() >= 2 * captures; },
        std::chrono::seconds(30));
  }

  livesnap::testing::TempDir dir_;
  FakeClock clock_{kStartUnixMs};
  prometheus::Registry registry_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<storage::FileStore> store_;
  storage::testing::FaultInjectingStore faulty_;  // for tests of a store that fails or hangs
  std::unique_ptr<TemplateCache> templates_;
  std::unique_ptr<CatalogBacklog> backlog_;
  std::unique_ptr<SnapshotRecorder> recorder_;
  std::unique_ptr<storage::ReliableUploader> uploader_;
  std::unique_ptr<Snapshotter> snapshotter_;
};

TEST_F(SnapshotterTest, StoresBothModesAtTheDueKeyframes) {
  StartPipeline();
  const Clip clip = MakeClip();
  ASSERT_NE(clip.config, nullptr);
  std::unique_ptr<media::StreamSink> sink = snapshotter_->OnPublishStart(Info("demo"));
  ASSERT_NE(sink, nullptr);
  sink->OnVideoConfig(clip.config);
  Feed(*sink, clip);
  // Keyframes at 0, 2, ... 10 s, interval 5 s: sequence at 0, 6 and 10 s,
  // each also written over the overwrite object unless a newer one replaced
  // it while waiting for a worker or for the store (the frames arrive all at
  // once here). The overwrite object has one record, of its newest image.
  ASSERT_TRUE(WaitForSnapshots("demo", 3));
  EXPECT_THAT(SequenceTimes("demo"), ElementsAre(0, 6000, 10000));
  EXPECT_THAT(OverwriteTimes("demo"), ElementsAre(10000));
  ASSERT_TRUE(WaitForOverwriteOutcomes(3));
  EXPECT_EQ(Stored() + Coalesced(), 6);
  EXPECT_EQ(StoreFailed(), 0);
  // One job per capture, each finished once its snapshots were handed on.
  EXPECT_EQ(JobCount("queued"), 3);
  EXPECT_TRUE(livesnap::testing::WaitFor([&] { return JobCount("finished") == 3; },
                                         std::chrono::seconds(30)));
  for (const std::string key :
       {"live/demo/0.jpg", "live/demo/1.jpg", "live/demo/2.jpg", "live/demo.jpg"}) {
    absl::StatusOr<std::vector<uint8_t>> jpeg = store_->Get(key);
    ASSERT_TRUE(jpeg.ok()) << key << ": " << jpeg.status();
    std::optional<testing::DecodedJpeg> probe = testing::DecodeJpeg(*jpeg);
    ASSERT_TRUE(probe.has_value()) << key;
    EXPECT_EQ(probe->width, 320);
    EXPECT_EQ(probe->height, 180);
  }
  sink->OnStop(media::StopReason::kUnpublished, {});
}

TEST_F(SnapshotterTest, LatestImageIsKeptWhileTheStreamIsLive) {
  StartPipeline();
  const Clip clip = MakeClip("color=c=white:size=320x180:rate=25");
  const media::StreamKey key = Info("wall").key;
  EXPECT_FALSE(snapshotter_->Latest(key).has_value());
  std::unique_ptr<media::StreamSink> sink = snapshotter_->OnPublishStart(Info("wall"));
  ASSERT_NE(sink, nullptr);
  EXPECT_FALSE(snapshotter_->Latest(key).has_value()) << "no image before the first keyframe";
  sink->OnVideoConfig(clip.config);
  Feed(*sink, clip, 0, 1);  // the first keyframe only
  ASSERT_TRUE(livesnap::testing::WaitFor([&] { return snapshotter_->Latest(key).has_value(); },
                                         std::chrono::seconds(30)));
  std::optional<LatestImage> first = snapshotter_->Latest(key);
  ASSERT_NE(first->jpeg, nullptr);
  EXPECT_EQ(first->width, 320);
  EXPECT_EQ(first->height, 180);
  EXPECT_EQ(first->capture_unix_ms, kStartUnixMs);
  std::optional<testing::DecodedJpeg> probe = testing::DecodeJpeg(*first->jpeg);
  ASSERT_TRUE(probe.has_value());
  EXPECT_GE(probe->mean_gray, 252);

  Feed(*sink, clip, 1);
  ASSERT_TRUE(livesnap::testing::WaitFor(
      [&] { return snapshotter_->Latest(key)->capture_unix_ms == kStartUnixMs + 10000; },
      std::chrono::seconds(30)));
  EXPECT_FALSE(snapshotter_->Latest(Info("other").key).has_value());

  sink->OnStop(media::StopReason::kUnpublished, {});
  EXPECT_FALSE(snapshotter_->Latest(key).has_value()) << "dropped when the stream stops";

  // A new publish of the same stream starts without an image.
  std::unique_ptr<media::StreamSink> again = snapshotter_->OnPublishStart(Info("wall"));
  EXPECT_FALSE(snapshotter_->Latest(key).has_value());
  again->OnStop(media::StopReason::kUnpublished, {});
}

TEST_F(SnapshotterTest, CorruptKeyframeIsCountedAndTheNextOneIsTried) {
  StartPipeline();
  Clip clip = MakeClip();
  // Damage the first keyframe's slice data.
  ASSERT_TRUE(clip.frames.front().keyframe);
  clip.frames.front().data =
      testing::FlipSliceBytes(*clip.config, clip.frames.front().data, 0.05, 16);
  std::unique_ptr<media::StreamSink> sink = snapshotter_->OnPublishStart(Info("bad"));
  ASSERT_NE(sink, nullptr);
  sink->OnVideoConfig(clip.config);
  Feed(*sink, clip, 0, 1);
  // The failure reaches the stream's scheduler at its next frame; in a live
  // stream the worker is done long before the next keyframe comes.
  ASSERT_TRUE(livesnap::testing::WaitFor(
      [&] { return MetricValue(registry_, "livesnap_captures_total", "failed") == 1; },
      std::chrono::seconds(30)));
  EXPECT_FALSE(snapshotter_->Latest(Info("bad").key).has_value());
  Feed(*sink, clip, 1);
  // The keyframe at 2 s replaces the lost one; the schedule keeps t0 = 0.
  ASSERT_TRUE(WaitForSnapshots("bad", 3));
  EXPECT_THAT(SequenceTimes("bad"), ElementsAre(2000, 6000, 10000));
  EXPECT_EQ(MetricValue(registry_, "livesnap_captures_total", "failed"), 1);
  EXPECT_EQ(MetricValue(registry_, "livesnap_captures_total", "ok"), 3);
  sink->OnStop(media::StopReason::kUnpublished, {});
}

TEST_F(SnapshotterTest, StreamWithoutTemplateGetsNoSink) {
  StartPipeline();
  media::StreamInfo info = Info("x");
  info.key.domain = "unknown.example.com";
  EXPECT_EQ(snapshotter_->OnPublishStart(info), nullptr);
}

TEST_F(SnapshotterTest, OptionsOutOfRangeAreRefused) {
  StartPipeline();
  for (SnapshotterOptions options :
       {SnapshotterOptions{.workers = 0}, SnapshotterOptions{.jpeg_quality = 0},
        SnapshotterOptions{.jpeg_quality = 101}, SnapshotterOptions{.max_pending_per_stream = 0}}) {
    absl::StatusOr<std::unique_ptr<Snapshotter>> snapshotter =
        Snapshotter::Create(options, *templates_, *backlog_, {{kBucket, uploader_.get()}},
                            *recorder_, registry_, clock_);
    EXPECT_EQ(snapshotter.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(SnapshotterTest, CapturesGoOnWhileTheStoreHangs) {
  faulty_.Hold();
  StartPipeline(&faulty_);
  const Clip clip = MakeClip();
  std::unique_ptr<media::StreamSink> sink = snapshotter_->OnPublishStart(Info("hang"));
  ASSERT_NE(sink, nullptr);
  sink->OnVideoConfig(clip.config);
  Feed(*sink, clip);
  // Every capture is done, and the wall shows the newest, while the first
  // upload still hangs in the store.
  ASSERT_TRUE(livesnap::testing::WaitFor(
      [&] {
        std::optional<LatestImage> latest = snapshotter_->Latest(Info("hang").key);
        return Captured() == 3 && latest && latest->capture_unix_ms == kStartUnixMs + 10000;
      },
      std::chrono::seconds(30)));
  EXPECT_TRUE(faulty_.WaitForAttempts(1, std::chrono::seconds(10)));
  EXPECT_THAT(faulty_.StoredKeys(), ::testing::IsEmpty());
  EXPECT_THAT(Records("hang"), ::testing::IsEmpty()) << "recorded before it was stored";

  faulty_.Release();
  ASSERT_TRUE(WaitForSnapshots("hang", 3));
  EXPECT_THAT(SequenceTimes("hang"), ElementsAre(0, 6000, 10000));
  EXPECT_THAT(OverwriteTimes("hang"), ElementsAre(10000));
  ASSERT_TRUE(WaitForOverwriteOutcomes(3));
  EXPECT_EQ(Stored() + Coalesced(), 6);
  sink->OnStop(media::StopReason::kUnpublished, {});
}

TEST_F(SnapshotterTest, AStoreOutageLosesNoSequenceSnapshot) {
  faulty_.FailPuts([](std::string_view) { return absl::UnavailableError("store is down"); });
  StartPipeline(&faulty_);
  const Clip clip = MakeClip();
  std::unique_ptr<media::StreamSink> sink = snapshotter_->OnPublishStart(Info("out"));
  ASSERT_NE(sink, nullptr);
  sink->OnVideoConfig(clip.config);
  Feed(*sink, clip);
  ASSERT_TRUE(
      livesnap::testing::WaitFor([&] { return Captured() == 3; }, std::chrono::seconds(30)));
  // Retried (the clock moves), never given up, never recorded.
  ASSERT_TRUE(livesnap::testing::WaitFor(
      [&] {
        clock_.AdvanceMs(500);
        return faulty_.Attempts().size() >= 4;
      },
      std::chrono::seconds(30)));
  EXPECT_THAT(Records("out"), ::testing::IsEmpty());
  EXPECT_EQ(StoreFailed(), 0);

  faulty_.FailPuts(nullptr);
  ASSERT_TRUE(WaitForSnapshots("out", 3));
  EXPECT_THAT(SequenceTimes("out"), ElementsAre(0, 6000, 10000));
  EXPECT_THAT(OverwriteTimes("out"), ElementsAre(10000));
  std::vector<int64_t> numbers;
  for (const catalog::SnapshotRecord& r : Records("out")) {
    if (!r.overlay) numbers.push_back(r.sequence);
  }
  EXPECT_THAT(numbers, ElementsAre(0, 1, 2));
  // The sequence objects were stored in their order, and the overwrite
  // object holds the newest image.
  std::vector<std::string> sequence_keys;
  for (const std::string& key : faulty_.StoredKeys()) {
    if (key != "live/out.jpg") sequence_keys.push_back(key);
  }
  EXPECT_THAT(sequence_keys, ElementsAre("live/out/0.jpg", "live/out/1.jpg", "live/out/2.jpg"));
  EXPECT_EQ(faulty_.Get("live/out.jpg").value(), faulty_.Get("live/out/2.jpg").value());
  sink->OnStop(media::StopReason::kUnpublished, {});
}

TEST_F(SnapshotterTest, ARefusingStoreIsCountedAndNothingIsRecorded) {
  faulty_.FailPuts([](std::string_view) { return absl::PermissionDeniedError("AccessDenied"); });
  StartPipeline(&faulty_);
  const Clip clip = MakeClip();
  std::unique_ptr<media::StreamSink> sink = snapshotter_->OnPublishStart(Info("no"));
  ASSERT_NE(sink, nullptr);
  sink->OnVideoConfig(clip.config);
  Feed(*sink, clip);
  ASSERT_TRUE(WaitForOverwriteOutcomes(3));
  EXPECT_EQ(Stored(), 0);
  EXPECT_EQ(StoreFailed() + Coalesced(), 6);
  EXPECT_GE(StoreFailed(), 4) << "3 sequence objects and at least the last overwrite";
  EXPECT_THAT(Records("no"), ::testing::IsEmpty());
  sink->OnStop(media::StopReason::kUnpublished, {});
}

TEST_F(SnapshotterTest, SpooledSnapshotsAreRecordedAfterARestart) {
  {
    faulty_.FailPuts([](std::string_view) { return absl::UnavailableError("store is down"); });
    StartPipeline(&faulty_);
    const Clip clip = MakeClip();
    std::unique_ptr<media::StreamSink> sink = snapshotter_->OnPublishStart(Info("spool"));
    ASSERT_NE(sink, nullptr);
    sink->OnVideoConfig(clip.config);
    Feed(*sink, clip);
    sink->OnStop(media::StopReason::kUnpublished, {});
    snapshotter_->Stop();  // every capture done, its uploads queued
    EXPECT_EQ(Captured(), 3);
    uploader_->Stop(std::chrono::milliseconds(0));  // what waits goes to the spool
    EXPECT_GE(uploader_->backlog().spooled, 4u);
    snapshotter_.reset();
    uploader_.reset();
  }
  EXPECT_THAT(Records("spool"), ::testing::IsEmpty());

  // The next process: a new uploader on the same spool, the store back.
  prometheus::Registry next_registry;
  StartUploader(*store_, next_registry);
  ASSERT_TRUE(WaitForSnapshots("spool", 3));
  EXPECT_THAT(SequenceTimes("spool"), ElementsAre(0, 6000, 10000));
  EXPECT_THAT(OverwriteTimes("spool"), ElementsAre(10000));
  for (const std::string key : {"live/spool/0.jpg", "live/spool/1.jpg", "live/spool/2.jpg"}) {
    absl::StatusOr<std::vector<uint8_t>> jpeg = store_->Get(key);
    ASSERT_TRUE(jpeg.ok()) << key << ": " << jpeg.status();
    EXPECT_TRUE(testing::DecodeJpeg(*jpeg).has_value()) << key;
  }
  EXPECT_EQ(store_->Get("live/spool.jpg").value(), store_->Get("live/spool/2.jpg").value());
}

}  // namespace
}  // namespace livesnap::snapshot
