#include "snapshot/internal/keyframe_decoder.h"

#include <gtest/gtest.h>

#include <cstring>

namespace livesnap::snapshot::internal {
namespace {

FramePtr Picture(AVPixelFormat format, int width, int height) {
  FramePtr frame(av_frame_alloc());
  frame->format = format;
  frame->width = width;
  frame->height = height;
  EXPECT_EQ(av_frame_get_buffer(frame.get(), 0), 0);
  return frame;
}

void PaintLuma(AVFrame& frame, int x0, int y0, int w, int h, uint8_t value, int bytes) {
  for (int y = y0; y < y0 + h; ++y) {
    std::memset(frame.data[0] + static_cast<ptrdiff_t>(y) * frame.linesize[0] + x0 * bytes, value,
                static_cast<size_t>(w * bytes));
  }
}

TEST(CoverageTest, AFreshBufferIsNotDecoded) {
  for (AVPixelFormat format : {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P10LE}) {
    FramePtr frame = Picture(format, 64, 48);
    FillCoveragePattern(*frame);
    EXPECT_FALSE(FullyDecoded(*frame));
  }
}

TEST(CoverageTest, EveryBlockMustBeWritten) {
  for (AVPixelFormat format : {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P10LE}) {
    const int bytes = format == AV_PIX_FMT_YUV420P ? 1 : 2;
    FramePtr frame = Picture(format, 70, 50);  // partial blocks at the right and bottom
    FillCoveragePattern(*frame);
    PaintLuma(*frame, 0, 0, 70, 48, 16, bytes);
    EXPECT_FALSE(FullyDecoded(*frame)) << "the last two rows are a block row of their own";
    PaintLuma(*frame, 0, 48, 70, 2, 16, bytes);
    EXPECT_TRUE(FullyDecoded(*frame));
    // One block left out in the middle.
    FillCoveragePattern(*frame);
    PaintLuma(*frame, 0, 0, 70, 50, 200, bytes);
    for (int y = 16; y < 32; ++y) {
      for (int x = 32; x < 48; ++x) {
        uint8_t* sample =
            frame->data[0] + static_cast<ptrdiff_t>(y) * frame->linesize[0] + x * bytes;
        if (bytes == 1) {
          *sample = (x & 1) != 0 ? 254 : 1;
        } else {
          sample[0] = sample[1] = 0xff;
        }
      }
    }
    EXPECT_FALSE(FullyDecoded(*frame));
  }
}

TEST(CoverageTest, ContentNearThePatternIsDecoded) {
  // Flat pictures, including the pattern's own values, count as decoded.
  for (uint8_t value : {0, 1, 16, 128, 235, 254, 255}) {
    FramePtr frame = Picture(AV_PIX_FMT_YUV420P, 32, 32);
    FillCoveragePattern(*frame);
    PaintLuma(*frame, 0, 0, 32, 32, value, 1);
    EXPECT_TRUE(FullyDecoded(*frame)) << int{value};
  }
  // 10-bit samples never reach 0xffff.
  FramePtr frame = Picture(AV_PIX_FMT_YUV420P10LE, 32, 32);
  FillCoveragePattern(*frame);
  for (int y = 0; y < 32; ++y) {
    auto* row = reinterpret_cast<uint16_t*>(frame->data[0] + y * frame->linesize[0]);
    for (int x = 0; x < 32; ++x) row[x] = 1023;
  }
  EXPECT_TRUE(FullyDecoded(*frame));
}

}  // namespace
}  // namespace livesnap::snapshot::internal
