// File: media/sps.h
//
// Picture size, profile and level from a sequence parameter set: H.264
// (ITU-T H.264 7.3.2.1.1, with the high profiles' chroma format, bit depths
// and scaling lists, frame_mbs_only and frame cropping) and HEVC (H.265
// 7.3.2.2.1, with profile_tier_level and the conformance window). Parsing
// stops once the size is known; VUI and later fields are not read.
// Emulation-prevention bytes are removed first.
//
//   LS_ASSIGN_OR_RETURN(SpsInfo info, ParseH264Sps(config.sps[0]), "SPS");
//   // info.width == 1920, info.height == 1080 (1088 coded, 8 rows cropped)
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace livesnap::media {

struct SpsInfo {
  int width = 0;  // displayed size: cropping / conformance window applied
  int height = 0;
  std::string profile;  // as FFmpeg names it: "High", "Constrained Baseline", "Main 10"
  int level = 0;        // level_idc (H.264, 31 = 3.1) or general_level_idc (HEVC, 93 = 3.1)
};

// `nal` includes the 1-byte NAL header (nal_unit_type 7). DataLoss when the
// SPS ends before the size; InvalidArgument for a wrong NAL type or a value
// out of its range (named, with the value).
absl::StatusOr<SpsInfo> ParseH264Sps(std::span<const uint8_t> nal);

// `nal` includes the 2-byte NAL header (nal_unit_type 33). Errors as above.
absl::StatusOr<SpsInfo> ParseHevcSps(std::span<const uint8_t> nal);

}  // namespace livesnap::media
