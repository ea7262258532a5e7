// File: snapshot/internal/picture_converter.h
//
// Turns a decoded picture into what TurboJPEG compresses: 8-bit planar
// YCbCr in full range (JPEG/JFIF's), at the requested size.
// - 8-bit planar 4:2:0, 4:2:2, 4:4:4, 4:4:0, 4:1:1 and gray pictures at
//   their own size are used as they are; limited-range ones get their
//   range expanded in one pass (range_expansion.h).
// - Anything else (another size, more than 8 bits, another layout) goes
//   through libswscale (scaler_cache.h), which converts the range at the
//   same time. The chroma subsampling is kept (4:2:0 for layouts JPEG has
//   no subsampling for).
// - A picture tagged BT.709 or BT.2020 is converted to JPEG's BT.601
//   (color_matrix.h): at its own size in the one pass, with the range
//   expansion folded in; after libswscale, in a pass over the output.
//
//   PictureConverter converter;
//   LS_ASSIGN_OR_RETURN(YuvPlanes planes, converter.Convert(*picture, {640, 360}), "convert");
//
// Thread-safety: not thread-safe; one per worker thread.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "snapshot/internal/av_handles.h"
#include "snapshot/internal/color_matrix.h"
#include "snapshot/internal/range_expansion.h"
#include "snapshot/internal/scaler_cache.h"
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

class PictureConverter {
 public:
  // The planes stay valid until the next Convert call or until `picture` is
  // released, whichever comes first. `picture` may be modified (the range
  // expansion works in place when the picture's buffers are not shared).
  absl::StatusOr<YuvPlanes> Convert(AVFrame& picture, PictureSize size);

  // Number of libswscale contexts created (for tests and benchmarks).
  int64_t scaler_inits() const { return scalers_.inits(); }

 private:
  absl::StatusOr<YuvPlanes> Scale(const AVFrame& picture, PictureSize size, int dst_format,
                                  int subsampling, bool full_range);

  ScalerCache scalers_;
  AvMemoryPtr buffer_;
  size_t buffer_bytes_ = 0;
};

}  // namespace livesnap::snapshot::internal
