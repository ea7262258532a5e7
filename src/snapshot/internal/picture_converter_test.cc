#include "snapshot/internal/picture_converter.h"

#include <gtest/gtest.h>

#include <vector>

namespace livesnap::snapshot::internal {
namespace {

TEST(OutputSizeTest, ZeroKeepsTheSourceSize) {
  absl::StatusOr<PictureSize> size = OutputSize({1280, 720}, 0, 0);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, (PictureSize{1280, 720}));
  // An odd source is not scaled, so it keeps its odd size.
  EXPECT_EQ(*OutputSize({641, 361}, 0, 0), (PictureSize{641, 361}));
}

TEST(OutputSizeTest, OneSideKeepsTheAspectRatio) {
  EXPECT_EQ(*OutputSize({1280, 720}, 640, 0), (PictureSize{640, 360}));
  EXPECT_EQ(*OutputSize({1280, 720}, 0, 360), (PictureSize{640, 360}));
  EXPECT_EQ(*OutputSize({1920, 1080}, 0, 240), (PictureSize{426, 240}));  // 426.67
  EXPECT_EQ(*OutputSize({854, 480}, 320, 0), (PictureSize{320, 180}));    // 179.86
  EXPECT_EQ(*OutputSize({720, 1280}, 360, 0), (PictureSize{360, 640}));   // portrait
  EXPECT_EQ(*OutputSize({1280, 720}, 2, 0), (PictureSize{2, 2}));         // never 0
}

TEST(OutputSizeTest, DimensionsAreEven) {
  EXPECT_EQ(*OutputSize({1280, 720}, 333, 0), (PictureSize{332, 186}));
  EXPECT_EQ(*OutputSize({1280, 720}, 101, 77), (PictureSize{100, 76}));
  EXPECT_EQ(*OutputSize({1280, 720}, 1, 1), (PictureSize{2, 2}));
}

TEST(OutputSizeTest, RefusesWhatCannotBeMade) {
  EXPECT_EQ(OutputSize({1280, 720}, -1, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OutputSize({1280, 720}, 0, kMaxOutputDimension + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Derived side beyond the limit: a very tall source asked for full width.
  EXPECT_EQ(OutputSize({100, 10000}, 1000, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OutputSize({0, 720}, 0, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

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
