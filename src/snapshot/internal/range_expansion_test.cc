#include "snapshot/internal/range_expansion.h"

#include <gtest/gtest.h>

#include <vector>

namespace livesnap::snapshot::internal {
namespace {

TEST(RangeTest, LimitedRangeEndpointsBecomeFullRangeEndpoints) {
  EXPECT_EQ(FullRangeLuma(16), 0);
  EXPECT_EQ(FullRangeLuma(235), 255);
  EXPECT_EQ(FullRangeLuma(0), 0);      // footroom clips
  EXPECT_EQ(FullRangeLuma(255), 255);  // headroom clips
  EXPECT_EQ(FullRangeLuma(126), 128);  // (126-16)*255/219 = 128.08
  EXPECT_EQ(FullRangeChroma(128), 128);
  EXPECT_EQ(FullRangeChroma(16), 0);
  EXPECT_EQ(FullRangeChroma(240), 255);
  EXPECT_EQ(FullRangeChroma(90), 85);  // (90-128)*255/224+128 = 84.74
}

TEST(RangeTest, PlaneExpansionMatchesTheTablesForEveryValue) {
  for (bool chroma : {false, true}) {
    // Every value at every position of a 16-sample group, then a tail.
    constexpr int kWidth = 16 * 17 + 7;
    std::vector<uint8_t> plane(static_cast<size_t>(kWidth) * 16);
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < kWidth; ++x) plane[y * kWidth + x] = static_cast<uint8_t>(x + y * 17);
    }
    const std::vector<uint8_t> source = plane;
    ExpandToFullRange(plane.data(), kWidth, kWidth, 16, chroma);
    for (size_t i = 0; i < plane.size(); ++i) {
      const uint8_t want = chroma ? FullRangeChroma(source[i]) : FullRangeLuma(source[i]);
      ASSERT_EQ(plane[i], want) << (chroma ? "chroma " : "luma ") << int{source[i]} << " at " << i;
    }
  }
}

TEST(RangeTest, ExpansionStaysWithinTheRows) {
  std::vector<uint8_t> plane(64, 16);
  ExpandToFullRange(plane.data(), 32, 20, 2, /*chroma=*/false);
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 32; ++x) EXPECT_EQ(plane[y * 32 + x], x < 20 ? 0 : 16) << x << "," << y;
  }
}

TEST(RangeTest, ExpansionIsMonotonic) {
  for (int v = 1; v < 256; ++v) {
    EXPECT_GE(FullRangeLuma(static_cast<uint8_t>(v)), FullRangeLuma(static_cast<uint8_t>(v - 1)));
    EXPECT_GE(FullRangeChroma(static_cast<uint8_t>(v)),
              FullRangeChroma(static_cast<uint8_t>(v - 1)));
  }
}

}  // namespace
}  // namespace livesnap::snapshot::internal
