// File: media/frame.h
//
// One video access unit as ingest hands it to consumers: the NAL units of one
// picture with its timestamps. Consumers that keep the bytes past the
// callback copy them (most frames are never kept: only due keyframes are).
//
// Thread-safety: a VideoFrame is a view valid only during the callback that
// receives it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "media/codec.h"

namespace livesnap::media {

struct VideoFrame {
  VideoCodec codec = VideoCodec::kUnknown;
  // Media time in ms, unwrapped from the 32-bit protocol clock: monotonic
  // within a publish except where the encoder itself jumps.
  int64_t dts_ms = 0;
  int64_t pts_ms = 0;
  // True when the frame is a random access point: flagged as a keyframe by the
  // container and holding an IDR/IRAP NAL unit.
  bool keyframe = false;
  // NAL units, each prefixed by its length in config->nal_length_size bytes.
  std::span<const uint8_t> data;
  // The configuration in force for this frame; null before the first
  // sequence header (such frames cannot be decoded).
  std::shared_ptr<const VideoConfig> config;
};

}  // namespace livesnap::media
