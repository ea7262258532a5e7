// File: media/publication.h
//
// One live publish, from MediaHub::Publish until Stop or destruction. Its
// ingest session (RTMP, SRT, ...) has already taken its container apart: it
// feeds codec configurations and access units with 64-bit media time
// (media/frame.h). The publication keeps the stream's configuration and
// stats, finds the keyframes from the NAL units and hands decodable video to
// the subscribers' sinks.
//
//   pub->OnVideoConfig(*ParseAvcDecoderConfigurationRecord(record));
//   LS_RETURN_IF_ERROR(pub->OnVideoFrame(frame), "video");  // error: close the session
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
#include "media/frame.h"
#include "media/hub.h"

namespace livesnap::media {

// The stream metadata fields ingest understands (RTMP's onMetaData); 0 = not
// announced.
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
  // `size_bytes` of this stream's media arrived (the container's payload: RTMP
  // message bodies, TS packets); the stats' bytes and bitrate count these.
  void OnIngestBytes(size_t size_bytes);
  // Input the ingest could not parse (counted; the ingest decides whether to
  // close).
  void OnMalformedInput();

  // A decoder configuration (H.264 or HEVC). One equal to the configuration
  // in force (the same record) changes nothing; a new one goes to the sinks.
  void OnVideoConfig(VideoConfig config);
  // One access unit in length-prefixed NAL units of the configuration in
  // force (frame.config is set here). DataLoss/InvalidArgument when its NAL
  // units are malformed: the ingest should close the session.
  absl::Status OnVideoFrame(VideoFrame frame);
  void OnAudioConfig(AudioCodec codec);
  void OnAudioFrame(const AudioFrame& frame);

  // Ends the publish: sinks get OnStop, the key is free to publish again.
  // Later calls do nothing.
  void Stop(StopReason reason);

  StreamInfo Info() const;
  StreamStats Stats() const;

 private:
  friend class MediaHub;
  Publication(MediaHub* hub, StreamInfo info, std::vector<std::unique_ptr<StreamSink>> sinks);

  MediaHub* hub_;
  const StreamKey key_;
  std::vector<std::unique_ptr<StreamSink>> sinks_;
  std::shared_ptr<const VideoConfig> config_;
  bool stopped_ = false;

  // Measures the frame rate from the video's DTS unless metadata announced it.
  void MeasureFrameRate(int64_t dts_ms);

  mutable std::mutex info_mu_;
  StreamInfo info_;                    // guarded by info_mu_
  bool frame_rate_announced_ = false;  // by metadata; guarded by info_mu_

  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> video_frames_{0};
  std::atomic<int64_t> keyframes_{0};
  std::atomic<int64_t> audio_frames_{0};
  std::atomic<int64_t> bitrate_kbps_{0};
  std::atomic<int64_t> video_bitrate_kbps_{0};
  std::atomic<int64_t> audio_bitrate_kbps_{0};
  std::atomic<int64_t> last_keyframe_dts_ms_{-1};
  std::atomic<int64_t> last_keyframe_unix_ms_{-1};
  std::atomic<int64_t> last_dts_ms_{-1};
  // Bitrate window, touched only by the session's thread.
  int64_t window_start_ms_ = -1;
  int64_t window_bytes_ = 0;
  int64_t window_video_bytes_ = 0;
  int64_t window_audio_bytes_ = 0;
  // Frame-rate window (media time), touched only by the session's thread.
  int64_t rate_window_first_dts_ms_ = -1;
  int64_t rate_window_frames_ = 0;
};

}  // namespace livesnap::media
