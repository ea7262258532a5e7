// TsDemuxer against what ffmpeg and GStreamer's mpegtsmux write (H.264 + AAC
// and HEVC in MPEG-TS), fed in network-sized pieces into a real MediaHub:
// configurations, keyframes at the encoder's GOP, media time, and the ways
// TS breaks.
#include "srt/ts_demuxer.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>
#include <vector>

#include "base/clock.h"
#include "media/hub.h"
#include "media/testing/recording_subscriber.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/subprocess.h"

namespace livesnap::srt {
namespace {

namespace fs = std::filesystem;

using Seen = media::testing::RecordedStream;

class TsDemuxerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_.AddSubscriber(&subscriber_);
    media::StreamInfo info;
    info.key = {"a.com", "live", "s"};
    publication_ = *hub_.Publish(info);
    ts_ = std::make_unique<TsDemuxer>(publication_.get());
  }

  // 2 s of 25 fps video with a keyframe every 10 frames, and AAC.
  // `offset_s` shifts the timestamps (-output_ts_offset).
  std::string Encode(const std::string& codec, const std::string& offset_s = "") {
    const fs::path file = dir_ / (codec + ".ts");
    std::vector<std::string> argv = {"ffmpeg",
                                     "-hide_banner",
                                     "-loglevel",
                                     "error",
                                     "-y",
                                     "-f",
                                     "lavfi",
                                     "-i",
                                     "testsrc2=size=320x240:rate=25",
                                     "-f",
                                     "lavfi",
                                     "-i",
                                     "sine",
                                     "-t",
                                     "2",
                                     "-c:v",
                                     codec,
                                     "-g",
                                     "10",
                                     "-keyint_min",
                                     "10",
                                     "-bf",
                                     "0",
                                     "-c:a",
                                     "aac",
                                     "-f",
                                     "mpegts"};
    if (codec == "libx265") {
      argv.insert(argv.end(), {"-x265-params", "log-level=error:scenecut=0"});
    } else {
      argv.insert(argv.end(), {"-sc_threshold", "0"});
    }
    if (!offset_s.empty()) argv.insert(argv.end(), {"-output_ts_offset", offset_s});
    argv.push_back(file.string());
    testing::RunResult r = testing::Run(argv, std::chrono::minutes(2));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return testing::ReadFile(file);
  }

  // 50 frames of 320x240 at 25 fps from videotestsrc through `encode`
  // (elements and caps between the source and mpegtsmux), muxed by
  // GStreamer's mpegtsmux.
  std::string GstEncode(const std::string& name, const std::vector<std::string>& encode) {
    const fs::path file = dir_ / (name + ".ts");
    std::vector<std::string> argv = {"gst-launch-1.0",
                                     "-q",
                                     "videotestsrc",
                                     "num-buffers=50",
                                     "!",
                                     "video/x-raw,format=I420,width=320,height=240,framerate=25/1",
                                     "!"};
    argv.insert(argv.end(), encode.begin(), encode.end());
    argv.insert(argv.end(), {"!", "mpegtsmux", "!", "filesink", "location=" + file.string()});
    testing::RunResult r = testing::Run(argv, std::chrono::minutes(1));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return testing::ReadFile(file);
  }

