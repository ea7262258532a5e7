#include "snapshot/internal/picture_converter.h"

#include <gtest/gtest.h>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
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

// ---------------------------------------------------------------------------
// YCbCr matrices.

struct Weights {
  double kr, kb;
};
constexpr Weights kBt601Weights{0.299, 0.114};

Weights WeightsOf(ColorMatrix matrix) {
  switch (matrix) {
    case ColorMatrix::kBt709:
      return {0.2126, 0.0722};
    case ColorMatrix::kBt2020:
      return {0.2627, 0.0593};
    default:
      return kBt601Weights;
  }
}

// R'G'B' (0..255) as 8-bit YCbCr of `w`, the way an encoder makes it.
YCbCr Encode(double r, double g, double b, Weights w, bool full_range) {
  const double y = (w.kr * r + (1 - w.kr - w.kb) * g + w.kb * b) / 255;
  const double cb = (b / 255 - y) / (2 * (1 - w.kb));
  const double cr = (r / 255 - y) / (2 * (1 - w.kr));
  auto quantize = [](double v) {
    return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
  };
  if (full_range) return {quantize(255 * y), quantize(128 + 255 * cb), quantize(128 + 255 * cr)};
  return {quantize(16 + 219 * y), quantize(128 + 224 * cb), quantize(128 + 224 * cr)};
}

std::string Text(YCbCr s) {
  return std::to_string(s.y) + "," + std::to_string(s.cb) + "," + std::to_string(s.cr);
}

TEST(MatrixTest, ColoursOfOtherMatricesBecomeTheirBt601Values) {
  for (ColorMatrix matrix : {ColorMatrix::kBt709, ColorMatrix::kBt2020}) {
    for (bool full_range : {false, true}) {
      for (int r = 0; r < 256; r += 17) {
        for (int g = 0; g < 256; g += 17) {
          for (int b = 0; b < 256; b += 17) {
            const YCbCr source = Encode(r, g, b, WeightsOf(matrix), full_range);
            const YCbCr want = Encode(r, g, b, kBt601Weights, /*full_range=*/true);
            const YCbCr got = ToBt601(matrix, full_range, source);
            // Within the rounding of the 8-bit source and of the result.
            ASSERT_LE(std::abs(got.y - want.y), 2)
                << r << "," << g << "," << b << ": " << Text(got);
            ASSERT_LE(std::abs(got.cb - want.cb), 2)
                << r << "," << g << "," << b << ": " << Text(got);
            ASSERT_LE(std::abs(got.cr - want.cr), 2)
                << r << "," << g << "," << b << ": " << Text(got);
          }
        }
      }
    }
  }
}

TEST(MatrixTest, GreysOnlyGetTheRangeExpansion) {
  for (int v = 0; v < 256; ++v) {
    const auto y = static_cast<uint8_t>(v);
    const YCbCr limited = ToBt601(ColorMatrix::kBt709, false, {y, 128, 128});
    EXPECT_NEAR(limited.y, FullRangeLuma(y), 1) << v;
    EXPECT_EQ(limited.cb, 128);
    EXPECT_EQ(limited.cr, 128);
    EXPECT_EQ(ToBt601(ColorMatrix::kBt709, true, {y, 128, 128}), (YCbCr{y, 128, 128}));
  }
  // BT.601 itself is left as it is but for the range.
  EXPECT_EQ(ToBt601(ColorMatrix::kBt601, true, {63, 102, 240}), (YCbCr{63, 102, 240}));
  EXPECT_EQ(ToBt601(ColorMatrix::kBt601, false, {16, 16, 240}), (YCbCr{0, 0, 255}));
}

// Planes of a width x height picture with every sample value at many
// places, and a sentinel in each row's padding.
struct TestPlanes {
  TestPlanes(int width, int height, int log2_w, int log2_h)
      : width(width),
        height(height),
        log2_w(log2_w),
        log2_h(log2_h),
        chroma_width((width + (1 << log2_w) - 1) >> log2_w),
        chroma_height((height + (1 << log2_h) - 1) >> log2_h) {
    stride[0] = width + 5;
    stride[1] = stride[2] = chroma_width + 3;
    for (int p = 0; p < 3; ++p) {
      const int rows = p == 0 ? height : chroma_height;
      plane[p].assign(static_cast<size_t>(stride[p]) * rows, kSentinel);
      const int row_width = p == 0 ? width : chroma_width;
      for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < row_width; ++x) {
          plane[p][y * stride[p] + x] = static_cast<uint8_t>(x * (7 + 2 * p) + y * 13 + p * 41);
        }
      }
      data[p] = plane[p].data();
    }
  }
  uint8_t Sample(int p, int x, int y) const { return plane[p][y * stride[p] + x]; }

  static constexpr uint8_t kSentinel = 0xa5;
  int width, height, log2_w, log2_h, chroma_width, chroma_height;
  std::vector<uint8_t> plane[3];
  uint8_t* data[3] = {};
  int stride[3] = {};
};

