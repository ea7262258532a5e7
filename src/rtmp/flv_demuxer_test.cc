// FlvDemuxer: RTMP message bodies in, the hub's configurations and access
// units out, with RTMP's 32-bit clock unwrapped and bad tags refused.
#include "rtmp/flv_demuxer.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>
#include <vector>

#include "base/clock.h"
#include "media/hub.h"
#include "media/testing/recording_subscriber.h"

namespace livesnap::rtmp {
namespace {

// The AVC sequence header ffmpeg/libx264 (ultrafast) writes for 640x360.
const std::vector<uint8_t> kAvcSequenceHeader = {
    0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x42,
    0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00,
    0x00, 0x03, 0x00, 0xc8, 0x3c, 0x58, 0xba, 0x80, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};

// A legacy AVC NALU tag with composition time `cts_ms` and one NAL unit.
std::vector<uint8_t> AvcTag(bool keyframe, uint8_t nal_type, int cts_ms = 0) {
  return {static_cast<uint8_t>(keyframe ? 0x17 : 0x27),
          0x01,
          static_cast<uint8_t>(cts_ms >> 16),
          static_cast<uint8_t>(cts_ms >> 8),
          static_cast<uint8_t>(cts_ms),
          0,
          0,
          0,
          2,
          nal_type,
          0x88};
}

class FlvDemuxerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_.AddSubscriber(&subscriber_);
    media::StreamInfo info;
    info.key = {"a.com", "live", "s"};
    publication_ = *hub_.Publish(info);
    flv_ = std::make_unique<FlvDemuxer>(publication_.get());
  }

  FakeClock clock_;
  prometheus::Registry metrics_;
  media::MediaHub hub_{clock_, metrics_};
  media::testing::RecordingSubscriber subscriber_;
  std::unique_ptr<media::Publication> publication_;
  std::unique_ptr<FlvDemuxer> flv_;
};

TEST_F(FlvDemuxerTest, SequenceHeaderBecomesTheConfigAndFramesItsAccessUnits) {
  ASSERT_TRUE(flv_->OnVideo(0, kAvcSequenceHeader).ok());
  ASSERT_TRUE(flv_->OnVideo(1000, kAvcSequenceHeader).ok());  // a repeat is no new config
  EXPECT_EQ(subscriber_.seen.configs.size(), 1u);
  ASSERT_TRUE(flv_->OnVideo(0, AvcTag(true, 0x65, 80)).ok());  // IDR
  ASSERT_TRUE(flv_->OnVideo(40, AvcTag(false, 0x41)).ok());    // P
  ASSERT_TRUE(flv_->OnVideo(80, AvcTag(true, 0x41)).ok());     // flagged, but no IDR
  ASSERT_EQ(subscriber_.seen.frames.size(), 3u);
  EXPECT_TRUE(subscriber_.seen.frames[0].keyframe);
  EXPECT_EQ(subscriber_.seen.frames[0].pts_ms, 80);
  EXPECT_EQ(subscriber_.seen.frames[0].codec, media::VideoCodec::kH264);
  EXPECT_FALSE(subscriber_.seen.frames[1].keyframe);
  EXPECT_FALSE(subscriber_.seen.frames[2].keyframe);
  EXPECT_EQ(subscriber_.seen.frames[2].dts_ms, 80);
  EXPECT_EQ(publication_->Info().width, 640);
  EXPECT_EQ(publication_->Stats().bytes,
            static_cast<int64_t>(2 * kAvcSequenceHeader.size() + 3 * AvcTag(true, 0).size()));
}

TEST_F(FlvDemuxerTest, UnwrapsTheThirtyTwoBitClock) {
  ASSERT_TRUE(flv_->OnVideo(0, kAvcSequenceHeader).ok());
  ASSERT_TRUE(flv_->OnVideo(0xFFFFFFF0u, AvcTag(true, 0x65)).ok());
  ASSERT_TRUE(flv_->OnVideo(0x10, AvcTag(false, 0x41)).ok());
  ASSERT_EQ(subscriber_.seen.frames.size(), 2u);
  EXPECT_EQ(subscriber_.seen.frames[1].dts_ms, (int64_t{1} << 32) + 0x10);
}

TEST_F(FlvDemuxerTest, MalformedTagsAreErrorsAndCounted) {
  EXPECT_FALSE(flv_->OnVideo(0, std::vector<uint8_t>{0x17}).ok());
  std::vector<uint8_t> broken_record(kAvcSequenceHeader.begin(), kAvcSequenceHeader.begin() + 12);
  EXPECT_FALSE(flv_->OnVideo(0, broken_record).ok());
  ASSERT_TRUE(flv_->OnVideo(0, kAvcSequenceHeader).ok());
  std::vector<uint8_t> bad_nal_length = {0x17, 1, 0, 0, 0, 0, 0, 0x10, 0, 0x65};
  EXPECT_FALSE(flv_->OnVideo(0, bad_nal_length).ok());
  EXPECT_FALSE(flv_->OnAudio(0, std::vector<uint8_t>{}).ok());
  double malformed = 0;
  for (const auto& family : metrics_.Collect()) {
    if (family.name == "livesnap_ingest_malformed_tags_total")
      malformed = family.metric[0].counter.value;
  }
  EXPECT_EQ(malformed, 4);
}

TEST_F(FlvDemuxerTest, OtherVideoCodecsAreSkipped) {
  const std::vector<uint8_t> vp6 = {0x14, 0x00, 0x01};  // codec id 4
  ASSERT_TRUE(flv_->OnVideo(0, vp6).ok());
  EXPECT_TRUE(subscriber_.seen.frames.empty());
  EXPECT_EQ(publication_->Stats().bytes, 3);
}

TEST_F(FlvDemuxerTest, AacConfigAndFrames) {
  ASSERT_TRUE(flv_->OnAudio(0, std::vector<uint8_t>{0xAF, 0x00, 0x12, 0x10}).ok());
  ASSERT_TRUE(flv_->OnAudio(23, std::vector<uint8_t>{0xAF, 0x01, 0x21}).ok());
  EXPECT_EQ(publication_->Info().audio_codec, media::AudioCodec::kAac);
  EXPECT_EQ(publication_->Stats().audio_frames, 1);
}

}  // namespace
}  // namespace livesnap::rtmp