  absl::Status Feed(const std::string& data, size_t piece) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
    for (size_t at = 0; at < data.size(); at += piece) {
      absl::Status s = ts_->OnBytes(std::span(bytes + at, std::min(piece, data.size() - at)));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  testing::TempDir dir_;
  FakeClock clock_;
  prometheus::Registry metrics_;
  media::MediaHub hub_{clock_, metrics_};
  media::testing::RecordingSubscriber subscriber_;
  std::unique_ptr<media::Publication> publication_;
  std::unique_ptr<TsDemuxer> ts_;
};

void ExpectGopOfTen(const Seen& seen) {
  // 50 frames; the last one is still buffered (a PES ends at the next one).
  ASSERT_GE(seen.dts_ms.size(), 49u);
  ASSERT_EQ(seen.keyframe_dts_ms.size(), 5u);
  for (size_t k = 0; k < seen.keyframe_dts_ms.size(); ++k) {
    EXPECT_NEAR(seen.keyframe_dts_ms[k] - seen.keyframe_dts_ms[0], static_cast<int64_t>(k) * 400,
                1);
  }
  for (size_t i = 1; i < seen.dts_ms.size(); ++i) EXPECT_GT(seen.dts_ms[i], seen.dts_ms[i - 1]);
  EXPECT_TRUE(seen.every_frame_has_config);
}

TEST_F(TsDemuxerTest, H264AndAacFromFfmpeg) {
  const std::string ts = Encode("libx264");
  ASSERT_TRUE(Feed(ts, 1316).ok());
  ASSERT_EQ(subscriber_.seen.configs.size(), 1u);
  EXPECT_EQ(subscriber_.seen.configs[0]->codec, media::VideoCodec::kH264);
  EXPECT_EQ(subscriber_.seen.configs[0]->width, 320);
  EXPECT_EQ(subscriber_.seen.configs[0]->height, 240);
  ExpectGopOfTen(subscriber_.seen);
  EXPECT_EQ(publication_->Info().audio_codec, media::AudioCodec::kAac);
  EXPECT_GT(publication_->Stats().audio_frames, 80);  // ~94 AAC frames in 2 s at 48 kHz
  EXPECT_EQ(publication_->Stats().bytes, static_cast<int64_t>(ts.size()));
}

TEST_F(TsDemuxerTest, HevcFromFfmpegInOddPieces) {
  const std::string ts = Encode("libx265");
  ASSERT_TRUE(Feed(ts, 1000).ok());  // packets cut across calls
  ASSERT_EQ(subscriber_.seen.configs.size(), 1u);
  const media::VideoConfig& config = *subscriber_.seen.configs[0];
  EXPECT_EQ(config.codec, media::VideoCodec::kHevc);
  EXPECT_EQ(config.width, 320);
  EXPECT_EQ(config.height, 240);
  EXPECT_EQ(config.profile, "Main");
  EXPECT_EQ(config.vps.size(), 1u);
  ExpectGopOfTen(subscriber_.seen);
}

TEST_F(TsDemuxerTest, PtsWrapInsideTheStreamKeepsMediaTimeGoing) {
  // 2^33 / 90 kHz = 95443.7 s: with ffmpeg's 1.4 s start, the 33-bit PTS wraps
  // 1.3 s into the clip.
  const std::string ts = Encode("libx264", "95441");
  ASSERT_TRUE(Feed(ts, 1316).ok());
  ExpectGopOfTen(subscriber_.seen);
  EXPECT_GT(subscriber_.seen.dts_ms.back(), int64_t{95443} * 1000);
}

TEST_F(TsDemuxerTest, GstreamerMpegtsmux) {
  const std::string ts = GstEncode("gst", {"x264enc", "key-int-max=10", "!", "h264parse"});
  ASSERT_TRUE(Feed(ts, 1316).ok());
  ASSERT_EQ(subscriber_.seen.configs.size(), 1u);
  EXPECT_EQ(subscriber_.seen.configs[0]->width, 320);
  ExpectGopOfTen(subscriber_.seen);
}

// h264parse's NAL alignment makes mpegtsmux write each NAL unit (access unit
// delimiter, SPS, PPS, each slice) in a PES of its own: one access unit is
// gathered from all of them, so no frame comes out without its picture.
TEST_F(TsDemuxerTest, GstreamerNalAlignedPesMakeWholeAccessUnits) {
  const std::string ts = GstEncode(
      "nal", {"x264enc", "key-int-max=10", "!", "h264parse", "!", "video/x-h264,alignment=nal"});
  ASSERT_TRUE(Feed(ts, 1316).ok());
  ASSERT_EQ(subscriber_.seen.configs.size(), 1u);
  EXPECT_EQ(subscriber_.seen.configs[0]->width, 320);
  ExpectGopOfTen(subscriber_.seen);
  EXPECT_LE(subscriber_.seen.dts_ms.size(), 50u);
}

// x264enc tune=zerolatency writes several slices per picture (sliced
// threads); NAL-aligned, each goes in a PES of its own, and mpegtsmux stamps
// all but the first slice with the next picture's time.
TEST_F(TsDemuxerTest, GstreamerSlicesInPesOfTheirOwn) {
  const std::string ts =
      GstEncode("slices", {"x264enc", "key-int-max=10", "tune=zerolatency", "threads=4", "!",
                           "h264parse", "!", "video/x-h264,alignment=nal"});
  ASSERT_TRUE(Feed(ts, 1316).ok());
  ASSERT_EQ(subscriber_.seen.configs.size(), 1u);
  ExpectGopOfTen(subscriber_.seen);
  EXPECT_LE(subscriber_.seen.dts_ms.size(), 50u);
}

// x264enc without key-int-max: one keyframe in the clip, the parameter sets
// only in front of it; the first frame out is that keyframe, configured.
TEST_F(TsDemuxerTest, GstreamerParameterSetsOnlyAtTheStart) {
  const std::string ts = GstEncode("once", {"x264enc", "!", "h264parse"});
  ASSERT_TRUE(Feed(ts, 1316).ok());
  ASSERT_EQ(subscriber_.seen.configs.size(), 1u);
  ASSERT_EQ(subscriber_.seen.keyframe_dts_ms.size(), 1u);
  ASSERT_FALSE(subscriber_.seen.dts_ms.empty());
  EXPECT_EQ(subscriber_.seen.keyframe_dts_ms[0], subscriber_.seen.dts_ms[0]);
  EXPECT_TRUE(subscriber_.seen.every_frame_has_config);
}

TEST_F(TsDemuxerTest, PesBuffersTakeFromTheBudgetAndGiveItBack) {
  const std::string ts = Encode("libx264");
  ingest::MessageBudget budget(64 << 20);
  ts_ = std::make_unique<TsDemuxer>(publication_.get(), &budget);
  ASSERT_TRUE(Feed(ts, 1316).ok());
  EXPECT_GT(ts_->held_bytes(), 0u);  // the last PES, still open
  EXPECT_EQ(budget.used_bytes(), ts_->held_bytes());
  ExpectGopOfTen(subscriber_.seen);
  ts_.reset();
  EXPECT_EQ(budget.used_bytes(), 0u);
}

TEST_F(TsDemuxerTest, APesOverTheBudgetIsRefused) {
  const std::string ts = Encode("libx264");  // testsrc2 keyframes are several KiB
  ingest::MessageBudget budget(4096);
  ts_ = std::make_unique<TsDemuxer>(publication_.get(), &budget);
  const absl::Status s = Feed(ts, 1316);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_TRUE(ts_->over_budget());
  EXPECT_LE(budget.used_bytes(), 4096u);
  ts_.reset();
  EXPECT_EQ(budget.used_bytes(), 0u);
}

TEST_F(TsDemuxerTest, LostSyncIsAnError) {
  std::string ts = Encode("libx264");
  ts[188 * 20] = 0x00;
  const absl::Status s = Feed(ts, 1316);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
}

TEST_F(TsDemuxerTest, GarbageAndTruncationNeverCrash) {
  std::string ts = Encode("libx264");
  ts.resize(ts.size() / 2 + 77);  // cut inside a packet
  EXPECT_TRUE(Feed(ts, 1316).ok());
  std::string garbage(188 * 30, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 131 % 251);
  for (size_t i = 0; i < garbage.size(); i += 188) garbage[i] = 0x47;  // synced garbage
  TsDemuxer fresh(publication_.get());
  const auto* bytes = reinterpret_cast<const uint8_t*>(garbage.data());
  (void)fresh.OnBytes(std::span(bytes, garbage.size()));
}

TEST(PtsUnwrapperTest, CountsPastTheThirtyThreeBitWrap) {
  PtsUnwrapper u;
  const int64_t range = int64_t{1} << 33;
  EXPECT_EQ(u.Unwrap(range - 3000), range - 3000);
  EXPECT_EQ(u.Unwrap(600), range + 600);
  EXPECT_EQ(u.Unwrap(range - 1000), range - 1000);  // a late one from before the wrap
  EXPECT_EQ(u.Unwrap(4200), range + 4200);
  EXPECT_EQ(u.Unwrap(3000), range + 3000);  // a small step back stays a step back
}

}  // namespace
}  // namespace livesnap::srt
