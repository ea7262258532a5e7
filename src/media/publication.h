// File: media/publication.h
//
// One live publish, from MediaHub::Publish until Stop or destruction. Its
// ingest session feeds it FLV-format tags (RTMP video/audio message bodies);
// it keeps the stream's codec configuration and stats and hands decodable
// video to the subscribers' sinks.
//
// Thread-safety: the On*/Stop calls come from one thread at a time (the
// session's). Info() and Stats() may be called from any thread: stats are
// atomics, the info is guarded by info_mu_.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "media/hub.h"
#include "media/timestamp_unwrapper.h"

namespace livesnap::media {

// The onMetaData fields ingest understands; 0 = not announced.
struct StreamMetadata {
  int width = 0;
  int height = 0;
  double frame_rate = 0;
};

class Publication {
 public:
  ~Publication();  // Stop(kDisconnected) unless stopped already
  Publication(const Publication&) = delete;
  Publication& operator=(const Publication&) = delete;

  const StreamKey& key() const { return key_; }

  void OnMetadata(const StreamMetadata& metadata);
  // An error means the tag is malformed; the session should close.
  absl::Status OnVideoTag(uint32_t timestamp_ms, std::span<const uint8_t> payload);
  absl::Status OnAudioTag(uint32_t timestamp_ms, std::span<const uint8_t> payload);
  // Ends the publish: sinks get OnStop, the key is free to publish again.
  // Later calls do nothing.
  void Stop(StopReason reason);

  StreamInfo Info() const;
  StreamStats Stats() const;

 private:
  friend class MediaHub;
  Publication(MediaHub* hub, StreamInfo info, std::vector<std::unique_ptr<StreamSink>> sinks);

  absl::Status OnVideoSequenceHeader(VideoCodec codec, std::span<const uint8_t> record);
  void CountBytes(size_t size);

  MediaHub* hub_;
  const StreamKey key_;
  std::vector<std::unique_ptr<StreamSink>> sinks_;
  std::shared_ptr<const VideoConfig> config_;
  TimestampUnwrapper video_clock_;
  bool stopped_ = false;

  mutable std::mutex info_mu_;
  StreamInfo info_;  // guarded by info_mu_

  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> video_frames_{0};
  std::atomic<int64_t> keyframes_{0};
  std::atomic<int64_t> audio_frames_{0};
  std::atomic<int64_t> bitrate_kbps_{0};
  std::atomic<int64_t> last_keyframe_dts_ms_{-1};
  std::atomic<int64_t> last_keyframe_unix_ms_{-1};
  std::atomic<int64_t> last_dts_ms_{-1};
  // Bitrate window, touched only by the session's thread.
  int64_t window_start_ms_ = -1;
  int64_t window_bytes_ = 0;
};

}  // namespace livesnap::media
