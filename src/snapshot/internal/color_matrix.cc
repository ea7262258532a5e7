#include "snapshot/internal/color_matrix.h"

extern "C" {
#include <libavutil/common.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "snapshot/internal/range_expansion.h"

namespace livesnap::snapshot::internal {

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
  return ClampToByte((MulQ4(y - m.bias, m.gy) + offset_q4 + 8) >> 4);
}

uint8_t ChromaSample(int cb, int cr, int16_t k_cb, int16_t k_cr) {
  return ClampToByte(((MulQ4(cb - 128, k_cb) + MulQ4(cr - 128, k_cr) + 8) >> 4) + 128);
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

}  // namespace livesnap::snapshot::internal
