#include "snapshot/internal/picture_converter.h"

extern "C" {
#include <libavutil/common.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <array>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Limited ("studio") range to full range, rounded to nearest: luma
// 16..235 and chroma 16..240 (around 128) onto 0..255.
constexpr uint8_t Clamp8(int v) { return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); }
constexpr int DivRound(int n, int d) { return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d); }

constexpr std::array<uint8_t, 256> MakeTable(bool chroma) {
  std::array<uint8_t, 256> table{};
  for (int v = 0; v < 256; ++v) {
    table[static_cast<size_t>(v)] = chroma ? Clamp8(128 + DivRound((v - 128) * 255, 224))
                                           : Clamp8(DivRound((v - 16) * 255, 219));
  }
  return table;
}
constexpr std::array<uint8_t, 256> kLumaTable = MakeTable(false);
constexpr std::array<uint8_t, 256> kChromaTable = MakeTable(true);

int EvenDown(int v) { return std::max(2, v & ~1); }

// round(numerator / denominator) to the nearest even integer, at least 2.
int NearestEven(int64_t numerator, int64_t denominator) {
  const int64_t halves = (numerator + denominator) / (2 * denominator);
  return static_cast<int>(std::max<int64_t>(1, halves) * 2);
}

}  // namespace

uint8_t FullRangeLuma(uint8_t y) { return kLumaTable[y]; }
uint8_t FullRangeChroma(uint8_t c) { return kChromaTable[c]; }

#if defined(__SSE2__)
namespace {

// 16 samples at a time, the same values as the tables (checked for every
// input by the tests), about three times faster than a table lookup.
// Luma: u = y - 16 (saturated at 0); y' = u + round(u * 36/219), the
// fraction as mulhi(u << 8, 10773) / 256. Chroma: s = c - 128;
// c' = 128 + s + round(s * 32/224), the fraction as mulhi(s << 8, 9074) / 256.
__m128i ExpandLuma8x2(__m128i u16) {
  const __m128i frac = _mm_mulhi_epu16(_mm_slli_epi16(u16, 8), _mm_set1_epi16(10773));
  return _mm_add_epi16(u16, _mm_srli_epi16(_mm_add_epi16(frac, _mm_set1_epi16(128)), 8));
}

__m128i ExpandChroma8x2(__m128i s16) {
  const __m128i frac = _mm_mulhi_epi16(_mm_slli_epi16(s16, 8), _mm_set1_epi16(9074));
  return _mm_add_epi16(_mm_add_epi16(s16, _mm_set1_epi16(128)),
                       _mm_srai_epi16(_mm_add_epi16(frac, _mm_set1_epi16(128)), 8));
}

// Expands row[0, width) in place; returns how many samples were done (a
// multiple of 16), leaving the rest to the tables.
int ExpandRowSse2(uint8_t* row, int width, bool chroma) {
  const __m128i zero = _mm_setzero_si128();
  int x = 0;
  for (; x + 16 <= width; x += 16) {
    auto* at = reinterpret_cast<__m128i*>(row + x);
    const __m128i v = _mm_loadu_si128(at);
    __m128i lo, hi;
    if (chroma) {
      const __m128i bias = _mm_set1_epi16(128);
      lo = ExpandChroma8x2(_mm_sub_epi16(_mm_unpacklo_epi8(v, zero), bias));
      hi = ExpandChroma8x2(_mm_sub_epi16(_mm_unpackhi_epi8(v, zero), bias));
    } else {
      const __m128i u = _mm_subs_epu8(v, _mm_set1_epi8(16));
      lo = ExpandLuma8x2(_mm_unpacklo_epi8(u, zero));
      hi = ExpandLuma8x2(_mm_unpackhi_epi8(u, zero));
    }
    _mm_storeu_si128(at, _mm_packus_epi16(lo, hi));
  }
  return x;
}

}  // namespace
#endif

void ExpandToFullRange(uint8_t* plane, int stride, int width, int height, bool chroma) {
  const std::array<uint8_t, 256>& table = chroma ? kChromaTable : kLumaTable;
  for (int y = 0; y < height; ++y) {
    uint8_t* row = plane + static_cast<ptrdiff_t>(y) * stride;
    int x = 0;
#if defined(__SSE2__)
    x = ExpandRowSse2(row, width, chroma);
#endif
    for (; x < width; ++x) row[x] = table[row[x]];
  }
}

