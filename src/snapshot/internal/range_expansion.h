// File: snapshot/internal/range_expansion.h
//
// Limited ("MPEG", studio) range YCbCr to the full range JPEG/JFIF uses:
// luma 16..235 and chroma 16..240 (around 128) onto 0..255, rounded to
// nearest, so a white source stays white and black stays black. What
// H.264/HEVC streams decode to is limited range, or untagged (taken as
// limited).
//
//   ExpandToFullRange(frame.data[0], frame.linesize[0], width, height, /*chroma=*/false);
//
// Thread-safety: pure functions over the caller's buffers.
#pragma once

#include <cstdint>

namespace livesnap::snapshot::internal {

// `v` clamped to 0..255.
constexpr uint8_t ClampToByte(int v) { return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); }

// Full-range value of a limited-range sample.
uint8_t FullRangeLuma(uint8_t y);
uint8_t FullRangeChroma(uint8_t c);

// Expands a plane's limited-range samples to full range in place, the same
// values as above (SSE2 where the target has it, 16 samples at a time).
void ExpandToFullRange(uint8_t* plane, int stride, int width, int height, bool chroma);

}  // namespace livesnap::snapshot::internal
