// File: media/testing/recording_subscriber.h
//
// A MediaHub subscriber that records what the streams published on the hub
// deliver, for tests of what an ingest (an FLV or MPEG-TS demuxer) hands
// the hub:
//
//   media::testing::RecordingSubscriber subscriber;
//   hub.AddSubscriber(&subscriber);
//   ... publish, feed the demuxer ...
//   EXPECT_EQ(subscriber.seen.keyframe_dts_ms.size(), 5u);
//
// Thread-safety: none; the test reads `seen` once the stream was fed on
// its own thread.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "media/hub.h"

namespace livesnap::media::testing {

// Every stream's deliveries, in order.
struct RecordedStream {
  std::vector<std::shared_ptr<const VideoConfig>> configs;
  std::vector<VideoFrame> frames;  // without their bytes
  std::vector<int64_t> dts_ms;
  std::vector<int64_t> keyframe_dts_ms;
  bool every_frame_has_config = true;
};

class RecordingSink : public StreamSink {
 public:
  explicit RecordingSink(RecordedStream* seen) : seen_(seen) {}
  void OnVideoConfig(std::shared_ptr<const VideoConfig> config) override {
    seen_->configs.push_back(std::move(config));
  }
  void OnVideoFrame(const VideoFrame& frame) override {
    VideoFrame copy = frame;
    copy.data = {};
    seen_->frames.push_back(std::move(copy));
    seen_->dts_ms.push_back(frame.dts_ms);
    if (frame.keyframe) seen_->keyframe_dts_ms.push_back(frame.dts_ms);
    if (frame.config == nullptr) seen_->every_frame_has_config = false;
  }
  void OnStop(StopReason, const StreamStats&) override {}

 private:
  RecordedStream* seen_;
};

class RecordingSubscriber : public StreamSubscriber {
 public:
  std::unique_ptr<StreamSink> OnPublishStart(const StreamInfo&) override {
    return std::make_unique<RecordingSink>(&seen);
  }
  RecordedStream seen;
};

}  // namespace livesnap::media::testing