namespace {

// BT.601 full range from another YCbCr matrix, as the 3x3 map
//   Y'  = gy * (Y - bias) + cb_y * (Cb - 128) + cr_y * (Cr - 128)
//   Cb' = 128 + cb_cb * (Cb - 128) + cr_cb * (Cr - 128)
//   Cr' = 128 + cb_cr * (Cb - 128) + cr_cr * (Cr - 128)
// (grey stays grey, so luma never feeds chroma), with the range expansion
// folded into the gains. Coefficients in Q14; every product is taken as
// mulhi((v << 6), k), i.e. in Q4 (1/16 of a sample value), summed in 16 bits
// and rounded once, so the SSE2 and scalar code give the same values.
struct MatrixToBt601 {
  int bias = 0;
  int16_t gy = 0;
  int16_t cb_y = 0, cr_y = 0, cb_cb = 0, cr_cb = 0, cb_cr = 0, cr_cr = 0;
};

constexpr int16_t Q14(double v) {
  return static_cast<int16_t>(v >= 0 ? v * 16384 + 0.5 : v * 16384 - 0.5);
}

// kr, kb: the source matrix's luma weights of red and blue.
constexpr MatrixToBt601 MakeMatrixToBt601(double kr, double kb, bool full_range) {
  // Source YCbCr (Y 0..1, Cb/Cr -0.5..0.5) to R'G'B', only the chroma
  // columns (the luma column is all ones).
  const double kg = 1 - kr - kb;
  const double r_cr = 2 * (1 - kr);
  const double g_cb = -2 * (1 - kb) * kb / kg;
  const double g_cr = -2 * (1 - kr) * kr / kg;
  const double b_cb = 2 * (1 - kb);
  // R'G'B' to BT.601 YCbCr.
  constexpr double kr6 = 0.299, kb6 = 0.114, kg6 = 1 - kr6 - kb6;
  const double y_cb = kg6 * g_cb + kb6 * b_cb;
  const double y_cr = kr6 * r_cr + kg6 * g_cr;
  const double chroma_gain = full_range ? 1.0 : 255.0 / 224;
  MatrixToBt601 m;
  m.bias = full_range ? 0 : 16;
  m.gy = Q14(full_range ? 1.0 : 255.0 / 219);
  m.cb_y = Q14(y_cb * chroma_gain);
  m.cr_y = Q14(y_cr * chroma_gain);
  m.cb_cb = Q14((b_cb - y_cb) / (2 * (1 - kb6)) * chroma_gain);
  m.cr_cb = Q14(-y_cr / (2 * (1 - kb6)) * chroma_gain);
  m.cb_cr = Q14(-y_cb / (2 * (1 - kr6)) * chroma_gain);
  m.cr_cr = Q14((r_cr - y_cr) / (2 * (1 - kr6)) * chroma_gain);
  return m;
}

constexpr MatrixToBt601 kMatrices[2][2] = {
    {MakeMatrixToBt601(0.2126, 0.0722, false), MakeMatrixToBt601(0.2126, 0.0722, true)},
    {MakeMatrixToBt601(0.2627, 0.0593, false), MakeMatrixToBt601(0.2627, 0.0593, true)},
};

const MatrixToBt601& MatrixFor(ColorMatrix matrix, bool full_range) {
  return kMatrices[matrix == ColorMatrix::kBt2020 ? 1 : 0][full_range ? 1 : 0];
}

// mulhi(v << 6, k): v * k in Q4, rounded down (v is within +-511).
constexpr int MulQ4(int v, int16_t k) { return (v * 64 * k) >> 16; }

int LumaOffsetQ4(const MatrixToBt601& m, int cb, int cr) {
  return MulQ4(cb - 128, m.cb_y) + MulQ4(cr - 128, m.cr_y);
}

uint8_t LumaSample(const MatrixToBt601& m, int y, int offset_q4) {
  return Clamp8((MulQ4(y - m.bias, m.gy) + offset_q4 + 8) >> 4);
}

uint8_t ChromaSample(int cb, int cr, int16_t k_cb, int16_t k_cr) {
  return Clamp8(((MulQ4(cb - 128, k_cb) + MulQ4(cr - 128, k_cr) + 8) >> 4) + 128);
}

// Chroma samples [cx, cx_end) of one chroma row, with the luma rows it
// covers (`luma_rows` rows of `luma` apart by `luma_stride`).
void ConvertSpanScalar(const MatrixToBt601& m, uint8_t* luma, ptrdiff_t luma_stride, int luma_rows,
                       int width, int log2_chroma_w, uint8_t* cb_row, uint8_t* cr_row, int cx,
                       int cx_end) {
  for (; cx < cx_end; ++cx) {
    const int cb = cb_row[cx];
    const int cr = cr_row[cx];
    const int offset = LumaOffsetQ4(m, cb, cr);
    const int x_end = std::min(width, (cx + 1) << log2_chroma_w);
    for (int r = 0; r < luma_rows; ++r) {
      uint8_t* row = luma + r * luma_stride;
      for (int x = cx << log2_chroma_w; x < x_end; ++x) row[x] = LumaSample(m, row[x], offset);
    }
    cb_row[cx] = ChromaSample(cb, cr, m.cb_cb, m.cr_cb);
    cr_row[cx] = ChromaSample(cb, cr, m.cb_cr, m.cr_cr);
  }
}

#if defined(__SSE2__)
struct MatrixSse2 {
  explicit MatrixSse2(const MatrixToBt601& m)
      : bias(_mm_set1_epi16(static_cast<int16_t>(m.bias))),
        gy(_mm_set1_epi16(m.gy)),
        cb_y(_mm_set1_epi16(m.cb_y)),
        cr_y(_mm_set1_epi16(m.cr_y)),
        cb_cb(_mm_set1_epi16(m.cb_cb)),
        cr_cb(_mm_set1_epi16(m.cr_cb)),
        cb_cr(_mm_set1_epi16(m.cb_cr)),
        cr_cr(_mm_set1_epi16(m.cr_cr)) {}
  __m128i bias, gy, cb_y, cr_y, cb_cb, cr_cb, cb_cr, cr_cr;
};

__m128i MulQ4x8(__m128i v, __m128i k) { return _mm_mulhi_epi16(_mm_slli_epi16(v, 6), k); }

// (q + 8) >> 4 per 16-bit lane.
__m128i RoundQ4(__m128i q) { return _mm_srai_epi16(_mm_add_epi16(q, _mm_set1_epi16(8)), 4); }

// Eight luma samples (16-bit lanes) with their Q4 chroma offsets.
__m128i LumaX8(const MatrixSse2& m, __m128i y, __m128i offset) {
  return RoundQ4(_mm_add_epi16(MulQ4x8(_mm_sub_epi16(y, m.bias), m.gy), offset));
}

// Chroma samples [cx, cx + 8k) of one chroma row and the luma they cover,
// for log2_chroma_w 0 or 1; returns where it stopped.
int ConvertSpanSse2(const MatrixToBt601& matrix, uint8_t* luma, ptrdiff_t luma_stride,
                    int luma_rows, int width, int log2_chroma_w, uint8_t* cb_row, uint8_t* cr_row,
                    int chroma_width) {
  const MatrixSse2 m(matrix);
  const __m128i zero = _mm_setzero_si128();
  const __m128i half = _mm_set1_epi16(128);
  int cx = 0;
  for (; cx + 8 <= chroma_width && (cx + 8) << log2_chroma_w <= width; cx += 8) {
    const __m128i cb = _mm_sub_epi16(
        _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(cb_row + cx)), zero),
        half);
    const __m128i cr = _mm_sub_epi16(
        _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(cr_row + cx)), zero),
        half);
    const __m128i offset = _mm_add_epi16(MulQ4x8(cb, m.cb_y), MulQ4x8(cr, m.cr_y));
    for (int r = 0; r < luma_rows; ++r) {
      uint8_t* at = luma + r * luma_stride + (cx << log2_chroma_w);
      if (log2_chroma_w == 1) {
        const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
        const __m128i lo =
            LumaX8(m, _mm_unpacklo_epi8(y, zero), _mm_unpacklo_epi16(offset, offset));
        const __m128i hi =
            LumaX8(m, _mm_unpackhi_epi8(y, zero), _mm_unpackhi_epi16(offset, offset));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(at), _mm_packus_epi16(lo, hi));
      } else {
        const __m128i y = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(at));
        const __m128i out = LumaX8(m, _mm_unpacklo_epi8(y, zero), offset);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(at), _mm_packus_epi16(out, zero));
      }
    }
    const __m128i new_cb =
        _mm_add_epi16(RoundQ4(_mm_add_epi16(MulQ4x8(cb, m.cb_cb), MulQ4x8(cr, m.cr_cb))), half);
    const __m128i new_cr =
        _mm_add_epi16(RoundQ4(_mm_add_epi16(MulQ4x8(cb, m.cb_cr), MulQ4x8(cr, m.cr_cr))), half);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(cb_row + cx), _mm_packus_epi16(new_cb, zero));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(cr_row + cx), _mm_packus_epi16(new_cr, zero));
  }
  return cx;
}
#endif

}  // namespace

