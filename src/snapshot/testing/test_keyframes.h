// File: snapshot/testing/test_keyframes.h
//
// Keyframes for the capture tests and benchmarks, encoded at run time with
// the ffmpeg CLI from lavfi sources (never committed):
// - H.264 with libx264 into FLV, read back the way ingest reads an RTMP push
//   (rtmp::ParseVideoTag, media::ParseAvcDecoderConfigurationRecord);
// - HEVC with libx265 into MP4, its hvcC record and its one sample pulled
//   out of the file.
// Plus the damage the tests inflict on them: flipped slice bytes, slices
// missing or cut short, and configuration records without a parameter set.
//
//   KeyframeSpec spec;
//   spec.source = "color=c=white";
//   absl::StatusOr<EncodedKeyframe> white = EncodeKeyframe(dir.path(), spec);
//   capturer->Capture(white->config, white->keyframe);
//
// Thread-safety: pure functions (each run writes its own files under `dir`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "media/codec.h"

namespace livesnap::snapshot::testing {

struct KeyframeSpec {
  media::VideoCodec codec = media::VideoCodec::kH264;
  // A lavfi source name ("testsrc2", "color=c=red") given the size and rate
  // below, or a whole filter graph when it contains a comma.
  std::string source = "testsrc2";
  int width = 640;
  int height = 360;
  std::string pix_fmt = "yuv420p";
  std::string preset = "ultrafast";
  // H.264 only: frames encoded, with a keyframe every gop_frames; the last
  // keyframe is returned. HEVC clips are one frame.
  int frames = 1;
  int gop_frames = 30;
  std::vector<std::string> codec_args;  // more encoder options, e.g. {"-b:v", "4M"}
};

struct EncodedKeyframe {
  media::VideoConfig config;
  std::vector<uint8_t> keyframe;  // length-prefixed NAL units
  // H.264 clips of more than one frame: the frame after the returned
  // keyframe when that is not a keyframe (mid-GOP), else empty.
  std::vector<uint8_t> inter_frame;
};

absl::StatusOr<EncodedKeyframe> EncodeKeyframe(const std::filesystem::path& dir,
                                               const KeyframeSpec& spec);

// The last keyframe of an H.264 FLV file, with its configuration, read the
// way ingest reads an RTMP push (what EncodeKeyframe does with its clip).
absl::StatusOr<EncodedKeyframe> ReadFlvKeyframe(const std::filesystem::path& flv);

// Number of slice NAL units (H.264 types 1 and 5; HEVC VCL types) in
// `keyframe`.
int CountSlices(const media::VideoConfig& config, std::span<const uint8_t> keyframe);

// A copy of `keyframe` without its `index`-th slice NAL unit (from 0).
std::vector<uint8_t> WithoutSlice(const media::VideoConfig& config,
                                  std::span<const uint8_t> keyframe, int index);

// A copy of `keyframe` whose `index`-th slice NAL unit is cut to `fraction`
// of its length, its length prefix rewritten to match: the access unit
// still parses, the slice ends early.
std::vector<uint8_t> WithSliceCut(const media::VideoConfig& config,
                                  std::span<const uint8_t> keyframe, int index, double fraction);

// A copy of `keyframe` in which, in every slice NAL unit, each `stride`-th
// byte from `start_fraction` of the unit onward is inverted. Length
// prefixes, NAL unit headers and the first bytes of the slice header stay
// intact, so the damage is in the slice payload.
std::vector<uint8_t> FlipSliceBytes(const media::VideoConfig& config,
                                    std::span<const uint8_t> keyframe, double start_fraction,
                                    size_t stride);

// `config` with its record rewritten without the parameter sets of
// `nal_type` (e.g. 7 for H.264 SPS, 33 for HEVC SPS); the parsed lists
// (config.sps, ...) are left as they were.
media::VideoConfig WithoutParameterSetsInRecord(const media::VideoConfig& config, int nal_type);

}  // namespace livesnap::snapshot::testing
