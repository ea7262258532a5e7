// File: snapshot/internal/color_matrix.h
//
// JPEG's YCbCr is BT.601's. A picture tagged BT.709 (what HD encoders write)
// or BT.2020 is converted to it, or it would show a hue shift: one pass
// over the picture, in place, with the range expansion folded in (libswscale
// 6's own conversion between YCbCr matrices, sws_setColorspaceDetails, took
// 11 ms on a 720p picture it does not scale, twice what the whole snapshot
// costs).
//
//   ConvertToBt601(frame.data, frame.linesize, width, height, 1, 1, MatrixOf(frame), false);
//
// Thread-safety: pure functions over the caller's buffers.
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include <cstdint>

namespace livesnap::snapshot::internal {

// The YCbCr matrix of a decoded picture, from its colorspace tag: BT.709
// and BT.2020 (either kind) as tagged; anything else, untagged included, is
// taken as BT.601. RGB pictures give kBt601 (libswscale makes BT.601 YCbCr
// of them).
enum class ColorMatrix { kBt601, kBt709, kBt2020 };
ColorMatrix MatrixOf(const AVFrame& picture);

struct YCbCr {
  uint8_t y = 0;
  uint8_t cb = 0;
  uint8_t cr = 0;
  bool operator==(const YCbCr&) const = default;
};

// One sample of `matrix` (limited range unless `full_range`) as BT.601
// full range: the exact values ConvertToBt601 gives (exposed for tests).
YCbCr ToBt601(ColorMatrix matrix, bool full_range, YCbCr sample);

// Converts 8-bit planar YCbCr of `matrix` to BT.601 full range in place, in
// one pass: each luma sample with the chroma sample that covers it (the
// luma of a BT.709 picture carries part of its chroma). `data`/`stride`: Y,
// Cb, Cr planes of a width x height picture whose chroma is subsampled by
// 2^log2_chroma_w across and 2^log2_chroma_h down (SSE2 for 4:2:0, 4:2:2,
// 4:4:4 and 4:4:0 where the target has it).
void ConvertToBt601(uint8_t* const data[3], const int stride[3], int width, int height,
                    int log2_chroma_w, int log2_chroma_h, ColorMatrix matrix, bool full_range);

}  // namespace livesnap::snapshot::internal