ColorMatrix MatrixOf(const AVFrame& picture) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(picture.format));
  if (desc == nullptr || (desc->flags & AV_PIX_FMT_FLAG_RGB) != 0) return ColorMatrix::kBt601;
  switch (picture.colorspace) {
    case AVCOL_SPC_BT709:
      return ColorMatrix::kBt709;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
      return ColorMatrix::kBt2020;
    default:
      return ColorMatrix::kBt601;
  }
}

YCbCr ToBt601(ColorMatrix matrix, bool full_range, YCbCr sample) {
  if (matrix == ColorMatrix::kBt601) {
    if (full_range) return sample;
    return {FullRangeLuma(sample.y), FullRangeChroma(sample.cb), FullRangeChroma(sample.cr)};
  }
  const MatrixToBt601& m = MatrixFor(matrix, full_range);
  return {LumaSample(m, sample.y, LumaOffsetQ4(m, sample.cb, sample.cr)),
          ChromaSample(sample.cb, sample.cr, m.cb_cb, m.cr_cb),
          ChromaSample(sample.cb, sample.cr, m.cb_cr, m.cr_cr)};
}

void ConvertToBt601(uint8_t* const data[3], const int stride[3], int width, int height,
                    int log2_chroma_w, int log2_chroma_h, ColorMatrix matrix, bool full_range) {
  if (matrix == ColorMatrix::kBt601) {
    if (full_range) return;
    ExpandToFullRange(data[0], stride[0], width, height, /*chroma=*/false);
    for (int p = 1; p < 3; ++p) {
      ExpandToFullRange(data[p], stride[p], AV_CEIL_RSHIFT(width, log2_chroma_w),
                        AV_CEIL_RSHIFT(height, log2_chroma_h), /*chroma=*/true);
    }
    return;
  }
  const MatrixToBt601& m = MatrixFor(matrix, full_range);
  const int chroma_width = AV_CEIL_RSHIFT(width, log2_chroma_w);
  const int chroma_height = AV_CEIL_RSHIFT(height, log2_chroma_h);
  for (int cy = 0; cy < chroma_height; ++cy) {
    const int y0 = cy << log2_chroma_h;
    const int luma_rows = std::min(height, (cy + 1) << log2_chroma_h) - y0;
    uint8_t* luma = data[0] + static_cast<ptrdiff_t>(y0) * stride[0];
    uint8_t* cb_row = data[1] + static_cast<ptrdiff_t>(cy) * stride[1];
    uint8_t* cr_row = data[2] + static_cast<ptrdiff_t>(cy) * stride[2];
    int cx = 0;
#if defined(__SSE2__)
    if (log2_chroma_w <= 1) {
      cx = ConvertSpanSse2(m, luma, stride[0], luma_rows, width, log2_chroma_w, cb_row, cr_row,
                           chroma_width);
    }
#endif
    ConvertSpanScalar(m, luma, stride[0], luma_rows, width, log2_chroma_w, cb_row, cr_row, cx,
                      chroma_width);
  }
}

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
  if (absl::Status status = EnsureScaler(key); !status.ok()) return status;

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
      sws_scale(scaler_.get(), picture.data, picture.linesize, 0, picture.height, dst, strides);
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

