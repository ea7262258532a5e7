#include "snapshot/internal/picture_converter.h"

#include <gtest/gtest.h>

#include <cstring>

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

// A grey 4:2:0 picture of `width` x `height`, limited range, untagged.
FramePtr GreyPicture(int width, int height, uint8_t luma) {
  FramePtr frame(av_frame_alloc());
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = width;
  frame->height = height;
  EXPECT_GE(av_frame_get_buffer(frame.get(), 0), 0);
  for (int p = 0; p < 3; ++p) {
    const int rows = p == 0 ? height : (height + 1) / 2;
    std::memset(frame->data[p], p == 0 ? luma : 128,
                static_cast<size_t>(frame->linesize[p]) * rows);
  }
  return frame;
}

TEST(PictureConverterTest, ScalesWithOneContextPerSizeAndExpandsTheRange) {
  PictureConverter converter;
  FramePtr picture = GreyPicture(64, 36, 126);  // limited 126 is full-range 128
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<YuvPlanes> planes = converter.Convert(*picture, {32, 18});
    ASSERT_TRUE(planes.ok()) << planes.status();
    EXPECT_EQ(planes->width, 32);
    EXPECT_EQ(planes->height, 18);
    EXPECT_NEAR(planes->data[0][planes->stride[0] * 9 + 16], 128, 1);
  }
  EXPECT_EQ(converter.scaler_inits(), 1);
  ASSERT_TRUE(converter.Convert(*picture, {16, 8}).ok());
  EXPECT_EQ(converter.scaler_inits(), 2);
  // At its own size the picture is used as it is, range expanded in place.
  absl::StatusOr<YuvPlanes> same = converter.Convert(*picture, {64, 36});
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->data[0][0], 128);
  EXPECT_EQ(converter.scaler_inits(), 2);
}

}  // namespace
}  // namespace livesnap::snapshot::internal
