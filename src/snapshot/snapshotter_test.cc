// The whole pipeline in one process, fed the way the hub feeds it: a real
// libx264 clip's FLV tags as VideoConfig/VideoFrame calls on the stream's
// sink, a SQLite catalog, a FileStore, real capture workers.
#include "snapshot/snapshotter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "media/codec_config.h"
#include "media/flv_tag.h"
#include "media/nal.h"
#include "snapshot/test_jpeg.h"
#include "snapshot/test_keyframes.h"
#include "storage/file_store.h"
#include "tests/support/flv_reader.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/subprocess.h"

namespace livesnap::snapshot {
namespace {

using ::testing::ElementsAre;

constexpr char kDomain[] = "push.example.com";
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
  absl::StatusOr<std::vector<livesnap::testing::FlvFileTag>> tags =
      livesnap::testing::ReadFlvFile(flv);
  EXPECT_TRUE(tags.ok()) << tags.status();
  Clip clip;
  if (!tags.ok()) return clip;
  for (const livesnap::testing::FlvFileTag& tag : *tags) {
    if (tag.type != livesnap::testing::FlvFileTag::kVideo) continue;
    absl::StatusOr<media::VideoTag> video = media::ParseVideoTag(tag.body);
    EXPECT_TRUE(video.ok()) << video.status();
    if (!video.ok()) continue;
    if (video->kind == media::VideoPacketKind::kSequenceHeader) {
      absl::StatusOr<media::VideoConfig> config =
          media::ParseAvcDecoderConfigurationRecord(video->body);
      EXPECT_TRUE(config.ok()) << config.status();
      if (config.ok()) clip.config = std::make_shared<const media::VideoConfig>(*config);
    } else if (video->kind == media::VideoPacketKind::kCodedFrames && clip.config != nullptr) {
      const bool keyframe =
          video->frame_type == media::VideoFrameType::kKeyframe &&
          media::ContainsRandomAccessPicture(media::VideoCodec::kH264, clip.config->nal_length_size,
                                             video->body);
      clip.frames.push_back({tag.timestamp_ms, keyframe,
                             std::vector<uint8_t>(video->body.begin(), video->body.end())});
    }
  }
  return clip;
}

double MetricValue(prometheus::Registry& registry, const std::string& name,
                   const std::string& label_value) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        if (label.value == label_value) return metric.counter.value;
      }
    }
  }
  return -1;
}

class SnapshotterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<catalog::Catalog>> catalog =
        catalog::OpenCatalog("sqlite://" + (dir_ / "catalog.db").string());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = *std::move(catalog);
    ASSERT_TRUE(catalog_->AddDomain({kDomain, "local", 0}).ok());
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
    absl::StatusOr<std::unique_ptr<Snapshotter>> snapshotter =
        Snapshotter::Create({}, *catalog_, {{kBucket, store_.get()}}, nullptr, registry_, clock_);
    ASSERT_TRUE(snapshotter.ok()) << snapshotter.status();
    snapshotter_ = *std::move(snapshotter);
  }

  void TearDown() override {
    if (snapshotter_ != nullptr) snapshotter_->Stop();
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
  // object was last written from the newest of them.
  bool WaitForSnapshots(const std::string& stream, size_t sequence_count) {
    return livesnap::testing::WaitFor(
        [&] {
          const std::vector<int64_t> sequence = SequenceTimes(stream);
          const std::vector<int64_t> overwrite = OverwriteTimes(stream);
          return sequence.size() >= sequence_count && !overwrite.empty() &&
                 overwrite.back() == sequence.back();
        },
        std::chrono::seconds(30));
  }

  livesnap::testing::TempDir dir_;
  FakeClock clock_{kStartUnixMs};
  prometheus::Registry registry_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<storage::FileStore> store_;
  std::unique_ptr<Snapshotter> snapshotter_;
};

TEST_F(SnapshotterTest, StoresBothModesAtTheDueKeyframes) {
  const Clip clip = MakeClip();
  ASSERT_NE(clip.config, nullptr);
  std::unique_ptr<media::StreamSink> sink = snapshotter_->OnPublishStart(Info("demo"));
  ASSERT_NE(sink, nullptr);
  sink->OnVideoConfig(clip.config);
  Feed(*sink, clip);
  // Keyframes at 0, 2, ... 10 s, interval 5 s: sequence at 0, 6 and 10 s,
  // each also written over the overwrite object unless a newer one replaced
  // it while waiting for a worker (the frames arrive all at once here).
  ASSERT_TRUE(WaitForSnapshots("demo", 3));
  EXPECT_THAT(SequenceTimes("demo"), ElementsAre(0, 6000, 10000));
  EXPECT_EQ(OverwriteTimes("demo").back(), 10000);
  EXPECT_EQ(static_cast<double>(OverwriteTimes("demo").size()) +
                MetricValue(registry_, "livesnap_snapshots_skipped_total", "overwrite_coalesced"),
            3);
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
  media::StreamInfo info = Info("x");
  info.key.domain = "unknown.example.com";
  EXPECT_EQ(snapshotter_->OnPublishStart(info), nullptr);
}

TEST_F(SnapshotterTest, OptionsOutOfRangeAreRefused) {
  for (SnapshotterOptions options :
       {SnapshotterOptions{.workers = 0}, SnapshotterOptions{.jpeg_quality = 0},
        SnapshotterOptions{.jpeg_quality = 101}}) {
    absl::StatusOr<std::unique_ptr<Snapshotter>> snapshotter = Snapshotter::Create(
        options, *catalog_, {{kBucket, store_.get()}}, nullptr, registry_, clock_);
    EXPECT_EQ(snapshotter.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace livesnap::snapshot