absl::Status PictureConverter::EnsureScaler(const ScalerKey& key) {
  if (scaler_ != nullptr && key == scaler_key_) return absl::OkStatus();
  scaler_.reset();
  SwsContextPtr scaler(sws_alloc_context());
  if (scaler == nullptr) return absl::ResourceExhaustedError("allocate a libswscale context");
  const bool shrinking = key.dst_width < key.src_width || key.dst_height < key.src_height;
  const int64_t flags = shrinking ? SWS_AREA : SWS_BICUBIC;
  SwsContext* s = scaler.get();
  const bool options_ok = av_opt_set_int(s, "srcw", key.src_width, 0) >= 0 &&
                          av_opt_set_int(s, "srch", key.src_height, 0) >= 0 &&
                          av_opt_set_int(s, "src_format", key.src_format, 0) >= 0 &&
                          av_opt_set_int(s, "src_range", key.src_full_range ? 1 : 0, 0) >= 0 &&
                          av_opt_set_int(s, "dstw", key.dst_width, 0) >= 0 &&
                          av_opt_set_int(s, "dsth", key.dst_height, 0) >= 0 &&
                          av_opt_set_int(s, "dst_format", key.dst_format, 0) >= 0 &&
                          av_opt_set_int(s, "dst_range", 1, 0) >= 0 &&
                          av_opt_set_int(s, "sws_flags", flags, 0) >= 0;
  const std::string what =
      std::string(av_get_pix_fmt_name(static_cast<AVPixelFormat>(key.src_format))) + " " +
      std::to_string(key.src_width) + "x" + std::to_string(key.src_height) + " to " +
      av_get_pix_fmt_name(static_cast<AVPixelFormat>(key.dst_format)) + " " +
      std::to_string(key.dst_width) + "x" + std::to_string(key.dst_height);
  if (!options_ok) return absl::InternalError("set libswscale options for " + what);
  AvErrorCapture errors;
  if (const int ret = sws_init_context(s, nullptr, nullptr); ret < 0) {
    return absl::InternalError(
        errors.Explain("libswscale cannot convert " + what + ": " + AvErrorText(ret)));
  }
  scaler_ = std::move(scaler);
  scaler_key_ = key;
  ++scaler_inits_;
  return absl::OkStatus();
}

}  // namespace livesnap::snapshot::internal
