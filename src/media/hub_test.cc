#include "media/hub.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "media/codec_config.h"
#include "media/publication.h"

namespace livesnap::media {
namespace {

// The AVCDecoderConfigurationRecord ffmpeg/libx264 (ultrafast) writes for 640x360.
const std::vector<uint8_t> kAvcRecord = {
    0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02,
    0x80, 0xbf, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00,
    0xc8, 0x3c, 0x58, 0xba, 0x80, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};

VideoConfig AvcConfig() { return *ParseAvcDecoderConfigurationRecord(kAvcRecord); }

// One length-prefixed NAL unit of `nal_type`, padded to `size_bytes`.
std::vector<uint8_t> AvcAccessUnit(uint8_t nal_type, size_t size_bytes = 6) {
  std::vector<uint8_t> data(size_bytes, 0x88);
  const size_t nal_size = size_bytes - 4;
  data[0] = 0;
  data[1] = static_cast<uint8_t>(nal_size >> 16);
  data[2] = static_cast<uint8_t>(nal_size >> 8);
  data[3] = static_cast<uint8_t>(nal_size);
  data[4] = nal_type;
  return data;
}

VideoFrame Frame(int64_t dts_ms, bool flagged_key, const std::vector<uint8_t>& data) {
  VideoFrame frame;
  frame.codec = VideoCodec::kH264;
  frame.dts_ms = dts_ms;
  frame.pts_ms = dts_ms;
  frame.keyframe = flagged_key;
  frame.data = data;
  return frame;
}

struct Seen {
  int configs = 0;
  int frames = 0;
  int keyframes = 0;
  int stops = 0;
  StopReason reason = StopReason::kDisconnected;
  int64_t last_dts = -1;
};

class CountingSink : public StreamSink {
 public:
  explicit CountingSink(Seen* seen) : seen_(seen) {}
  void OnVideoConfig(std::shared_ptr<const VideoConfig>) override { ++seen_->configs; }
  void OnVideoFrame(const VideoFrame& frame) override {
    ++seen_->frames;
    seen_->keyframes += frame.keyframe;
    seen_->last_dts = frame.dts_ms;
  }
  void OnStop(StopReason reason, const StreamStats&) override {
    ++seen_->stops;
    seen_->reason = reason;
  }

 private:
  Seen* seen_;
};

class CountingSubscriber : public StreamSubscriber {
 public:
  std::unique_ptr<StreamSink> OnPublishStart(const StreamInfo& info) override {
    if (info.key.app == "ignored") return nullptr;
    return std::make_unique<CountingSink>(&seen);
  }
  Seen seen;
};

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override { hub_.AddSubscriber(&subscriber_); }

  static StreamInfo Info(std::string stream, std::string app = "live") {
    StreamInfo info;
    info.key = {"a.com", std::move(app), std::move(stream)};
    return info;
  }

