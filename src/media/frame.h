// File: media/frame.h
//
// Access units, the unit in which every ingest protocol publishes media into
// the hub and the hub hands video to consumers: the NAL units of one picture
// (or one audio frame) with 64-bit media time. Consumers that keep the bytes past the
// callback copy them (most frames are never kept: only due keyframes are).
//
// Thread-safety: a frame is a view valid only during the call that receives
// it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "media/codec.h"

namespace livesnap::media {

struct VideoFrame {
  VideoCodec codec = VideoCodec::kUnknown;
  // Media time in ms, unwrapped by the ingest from its protocol's clock
  // (RTMP's 32-bit ms, MPEG-TS's 33-bit 90 kHz): monotonic within a publish
  // except where the encoder itself jumps.
  int64_t dts_ms = 0;
  int64_t pts_ms = 0;
  // True when the frame is a random access point: flagged as a keyframe by the
  // container (where it has such a flag) and holding an IDR/IRAP NAL unit.
  // Ingest passes the container's flag (true where there is none); the
  // publication checks the NAL units.
  bool keyframe = false;
  // NAL units, each prefixed by its length in config->nal_length_size bytes.
  std::span<const uint8_t> data;
  // The configuration in force for this frame; null before the first
  // sequence header (such frames cannot be decoded). Set by the publication.
  std::shared_ptr<const VideoConfig> config;
};

struct AudioFrame {
  AudioCodec codec = AudioCodec::kUnknown;
  int64_t dts_ms = 0;
  std::span<const uint8_t> data;  // one coded frame (AAC: raw, without ADTS)
};

}  // namespace livesnap::media
