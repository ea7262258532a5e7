// File: snapshot/internal/picture_converter.h
//
// Turns a decoded picture into what TurboJPEG compresses: 8-bit planar
// YCbCr in full range (JPEG/JFIF's), at the requested size.
// - 8-bit planar 4:2:0, 4:2:2, 4:4:4, 4:4:0, 4:1:1 and gray pictures at
//   their own size are used as they are; limited-range ones ("MPEG" range,
//   or unspecified, which is what H.264/HEVC streams decode to) get their
//   luma expanded from 16..235 and chroma from 16..240 to 0..255 in one
//   pass (SSE2, or a lookup table), so a white source stays white and black
//   stays black.
// - Anything else (another size, more than 8 bits, another layout) goes
//   through libswscale, which converts the range at the same time: area
//   averaging when shrinking, bicubic when enlarging. The chroma
//   subsampling is kept (4:2:0 for layouts JPEG has no subsampling for).
// - JPEG's YCbCr is BT.601's. A picture tagged BT.709 (what HD encoders
//   write) or BT.2020 is converted to it, or it would show a hue shift. At
//   its own size that conversion is the one pass over the picture, with the
//   range expansion folded in; after libswscale it is a pass over the
//   output (libswscale 6's own conversion between YCbCr matrices,
//   sws_setColorspaceDetails, took 11 ms on a 720p picture it does not
//   scale, twice what the whole snapshot costs).
//
//   PictureConverter converter;
//   LS_ASSIGN_OR_RETURN(YuvPlanes planes, converter.Convert(*picture, {640, 360}), "convert");
//
// Thread-safety: not thread-safe; one per worker thread.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "snapshot/internal/av_handles.h"
#include "snapshot/template_rules.h"

namespace livesnap::snapshot::internal {

struct PictureSize {
  int width = 0;
  int height = 0;
  bool operator==(const PictureSize&) const = default;
};

// The output size for a `source`-sized picture given the requested width
// and height: both 0 keeps the source size; one 0 derives it from the other,
// keeping the aspect ratio. A scaled size is even in both dimensions (the
// computed one rounded to the nearest even value, a requested odd one down).
// InvalidArgument for a negative request, one above kMaxOutputDimension (the
// template rule, snapshot/template_rules.h), or an empty source.
absl::StatusOr<PictureSize> OutputSize(PictureSize source, int width, int height);

// 8-bit planar YCbCr, full range. `data[1]`/`data[2]` are null for gray.
struct YuvPlanes {
  const uint8_t* data[3] = {};
  int stride[3] = {};
  int width = 0;
  int height = 0;
  int subsampling = 0;  // TJSAMP_*
};

// Full-range value of a limited-range sample (exposed for tests).
uint8_t FullRangeLuma(uint8_t y);
uint8_t FullRangeChroma(uint8_t c);

// Expands a plane's limited-range samples to full range in place, the same
// values as above (SSE2 where the target has it).
void ExpandToFullRange(uint8_t* plane, int stride, int width, int height, bool chroma);

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

class PictureConverter {
 public:
  // The planes stay valid until the next Convert call or until `picture` is
  // released, whichever comes first. `picture` may be modified (the range
  // expansion works in place when the picture's buffers are not shared).
  absl::StatusOr<YuvPlanes> Convert(AVFrame& picture, PictureSize size);

  // Number of libswscale contexts created (for tests and benchmarks).
  int64_t scaler_inits() const { return scaler_inits_; }

 private:
  struct ScalerKey {
    int src_width = 0;
    int src_height = 0;
    int src_format = -1;
    bool src_full_range = false;
    int dst_width = 0;
    int dst_height = 0;
    int dst_format = -1;
    bool operator==(const ScalerKey&) const = default;
  };

  absl::StatusOr<YuvPlanes> Scale(const AVFrame& picture, PictureSize size, int dst_format,
                                  int subsampling, bool full_range);
  absl::Status EnsureScaler(const ScalerKey& key);

  SwsContextPtr scaler_;
  ScalerKey scaler_key_;
  AvMemoryPtr buffer_;
  size_t buffer_bytes_ = 0;
  int64_t scaler_inits_ = 0;
};

}  // namespace livesnap::snapshot::internal