  FakeClock clock_;
  prometheus::Registry metrics_;
  MediaHub hub_{clock_, metrics_};
  CountingSubscriber subscriber_;
};

TEST_F(HubTest, PublishRegistersAndStopUnregisters) {
  auto pub = hub_.Publish(Info("s"));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(hub_.live_count(), 1u);
  EXPECT_TRUE(hub_.FindLiveStream({"a.com", "live", "s"}).has_value());
  (*pub)->Stop(StopReason::kUnpublished);
  EXPECT_EQ(hub_.live_count(), 0u);
  EXPECT_EQ(subscriber_.seen.stops, 1);
  EXPECT_EQ(subscriber_.seen.reason, StopReason::kUnpublished);
  (*pub)->Stop(StopReason::kShutdown);  // later stops do nothing
  EXPECT_EQ(subscriber_.seen.stops, 1);
}

TEST_F(HubTest, DestroyingAPublicationEndsItAsDisconnected) {
  { auto pub = hub_.Publish(Info("s")); }
  EXPECT_EQ(hub_.live_count(), 0u);
  EXPECT_EQ(subscriber_.seen.reason, StopReason::kDisconnected);
}

TEST_F(HubTest, DuplicateKeyIsRefusedWhileLive) {
  auto first = hub_.Publish(Info("s"));
  ASSERT_TRUE(first.ok());
  auto second = hub_.Publish(Info("s"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(hub_.live_count(), 1u);
  (*first)->Stop(StopReason::kUnpublished);
  EXPECT_TRUE(hub_.Publish(Info("s")).ok());
}

TEST_F(HubTest, AdmissionPolicyCanRefuse) {
  MediaHub hub(clock_, metrics_);
  hub.SetAdmissionPolicy([](const StreamInfo& info) {
    return info.key.domain == "a.com" ? absl::OkStatus() : absl::NotFoundError("unknown domain");
  });
  EXPECT_TRUE(hub.Publish(Info("s")).ok());
  StreamInfo other = Info("s");
  other.key.domain = "b.com";
  EXPECT_EQ(hub.Publish(other).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(HubTest, FramesReachSinksWithKeyframesFromFlagAndNalType) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnVideoConfig(AvcConfig());
  EXPECT_EQ(subscriber_.seen.configs, 1);
  const std::vector<uint8_t> idr = AvcAccessUnit(0x65), p = AvcAccessUnit(0x41);
  ASSERT_TRUE(pub->OnVideoFrame(Frame(0, true, idr)).ok());
  ASSERT_TRUE(pub->OnVideoFrame(Frame(40, false, p)).ok());
  ASSERT_TRUE(pub->OnVideoFrame(Frame(80, true, p)).ok());  // flagged, but no IDR
  EXPECT_EQ(subscriber_.seen.frames, 3);
  EXPECT_EQ(subscriber_.seen.keyframes, 1);
  EXPECT_EQ(subscriber_.seen.last_dts, 80);
  StreamStats stats = pub->Stats();
  EXPECT_EQ(stats.video_frames, 3);
  EXPECT_EQ(stats.keyframes, 1);
  EXPECT_EQ(stats.last_keyframe_dts_ms, 0);
  EXPECT_EQ(stats.last_dts_ms, 80);
  StreamInfo info = pub->Info();
  EXPECT_EQ(info.video_codec, VideoCodec::kH264);
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 360);
}

TEST_F(HubTest, MediaTimeBeyondThirtyTwoBitsPassesThrough) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnVideoConfig(AvcConfig());
  const std::vector<uint8_t> idr = AvcAccessUnit(0x65);
  const int64_t past_wrap_ms = (int64_t{1} << 33) + 5;
  ASSERT_TRUE(pub->OnVideoFrame(Frame(past_wrap_ms, true, idr)).ok());
  EXPECT_EQ(subscriber_.seen.last_dts, past_wrap_ms);
  EXPECT_EQ(pub->Stats().last_keyframe_dts_ms, past_wrap_ms);
}

TEST_F(HubTest, FramesBeforeAConfigAreNeverKeyframes) {
  auto pub = *hub_.Publish(Info("s"));
  const std::vector<uint8_t> idr = AvcAccessUnit(0x65);
  ASSERT_TRUE(pub->OnVideoFrame(Frame(0, true, idr)).ok());
  EXPECT_EQ(subscriber_.seen.frames, 1);
  EXPECT_EQ(subscriber_.seen.keyframes, 0);
}

TEST_F(HubTest, AnEqualConfigIsNotANewConfig) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnVideoConfig(AvcConfig());
  pub->OnVideoConfig(AvcConfig());
  EXPECT_EQ(subscriber_.seen.configs, 1);
}

TEST_F(HubTest, AKeyframeWithBrokenNalLengthsIsAnError) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnVideoConfig(AvcConfig());
  const std::vector<uint8_t> bad_nal_length = {0, 0, 0x10, 0, 0x65};
  EXPECT_FALSE(pub->OnVideoFrame(Frame(0, true, bad_nal_length)).ok());
  EXPECT_EQ(pub->Stats().video_frames, 0);
}

