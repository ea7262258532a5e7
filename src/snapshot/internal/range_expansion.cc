#include "snapshot/internal/range_expansion.h"

#include <array>
#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace livesnap::snapshot::internal {

namespace {

// Limited ("studio") range to full range, rounded to nearest: luma
// 16..235 and chroma 16..240 (around 128) onto 0..255.
constexpr int DivRound(int n, int d) { return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d); }

constexpr std::array<uint8_t, 256> MakeTable(bool chroma) {
  std::array<uint8_t, 256> table{};
  for (int v = 0; v < 256; ++v) {
    table[static_cast<size_t>(v)] = chroma ? ClampToByte(128 + DivRound((v - 128) * 255, 224))
                                           : ClampToByte(DivRound((v - 16) * 255, 219));
  }
  return table;
}
constexpr std::array<uint8_t, 256> kLumaTable = MakeTable(false);
constexpr std::array<uint8_t, 256> kChromaTable = MakeTable(true);

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

}  // namespace livesnap::snapshot::internal
