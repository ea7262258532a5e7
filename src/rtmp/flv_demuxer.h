// File: rtmp/flv_demuxer.h
//
// Takes the bodies of RTMP video/audio messages (FLV tags, rtmp/flv_tag.h)
// apart into what the media hub takes: decoder configurations and access
// units with 64-bit media time, RTMP's 32-bit millisecond clock unwrapped.
// One per publish.
//
//   FlvDemuxer flv(publication.get());
//   LS_RETURN_IF_ERROR(flv.OnVideo(timestamp_ms, payload), "video message");
//
// Thread-safety: not thread-safe; driven by the publish's session thread.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "media/publication.h"
#include "rtmp/timestamp_unwrapper.h"

namespace livesnap::rtmp {

class FlvDemuxer {
 public:
  // REQUIRES: `publication` outlives the demuxer.
  explicit FlvDemuxer(media::Publication* publication) : publication_(publication) {}

  // An error means the tag (or the record or NAL units in it) is malformed:
  // counted, and the session should close. Codecs livesnap does not decode
  // are counted as bytes and otherwise skipped.
  absl::Status OnVideo(uint32_t timestamp_ms, std::span<const uint8_t> payload);
  absl::Status OnAudio(uint32_t timestamp_ms, std::span<const uint8_t> payload);

 private:
  absl::Status OnSequenceHeader(media::VideoCodec codec, std::span<const uint8_t> record);

  media::Publication* publication_;
  TimestampUnwrapper video_clock_;
  TimestampUnwrapper audio_clock_;
};

}  // namespace livesnap::rtmp
