#include "snapshot/internal/color_matrix.h"

#include <gtest/gtest.h>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "snapshot/internal/av_handles.h"
#include "snapshot/internal/range_expansion.h"

namespace livesnap::snapshot::internal {
namespace {

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