TEST(MatrixTest, PlaneConversionMatchesTheSampleConversionEverywhere) {
  struct Layout {
    int log2_w, log2_h;
  };
  for (Layout layout : {Layout{1, 1}, Layout{1, 0}, Layout{0, 0}, Layout{0, 1}, Layout{2, 0}}) {
    for (ColorMatrix matrix : {ColorMatrix::kBt709, ColorMatrix::kBt2020, ColorMatrix::kBt601}) {
      for (bool full_range : {false, true}) {
        SCOPED_TRACE("layout " + std::to_string(layout.log2_w) + "," +
                     std::to_string(layout.log2_h) + " matrix " +
                     std::to_string(static_cast<int>(matrix)) + " full " +
                     std::to_string(full_range));
        // Odd sizes: partial SIMD groups and chroma samples covering one
        // luma column or row.
        const TestPlanes source(16 * 9 + 7, 13, layout.log2_w, layout.log2_h);
        TestPlanes out = source;
        for (int p = 0; p < 3; ++p) out.data[p] = out.plane[p].data();
        ConvertToBt601(out.data, out.stride, out.width, out.height, layout.log2_w, layout.log2_h,
                       matrix, full_range);
        for (int y = 0; y < source.height; ++y) {
          for (int x = 0; x < source.width; ++x) {
            const int cx = x >> layout.log2_w;
            const int cy = y >> layout.log2_h;
            const YCbCr want = ToBt601(
                matrix, full_range,
                {source.Sample(0, x, y), source.Sample(1, cx, cy), source.Sample(2, cx, cy)});
            ASSERT_EQ(out.Sample(0, x, y), want.y) << "luma at " << x << "," << y;
            ASSERT_EQ(out.Sample(1, cx, cy), want.cb) << "Cb at " << cx << "," << cy;
            ASSERT_EQ(out.Sample(2, cx, cy), want.cr) << "Cr at " << cx << "," << cy;
          }
        }
        for (int p = 0; p < 3; ++p) {
          const int rows = p == 0 ? out.height : out.chroma_height;
          const int row_width = p == 0 ? out.width : out.chroma_width;
          for (int y = 0; y < rows; ++y) {
            for (int x = row_width; x < out.stride[p]; ++x) {
              ASSERT_EQ(out.Sample(p, x, y), TestPlanes::kSentinel) << "padding of plane " << p;
            }
          }
        }
      }
    }
  }
}

TEST(MatrixTest, TheTagNamesTheMatrix) {
  FramePtr frame(av_frame_alloc());
  frame->format = AV_PIX_FMT_YUV420P;
  struct Case {
    AVColorSpace tag;
    ColorMatrix want;
  };
  for (Case c : {Case{AVCOL_SPC_BT709, ColorMatrix::kBt709},
                 Case{AVCOL_SPC_BT2020_NCL, ColorMatrix::kBt2020},
                 Case{AVCOL_SPC_BT2020_CL, ColorMatrix::kBt2020},
                 Case{AVCOL_SPC_UNSPECIFIED, ColorMatrix::kBt601},
                 Case{AVCOL_SPC_SMPTE170M, ColorMatrix::kBt601},
                 Case{AVCOL_SPC_BT470BG, ColorMatrix::kBt601}}) {
    frame->colorspace = c.tag;
    EXPECT_EQ(MatrixOf(*frame), c.want) << av_color_space_name(c.tag);
  }
  // RGB pictures become BT.601 YCbCr in libswscale, whatever their tag.
  frame->format = AV_PIX_FMT_GBRP;
  frame->colorspace = AVCOL_SPC_BT709;
  EXPECT_EQ(MatrixOf(*frame), ColorMatrix::kBt601);
}

}  // namespace
}  // namespace livesnap::snapshot::internal
