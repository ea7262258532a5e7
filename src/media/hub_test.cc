#include "media/hub.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "media/publication.h"

namespace livesnap::media {
namespace {

// The AVC sequence header ffmpeg/libx264 (ultrafast) writes for 640x360.
const std::vector<uint8_t> kAvcSequenceHeader = {
    0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x42,
    0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00,
    0x00, 0x03, 0x00, 0xc8, 0x3c, 0x58, 0xba, 0x80, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};

std::vector<uint8_t> AvcFrame(bool keyframe, uint8_t nal_type) {
  return {static_cast<uint8_t>(keyframe ? 0x17 : 0x27),
          0x01,
          0,
          0,
          0,  // NALU, cts 0
          0,
          0,
          0,
          2,
          nal_type,
          0x88};
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
  ASSERT_TRUE(pub->OnVideoTag(0, kAvcSequenceHeader).ok());
  EXPECT_EQ(subscriber_.seen.configs, 1);
  ASSERT_TRUE(pub->OnVideoTag(0, AvcFrame(true, 0x65)).ok());    // IDR
  ASSERT_TRUE(pub->OnVideoTag(40, AvcFrame(false, 0x41)).ok());  // P
  ASSERT_TRUE(pub->OnVideoTag(80, AvcFrame(true, 0x41)).ok());   // flagged, but no IDR
  EXPECT_EQ(subscriber_.seen.frames, 3);
  EXPECT_EQ(subscriber_.seen.keyframes, 1);
  EXPECT_EQ(subscriber_.seen.last_dts, 80);
  StreamStats stats = pub->Stats();
  EXPECT_EQ(stats.video_frames, 3);
  EXPECT_EQ(stats.keyframes, 1);
  EXPECT_EQ(stats.last_keyframe_dts_ms, 0);
  StreamInfo info = pub->Info();
  EXPECT_EQ(info.video_codec, VideoCodec::kH264);
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 360);
}

TEST_F(HubTest, RepeatedIdenticalSequenceHeaderIsNotANewConfig) {
  auto pub = *hub_.Publish(Info("s"));
  ASSERT_TRUE(pub->OnVideoTag(0, kAvcSequenceHeader).ok());
  ASSERT_TRUE(pub->OnVideoTag(1000, kAvcSequenceHeader).ok());
  EXPECT_EQ(subscriber_.seen.configs, 1);
}

TEST_F(HubTest, MalformedTagsAreErrors) {
  auto pub = *hub_.Publish(Info("s"));
  EXPECT_FALSE(pub->OnVideoTag(0, std::vector<uint8_t>{0x17}).ok());
  std::vector<uint8_t> broken_record(kAvcSequenceHeader.begin(), kAvcSequenceHeader.begin() + 12);
  EXPECT_FALSE(pub->OnVideoTag(0, broken_record).ok());
  ASSERT_TRUE(pub->OnVideoTag(0, kAvcSequenceHeader).ok());
  std::vector<uint8_t> bad_nal_length = {0x17, 1, 0, 0, 0, 0, 0, 0x10, 0, 0x65};
  EXPECT_FALSE(pub->OnVideoTag(0, bad_nal_length).ok());
}

TEST_F(HubTest, MetadataFillsSizeUntilTheSequenceHeaderArrives) {
  auto pub = *hub_.Publish(Info("s"));
  pub->OnMetadata({1920, 1080, 30});
  EXPECT_EQ(pub->Info().width, 1920);
  EXPECT_EQ(pub->Info().frame_rate, 30);
  ASSERT_TRUE(pub->OnVideoTag(0, kAvcSequenceHeader).ok());
  EXPECT_EQ(pub->Info().width, 640);
}

TEST_F(HubTest, SubscriberMayDeclineAStream) {
  auto pub = *hub_.Publish(Info("s", "ignored"));
  ASSERT_TRUE(pub->OnVideoTag(0, kAvcSequenceHeader).ok());
  ASSERT_TRUE(pub->OnVideoTag(0, AvcFrame(true, 0x65)).ok());
  EXPECT_EQ(subscriber_.seen.frames, 0);
  EXPECT_EQ(pub->Stats().video_frames, 1);
}

TEST_F(HubTest, BitrateIsMeasuredOverTheWindow) {
  auto pub = *hub_.Publish(Info("s"));
  ASSERT_TRUE(pub->OnVideoTag(0, kAvcSequenceHeader).ok());
  for (int i = 0; i <= 50; ++i) {
    std::vector<uint8_t> frame = AvcFrame(false, 0x41);
    frame.resize(frame.size() + 2490);  // 2.5 KB per frame, 10 frames per second
    frame[8] = static_cast<uint8_t>((2 + 2490) & 0xFF);
    frame[7] = static_cast<uint8_t>((2 + 2490) >> 8);
    ASSERT_TRUE(pub->OnVideoTag(static_cast<uint32_t>(i * 100), frame).ok());
    clock_.AdvanceMs(100);
  }
  // 2.5 KB * 10/s = 25 KB/s = ~200 kbit/s
  EXPECT_NEAR(static_cast<double>(pub->Stats().bitrate_kbps), 200, 10);
}

}  // namespace
}  // namespace livesnap::media
