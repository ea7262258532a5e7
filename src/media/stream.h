// File: media/stream.h
//
// Stream identity and the per-stream facts ingest knows: who publishes, what
// codec and size, how much has arrived.
//
// Thread-safety: plain values.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "media/codec.h"

namespace livesnap::media {

// (domain, app, stream): DESIGN.md "Stream identity".
struct StreamKey {
  std::string domain;
  std::string app;
  std::string stream;

  // "domain/app/stream", the tag every log line about the stream carries.
  std::string ToString() const { return domain + "/" + app + "/" + stream; }
  auto operator<=>(const StreamKey&) const = default;
};

enum class StopReason {
  kUnpublished,    // the client ended the publish (FCUnpublish/deleteStream)
  kDisconnected,   // the connection closed without an unpublish
  kProtocolError,  // the session broke a protocol rule or a limit
  kIdleTimeout,    // nothing arrived for the idle timeout
  kShutdown,       // the server is stopping
};
std::string_view StopReasonName(StopReason reason);

// What is known about a live stream; video fields fill in as the sequence
// header and metadata arrive.
struct StreamInfo {
  StreamKey key;
  std::string query;           // the stream name's query string, without '?'
  std::string path_signature;  // URL signature (types B, C) taken off the path, or ""
  std::string client_addr;     // "ip:port" of the publisher
  std::string protocol;        // "rtmp"
  int64_t publish_unix_ms = 0;
  VideoCodec video_codec = VideoCodec::kUnknown;
  AudioCodec audio_codec = AudioCodec::kUnknown;
  int width = 0;
  int height = 0;
  double frame_rate = 0;  // from metadata; 0 when not announced
};

// Counters of one publish. bitrate_kbps is over the last few seconds.
struct StreamStats {
  int64_t bytes = 0;  // audio + video payload bytes
  int64_t video_frames = 0;
  int64_t keyframes = 0;
  int64_t audio_frames = 0;
  int64_t bitrate_kbps = 0;            // all the container's bytes
  int64_t video_bitrate_kbps = 0;      // the video access units' bytes alone
  int64_t audio_bitrate_kbps = 0;      // the audio frames' bytes alone
  int64_t last_keyframe_dts_ms = -1;   // media time of the newest keyframe
  int64_t last_keyframe_unix_ms = -1;  // wall time it arrived
  int64_t last_dts_ms = -1;
};

}  // namespace livesnap::media