TEST_F(HubTest, AudioCodecAndFramesAreCounted) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnAudioConfig(AudioCodec::kAac);
  const std::vector<uint8_t> data = {0x21, 0x10};
  pub->OnAudioFrame({AudioCodec::kAac, 0, data});
  pub->OnAudioFrame({AudioCodec::kAac, 23, data});
  EXPECT_EQ(pub->Info().audio_codec, AudioCodec::kAac);
  EXPECT_EQ(pub->Stats().audio_frames, 2);
}

TEST_F(HubTest, MetadataFillsSizeUntilTheConfigArrives) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnMetadata({1920, 1080, 30});
  EXPECT_EQ(pub->Info().width, 1920);
  EXPECT_EQ(pub->Info().frame_rate, 30);
  pub->OnVideoConfig(AvcConfig());
  EXPECT_EQ(pub->Info().width, 640);
}

TEST_F(HubTest, FrameRateIsMeasuredWhenNoMetadataAnnouncesIt) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnVideoConfig(AvcConfig());
  const std::vector<uint8_t> idr = AvcAccessUnit(0x65);
  EXPECT_EQ(pub->Info().frame_rate, 0);
  // 25 frames a second for 3 s of media time (40 ms apart).
  for (int i = 0; i <= 75; ++i) ASSERT_TRUE(pub->OnVideoFrame(Frame(i * 40, i == 0, idr)).ok());
  EXPECT_NEAR(pub->Info().frame_rate, 25, 0.01);
}

TEST_F(HubTest, AnnouncedFrameRateIsKept) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnMetadata({0, 0, 30});
  pub->OnVideoConfig(AvcConfig());
  const std::vector<uint8_t> idr = AvcAccessUnit(0x65);
  for (int i = 0; i <= 75; ++i) ASSERT_TRUE(pub->OnVideoFrame(Frame(i * 40, i == 0, idr)).ok());
  EXPECT_EQ(pub->Info().frame_rate, 30);
}

TEST_F(HubTest, SubscriberMayDeclineAStream) {
  auto pub = *hub_.Publish(Info("s", "ignored"));
  pub->OnVideoConfig(AvcConfig());
  const std::vector<uint8_t> idr = AvcAccessUnit(0x65);
  ASSERT_TRUE(pub->OnVideoFrame(Frame(0, true, idr)).ok());
  EXPECT_EQ(subscriber_.seen.frames, 0);
  EXPECT_EQ(pub->Stats().video_frames, 1);
}

TEST_F(HubTest, BitrateIsMeasuredOverTheIngestBytes) {
  auto pub = *hub_.Publish(Info("s"));
  for (int i = 0; i <= 50; ++i) {
    pub->OnIngestBytes(2500);  // 2.5 KB per frame, 10 frames per second
    clock_.AdvanceMs(100);
  }
  // 2.5 KB * 10/s = 25 KB/s = ~200 kbit/s
  EXPECT_NEAR(static_cast<double>(pub->Stats().bitrate_kbps), 200, 10);
  EXPECT_EQ(pub->Stats().bytes, 51 * 2500);
}

TEST_F(HubTest, EachTrackHasItsOwnBitrate) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnVideoConfig(AvcConfig());
  pub->OnAudioConfig(AudioCodec::kAac);
  std::vector<uint8_t> video = AvcAccessUnit(0x65);
  video.resize(2000);  // padding past the NAL unit the length prefix gives
  const std::vector<uint8_t> audio(500, 0x21);
  for (int i = 0; i <= 50; ++i) {
    ASSERT_TRUE(pub->OnVideoFrame(Frame(i * 100, false, video)).ok());
    pub->OnAudioFrame({AudioCodec::kAac, i * 100, audio});
    pub->OnIngestBytes(2600);  // the container's bytes: both, and headers
    clock_.AdvanceMs(100);
  }
  // 10 frames a second: 2000 B video = 160 kbit/s, 500 B audio = 40 kbit/s.
  EXPECT_NEAR(static_cast<double>(pub->Stats().video_bitrate_kbps), 160, 8);
  EXPECT_NEAR(static_cast<double>(pub->Stats().audio_bitrate_kbps), 40, 2);
  EXPECT_NEAR(static_cast<double>(pub->Stats().bitrate_kbps), 208, 10);
}

}  // namespace
}  // namespace livesnap::media
