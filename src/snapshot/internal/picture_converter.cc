#include "snapshot/internal/picture_converter.h"

extern "C" {
#include <libavutil/common.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <string>

#include "snapshot/internal/av_log.h"

namespace livesnap::snapshot::internal {

namespace {

struct EightBitLayout {
  AVPixelFormat format;
  AVPixelFormat jpeg_format;  // the deprecated full-range twin, or NONE
  int subsampling;            // TJSAMP_*
  int log2_chroma_w;
  int log2_chroma_h;
};

constexpr EightBitLayout kYuvLayouts[] = {
    {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, TJSAMP_420, 1, 1},
    {AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P, TJSAMP_422, 1, 0},
    {AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ444P, TJSAMP_444, 0, 0},
    {AV_PIX_FMT_YUV440P, AV_PIX_FMT_YUVJ440P, TJSAMP_440, 0, 1},
    {AV_PIX_FMT_YUV411P, AV_PIX_FMT_YUVJ411P, TJSAMP_411, 2, 0},
};
constexpr EightBitLayout kGrayLayout = {AV_PIX_FMT_GRAY8, AV_PIX_FMT_NONE, TJSAMP_GRAY, 0, 0};
constexpr const EightBitLayout& kFallbackLayout = kYuvLayouts[0];

// The 8-bit layout a picture is compressed in: its own subsampling where
// JPEG has it, 4:4:4 for RGB, gray for gray.
const EightBitLayout& LayoutFor(const AVPixFmtDescriptor& desc) {
  if ((desc.flags & AV_PIX_FMT_FLAG_RGB) != 0) return kYuvLayouts[2];
  if (desc.nb_components <= 2) return kGrayLayout;
  for (const EightBitLayout& layout : kYuvLayouts) {
    if (layout.log2_chroma_w == desc.log2_chroma_w && layout.log2_chroma_h == desc.log2_chroma_h) {
      return layout;
    }
  }
  return kFallbackLayout;
}

int EvenDown(int v) { return std::max(2, v & ~1); }

// round(numerator / denominator) to the nearest even integer, at least 2.
int NearestEven(int64_t numerator, int64_t denominator) {
  const int64_t halves = (numerator + denominator) / (2 * denominator);
  return static_cast<int>(std::max<int64_t>(1, halves) * 2);
}

}  // namespace

absl::StatusOr<PictureSize> OutputSize(PictureSize source, int width, int height) {
  if (source.width <= 0 || source.height <= 0) {
    return absl::InvalidArgumentError("empty source picture " + std::to_string(source.width) + "x" +
                                      std::to_string(source.height));
  }
  if (width < 0 || height < 0 || width > kMaxOutputDimension || height > kMaxOutputDimension) {
    return absl::InvalidArgumentError("output size " + std::to_string(width) + "x" +
                                      std::to_string(height) + " is not 0.." +
                                      std::to_string(kMaxOutputDimension) + " per side");
  }
  if (width == 0 && height == 0) return source;
  PictureSize out;
  if (height == 0) {
    out.width = EvenDown(width);
    out.height = NearestEven(int64_t{out.width} * source.height, source.width);
  } else if (width == 0) {
    out.height = EvenDown(height);
    out.width = NearestEven(int64_t{out.height} * source.width, source.height);
  } else {
    out = {EvenDown(width), EvenDown(height)};
  }
  if (out.width > kMaxOutputDimension || out.height > kMaxOutputDimension) {
    return absl::InvalidArgumentError(
        "output size " + std::to_string(out.width) + "x" + std::to_string(out.height) +
        " (keeping the aspect ratio of " + std::to_string(source.width) + "x" +
        std::to_string(source.height) + ") exceeds " + std::to_string(kMaxOutputDimension));
  }
  return out;
}

absl::StatusOr<YuvPlanes> PictureConverter::Convert(AVFrame& picture, PictureSize size) {
  const auto format = static_cast<AVPixelFormat>(picture.format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
  if (desc == nullptr || picture.width <= 0 || picture.height <= 0) {
    return absl::InternalError("decoded picture has no pixel format or size");
  }
  const EightBitLayout& layout = LayoutFor(*desc);
  const bool full_range = picture.color_range == AVCOL_RANGE_JPEG || format == layout.jpeg_format;
  const bool same_size = size == PictureSize{picture.width, picture.height};
  const bool direct = same_size && (format == layout.format || format == layout.jpeg_format);
  if (!direct) return Scale(picture, size, layout.format, layout.subsampling, full_range);

  const bool gray = layout.subsampling == TJSAMP_GRAY;
  const int planes = gray ? 1 : 3;
  const ColorMatrix matrix = gray ? ColorMatrix::kBt601 : MatrixOf(picture);
  if (!full_range || matrix != ColorMatrix::kBt601) {
    if (av_frame_make_writable(&picture) < 0) {
      return absl::ResourceExhaustedError("copy the picture for its conversion to full range");
    }
    if (gray) {
      ExpandToFullRange(picture.data[0], picture.linesize[0], picture.width, picture.height,
                        /*chroma=*/false);
    } else {
      ConvertToBt601(picture.data, picture.linesize, picture.width, picture.height,
                     layout.log2_chroma_w, layout.log2_chroma_h, matrix, full_range);
    }
  }
  YuvPlanes out;
  for (int p = 0; p < planes; ++p) {
    out.data[p] = picture.data[p];
    out.stride[p] = picture.linesize[p];
  }
  out.width = picture.width;
  out.height = picture.height;
  out.subsampling = layout.subsampling;
  return out;
}

absl::StatusOr<YuvPlanes> PictureConverter::Scale(const AVFrame& picture, PictureSize size,
                                                  int dst_format, int subsampling,
                                                  bool full_range) {
  // A deprecated yuvj* source is given to libswscale as its yuv* twin with
  // the range stated, which is what those formats mean.
  int src_format = picture.format;
  for (const EightBitLayout& layout : kYuvLayouts) {
    if (src_format == layout.jpeg_format) src_format = layout.format;
  }
  const ScalerKey key{picture.width, picture.height, src_format, full_range,
                      size.width,    size.height,    dst_format};
  absl::StatusOr<SwsContext*> scaler = scalers_.Get(key);
  if (!scaler.ok()) return scaler.status();

  const AVPixFmtDescriptor* dst_desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(dst_format));
  const bool gray = subsampling == TJSAMP_GRAY;
  const int planes = gray ? 1 : 3;
  int strides[4] = {};
  int heights[4] = {};
  size_t total = 64;  // slack for SIMD stores past the last row
  for (int p = 0; p < planes; ++p) {
    const int w = p == 0 ? size.width : AV_CEIL_RSHIFT(size.width, dst_desc->log2_chroma_w);
    heights[p] = p == 0 ? size.height : AV_CEIL_RSHIFT(size.height, dst_desc->log2_chroma_h);
    strides[p] = FFALIGN(w, 64);
    total += static_cast<size_t>(strides[p]) * static_cast<size_t>(heights[p]);
  }
  if (buffer_bytes_ < total) {
    buffer_.reset(static_cast<uint8_t*>(av_malloc(total)));
    buffer_bytes_ = buffer_ == nullptr ? 0 : total;
    if (buffer_ == nullptr) {
      return absl::ResourceExhaustedError("allocate " + std::to_string(total) +
                                          " bytes for the scaled picture");
    }
  }
  uint8_t* dst[4] = {};
  uint8_t* next = buffer_.get();
  for (int p = 0; p < planes; ++p) {
    dst[p] = next;
    next += static_cast<ptrdiff_t>(strides[p]) * heights[p];
  }
  AvErrorCapture errors;
  const int rows =
      sws_scale(*scaler, picture.data, picture.linesize, 0, picture.height, dst, strides);
  if (rows != size.height) {
    return absl::InternalError(errors.Explain("libswscale gave " + std::to_string(rows) + " of " +
                                              std::to_string(size.height) + " rows"));
  }
  if (const ColorMatrix matrix = MatrixOf(picture); !gray && matrix != ColorMatrix::kBt601) {
    ConvertToBt601(dst, strides, size.width, size.height, dst_desc->log2_chroma_w,
                   dst_desc->log2_chroma_h, matrix, /*full_range=*/true);
  }
  YuvPlanes out;
  for (int p = 0; p < planes; ++p) {
    out.data[p] = dst[p];
    out.stride[p] = strides[p];
  }
  out.width = size.width;
  out.height = size.height;
  out.subsampling = subsampling;
  return out;
}

}  // namespace livesnap::snapshot::internal
