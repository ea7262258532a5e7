#include "snapshot/frame_capturer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/codec_config.h"
#include "snapshot/testing/test_jpeg.h"
#include "snapshot/testing/test_keyframes.h"
#include "tests/support/hevc_clip.h"
#include "tests/support/subprocess.h"

namespace livesnap::snapshot {
namespace {

using ::livesnap::snapshot::testing::DecodedJpeg;
using ::livesnap::snapshot::testing::DecodeJpeg;
using ::livesnap::snapshot::testing::EncodedKeyframe;
using ::livesnap::snapshot::testing::EncodeKeyframe;
using ::livesnap::snapshot::testing::FlipSliceBytes;
using ::livesnap::snapshot::testing::KeyframeSpec;
using ::livesnap::snapshot::testing::MeanRgb;
using ::livesnap::snapshot::testing::MeanRgbOfRows;
using ::livesnap::snapshot::testing::WithoutParameterSetsInRecord;
using media::VideoCodec;

class FrameCapturerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FrameCapturer>> capturer = FrameCapturer::Create();
    ASSERT_TRUE(capturer.ok()) << capturer.status();
    capturer_ = *std::move(capturer);
  }

  EncodedKeyframe Encode(const KeyframeSpec& spec) {
    absl::StatusOr<EncodedKeyframe> clip = EncodeKeyframe(dir_.path(), spec);
    EXPECT_TRUE(clip.ok()) << clip.status();
    return clip.ok() ? *std::move(clip) : EncodedKeyframe{};
  }

  livesnap::testing::TempDir dir_;
  std::unique_ptr<FrameCapturer> capturer_;
};

TEST_F(FrameCapturerTest, H264KeyframeBecomesAJpegOfTheSourceSize) {
  KeyframeSpec spec;
  spec.width = 642;
  spec.height = 362;
  const EncodedKeyframe clip = Encode(spec);
  absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, clip.keyframe);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->width, 642);
  EXPECT_EQ(image->height, 362);
  ASSERT_GE(image->jpeg.size(), 4u);
  EXPECT_EQ(image->jpeg[0], 0xff);
  EXPECT_EQ(image->jpeg[1], 0xd8);
  std::optional<DecodedJpeg> probe = DecodeJpeg(image->jpeg);
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->width, 642);
  EXPECT_EQ(probe->height, 362);
  // testsrc2 is a busy picture: neither flat grey nor black nor white.
  EXPECT_GT(probe->mean_gray, 30);
  EXPECT_LT(probe->mean_gray, 225);
}

TEST_F(FrameCapturerTest, HevcKeyframeBecomesAJpegOfTheSourceSize) {
  KeyframeSpec spec;
  spec.codec = VideoCodec::kHevc;
  spec.width = 1280;
  spec.height = 720;
  const EncodedKeyframe clip = Encode(spec);
  absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, clip.keyframe);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->width, 1280);
  EXPECT_EQ(image->height, 720);
  std::optional<DecodedJpeg> jpeg = DecodeJpeg(image->jpeg);
  ASSERT_TRUE(jpeg.has_value());
  EXPECT_EQ(jpeg->width, 1280);
  EXPECT_EQ(jpeg->height, 720);
}

// An HEVC push as a publisher sends it (B-frames, an IDR every second):
// every keyframe becomes an image, a frame from the middle of a GOP never.
TEST_F(FrameCapturerTest, EveryKeyframeOfAnHevcPushAndNoOtherFrame) {
  livesnap::testing::HevcClipSpec spec;
  spec.seconds = 3;
  const livesnap::testing::HevcClip clip = livesnap::testing::MakeHevcClip(dir_.path(), spec);
  absl::StatusOr<media::VideoConfig> config =
      media::ParseHevcDecoderConfigurationRecord(clip.record);
  ASSERT_TRUE(config.ok()) << config.status();
  int images = 0;
  for (size_t i = 0; i < clip.frames.size(); ++i) {
    const livesnap::testing::HevcFrame& frame = clip.frames[i];
    if (!frame.keyframe && i % 7 != 3) continue;  // every keyframe and a sample of the rest
    SCOPED_TRACE("frame " + std::to_string(i) + " at " + std::to_string(frame.dts_ms) + " ms");
    absl::StatusOr<CapturedImage> image = capturer_->Capture(*config, frame.data);
    if (frame.keyframe) {
      ASSERT_TRUE(image.ok()) << image.status();
      EXPECT_EQ(image->width, 640);
      ++images;
    } else {
      EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss) << image.status();
    }
  }
  EXPECT_EQ(images, clip.keyframes);
  EXPECT_EQ(images, 3);
}

TEST_F(FrameCapturerTest, QualityChangesTheSize) {
  const EncodedKeyframe clip = Encode(KeyframeSpec{});
  absl::StatusOr<CapturedImage> low =
      capturer_->Capture(clip.config, clip.keyframe, {.quality = 20});
  absl::StatusOr<CapturedImage> high =
      capturer_->Capture(clip.config, clip.keyframe, {.quality = 95});
  ASSERT_TRUE(low.ok()) << low.status();
  ASSERT_TRUE(high.ok()) << high.status();
  EXPECT_LT(low->jpeg.size() * 2, high->jpeg.size());
}

// ---------------------------------------------------------------------------
// Colours, ranges and pixel formats.

struct ColorCase {
  std::string name;
  VideoCodec codec;
  std::string pix_fmt;
  int width = 0;  // requested output width; 0 = source size (no scaling)
};

void PrintTo(const ColorCase& c, std::ostream* os) { *os << c.name; }

class FrameCapturerColorTest : public FrameCapturerTest,
                               public ::testing::WithParamInterface<ColorCase> {
 protected:
  DecodedJpeg CaptureColor(const std::string& color) {
    KeyframeSpec spec;
    spec.codec = GetParam().codec;
    spec.pix_fmt = GetParam().pix_fmt;
    spec.source = "color=c=" + color;
    spec.width = 640;
    spec.height = 360;
    const EncodedKeyframe clip = Encode(spec);
    absl::StatusOr<CapturedImage> image =
        capturer_->Capture(clip.config, clip.keyframe, {.width = GetParam().width});
    EXPECT_TRUE(image.ok()) << image.status();
    if (!image.ok()) return {};
    std::optional<DecodedJpeg> jpeg = DecodeJpeg(image->jpeg);
    EXPECT_TRUE(jpeg.has_value());
    if (!jpeg.has_value()) return {};
    EXPECT_EQ(jpeg->width, image->width);
    EXPECT_EQ(jpeg->height, image->height);
    return *jpeg;
  }
};

// Limited-range video that reached the JPEG unexpanded shows white as 235,
// black as 16 and red as (238, 14, 14): the bounds below tell them apart.
TEST_P(FrameCapturerColorTest, WhiteComesBackWhite) {
  const DecodedJpeg jpeg = CaptureColor("white");
  EXPECT_GE(jpeg.mean_gray, 252);
  EXPECT_GE(jpeg.mean.r, 252);
  EXPECT_GE(jpeg.mean.g, 252);
  EXPECT_GE(jpeg.mean.b, 252);
}

TEST_P(FrameCapturerColorTest, BlackComesBackBlack) {
  const DecodedJpeg jpeg = CaptureColor("black");
  EXPECT_LE(jpeg.mean_gray, 3);
  EXPECT_LE(jpeg.mean.r, 3);
  EXPECT_LE(jpeg.mean.g, 3);
  EXPECT_LE(jpeg.mean.b, 3);
}

TEST_P(FrameCapturerColorTest, RedComesBackRed) {
  const DecodedJpeg jpeg = CaptureColor("red");
  EXPECT_GE(jpeg.mean.r, 246);
  EXPECT_LE(jpeg.mean.g, 8);
  EXPECT_LE(jpeg.mean.b, 8);
}

TEST_P(FrameCapturerColorTest, BlueComesBackBlue) {
  const DecodedJpeg jpeg = CaptureColor("blue");
  EXPECT_LE(jpeg.mean.r, 8);
  EXPECT_LE(jpeg.mean.g, 8);
  EXPECT_GE(jpeg.mean.b, 246);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, FrameCapturerColorTest,
    ::testing::Values(ColorCase{"H264_yuv420p", VideoCodec::kH264, "yuv420p"},
                      ColorCase{"H264_yuv420p_scaled", VideoCodec::kH264, "yuv420p", 320},
                      ColorCase{"H264_yuvj420p_full_range", VideoCodec::kH264, "yuvj420p"},
                      ColorCase{"H264_yuvj420p_scaled", VideoCodec::kH264, "yuvj420p", 320},
                      ColorCase{"H264_yuv422p", VideoCodec::kH264, "yuv422p"},
                      ColorCase{"H264_yuv444p", VideoCodec::kH264, "yuv444p"},
                      ColorCase{"H264_yuv420p10le", VideoCodec::kH264, "yuv420p10le"},
                      ColorCase{"H264_yuv422p10le", VideoCodec::kH264, "yuv422p10le"},
                      ColorCase{"Hevc_yuv420p", VideoCodec::kHevc, "yuv420p"},
                      ColorCase{"Hevc_yuv420p10le", VideoCodec::kHevc, "yuv420p10le"},
                      ColorCase{"Hevc_yuv444p", VideoCodec::kHevc, "yuv444p"}),
    [](const ::testing::TestParamInfo<ColorCase>& info) { return info.param.name; });

TEST_F(FrameCapturerTest, ChromaSubsamplingOfTheSourceIsKept) {
  struct Case {
    std::string pix_fmt;
    int subsampling;
  };
  for (const Case& c : {Case{"yuv420p", TJSAMP_420}, Case{"yuv422p", TJSAMP_422},
                        Case{"yuv444p", TJSAMP_444}, Case{"yuv422p10le", TJSAMP_422}}) {
    SCOPED_TRACE(c.pix_fmt);
    KeyframeSpec spec;
    spec.pix_fmt = c.pix_fmt;
    const EncodedKeyframe clip = Encode(spec);
    absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, clip.keyframe);
    ASSERT_TRUE(image.ok()) << image.status();
    std::optional<DecodedJpeg> jpeg = DecodeJpeg(image->jpeg);
    ASSERT_TRUE(jpeg.has_value());
    EXPECT_EQ(jpeg->subsampling, c.subsampling);
  }
}

// ---------------------------------------------------------------------------
// Output size.

TEST_F(FrameCapturerTest, OnlyAWidthKeepsTheAspectRatio) {
  KeyframeSpec spec;
  spec.width = 1280;
  spec.height = 720;
  const EncodedKeyframe clip = Encode(spec);
  struct Case {
    int width, height, want_width, want_height;
  };
  for (const Case& c : {Case{320, 0, 320, 180}, Case{0, 240, 426, 240}, Case{1920, 0, 1920, 1080},
                        Case{200, 200, 200, 200}, Case{333, 0, 332, 186}}) {
    SCOPED_TRACE(std::to_string(c.width) + "x" + std::to_string(c.height));
    absl::StatusOr<CapturedImage> image =
        capturer_->Capture(clip.config, clip.keyframe, {.width = c.width, .height = c.height});
    ASSERT_TRUE(image.ok()) << image.status();
    EXPECT_EQ(image->width, c.want_width);
    EXPECT_EQ(image->height, c.want_height);
    std::optional<DecodedJpeg> probe = DecodeJpeg(image->jpeg);
    ASSERT_TRUE(probe.has_value());
    EXPECT_EQ(probe->width, c.want_width);
    EXPECT_EQ(probe->height, c.want_height);
  }
}

TEST_F(FrameCapturerTest, ScalingAnOddSourceGivesEvenDimensions) {
  KeyframeSpec spec;
  spec.width = 854;
  spec.height = 480;
  spec.pix_fmt = "yuv444p";
  const EncodedKeyframe clip = Encode(spec);
  absl::StatusOr<CapturedImage> image =
      capturer_->Capture(clip.config, clip.keyframe, {.width = 320});
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->width, 320);
  EXPECT_EQ(image->height, 180);  // 179.86 to the nearest even
}

TEST_F(FrameCapturerTest, OptionsOutOfRangeAreRefused) {
  const EncodedKeyframe clip = Encode(KeyframeSpec{});
  for (const CaptureOptions& options :
       {CaptureOptions{.quality = 0}, CaptureOptions{.quality = 101}, CaptureOptions{.width = -2},
        CaptureOptions{.height = -1}, CaptureOptions{.width = 100000}}) {
    absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, clip.keyframe, options);
    EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument) << image.status();
  }
}

// ---------------------------------------------------------------------------
// Damage: an error, never an image.

TEST_F(FrameCapturerTest, FlippedSliceBytesInAnH264KeyframeGiveAnError) {
  // ultrafast writes CAVLC slices, veryfast CABAC ones.
  for (const std::string preset : {"ultrafast", "veryfast"}) {
    KeyframeSpec spec;
    spec.preset = preset;
    spec.width = 1280;
    spec.height = 720;
    const EncodedKeyframe clip = Encode(spec);
    for (double start : {0.05, 0.3, 0.6}) {
      for (size_t stride : {16u, 97u}) {
        SCOPED_TRACE(preset + " from " + std::to_string(start) + " every " +
                     std::to_string(stride));
        const std::vector<uint8_t> damaged =
            FlipSliceBytes(clip.config, clip.keyframe, start, stride);
        ASSERT_NE(damaged, clip.keyframe);
        absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, damaged);
        EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss) << image.status();
      }
    }
    // The intact keyframe still decodes afterwards, with the same capturer.
    absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, clip.keyframe);
    EXPECT_TRUE(image.ok()) << image.status();
  }
}

TEST_F(FrameCapturerTest, FlippedSliceBytesInAnHevcKeyframeGiveAnError) {
  KeyframeSpec spec;
  spec.codec = VideoCodec::kHevc;
  spec.width = 1280;
  spec.height = 720;
  const EncodedKeyframe clip = Encode(spec);
  for (double start : {0.05, 0.3, 0.6}) {
    for (size_t stride : {16u, 97u}) {
      SCOPED_TRACE("from " + std::to_string(start) + " every " + std::to_string(stride));
      const std::vector<uint8_t> damaged =
          FlipSliceBytes(clip.config, clip.keyframe, start, stride);
      ASSERT_NE(damaged, clip.keyframe);
      absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, damaged);
      EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss) << image.status();
    }
  }
  absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, clip.keyframe);
  EXPECT_TRUE(image.ok()) << image.status();
}

TEST_F(FrameCapturerTest, TruncatedKeyframeGivesAnError) {
  for (VideoCodec codec : {VideoCodec::kH264, VideoCodec::kHevc}) {
    SCOPED_TRACE(std::string(media::VideoCodecName(codec)));
    KeyframeSpec spec;
    spec.codec = codec;
    const EncodedKeyframe clip = Encode(spec);
    // Cut inside the slice: its length prefix then claims more than there is.
    std::vector<uint8_t> cut(clip.keyframe.begin(), clip.keyframe.end() - clip.keyframe.size() / 3);
    absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, cut);
    EXPECT_FALSE(image.ok());
  }
}

TEST_F(FrameCapturerTest, MidGopFrameGivesNoImage) {
  KeyframeSpec spec;
  spec.frames = 3;
  spec.source = "testsrc2";
  const EncodedKeyframe clip = Encode(spec);
  ASSERT_FALSE(clip.inter_frame.empty());
  absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, clip.inter_frame);
  EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss) << image.status();
}

TEST_F(FrameCapturerTest, MissingParameterSetsGiveAnError) {
  KeyframeSpec h264;
  const EncodedKeyframe avc = Encode(h264);
  KeyframeSpec hevc;
  hevc.codec = VideoCodec::kHevc;
  const EncodedKeyframe hvc = Encode(hevc);

  // The configuration has no SPS at all.
  media::VideoConfig no_sps = WithoutParameterSetsInRecord(avc.config, 7);
  no_sps.sps.clear();
  absl::StatusOr<CapturedImage> image = capturer_->Capture(no_sps, avc.keyframe);
  EXPECT_EQ(image.status().code(), absl::StatusCode::kFailedPrecondition) << image.status();
  EXPECT_THAT(std::string(image.status().message()), ::testing::HasSubstr("SPS"));

  media::VideoConfig no_vps = WithoutParameterSetsInRecord(hvc.config, 32);
  no_vps.vps.clear();
  image = capturer_->Capture(no_vps, hvc.keyframe);
  EXPECT_EQ(image.status().code(), absl::StatusCode::kFailedPrecondition) << image.status();
  EXPECT_THAT(std::string(image.status().message()), ::testing::HasSubstr("VPS"));

  // The record the decoder is configured with lacks them: libavcodec fails.
  for (const auto& [clip, type] :
       {std::pair{&avc, 7}, std::pair{&avc, 8}, std::pair{&hvc, 33}, std::pair{&hvc, 34}}) {
    SCOPED_TRACE("record without NAL type " + std::to_string(type));
    image = capturer_->Capture(WithoutParameterSetsInRecord(clip->config, type), clip->keyframe);
    EXPECT_FALSE(image.ok());
  }

  media::VideoConfig empty_record = avc.config;
  empty_record.record.clear();
  image = capturer_->Capture(empty_record, avc.keyframe);
  EXPECT_EQ(image.status().code(), absl::StatusCode::kFailedPrecondition) << image.status();
}

TEST_F(FrameCapturerTest, MalformedInputIsRefused) {
  const EncodedKeyframe clip = Encode(KeyframeSpec{});
  EXPECT_EQ(capturer_->Capture(clip.config, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  media::VideoConfig unknown = clip.config;
  unknown.codec = VideoCodec::kUnknown;
  EXPECT_EQ(capturer_->Capture(unknown, clip.keyframe).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // A length prefix running past the end.
  std::vector<uint8_t> bad = {0, 0, 1, 0, 0x65, 0x88};
  EXPECT_FALSE(capturer_->Capture(clip.config, bad).ok());
}

// ---------------------------------------------------------------------------
// Keyframes of several slices, as live encoders write them: x264's sliced
// threads (-tune zerolatency) and slices=N, CAVLC and CABAC; x265's slices.
// (x265 has no tiles.)

struct SlicedCase {
  std::string name;
  VideoCodec codec;
  std::string preset;
  std::vector<std::string> codec_args;
  int width = 640;
  int height = 360;
};

void PrintTo(const SlicedCase& c, std::ostream* os) { *os << c.name; }

class FrameCapturerSlicesTest : public FrameCapturerTest,
                                public ::testing::WithParamInterface<SlicedCase> {
 protected:
  // A keyframe of `source`, checked to hold more than one slice.
  EncodedKeyframe EncodeSliced(const std::string& source) {
    KeyframeSpec spec;
    spec.codec = GetParam().codec;
    spec.preset = GetParam().preset;
    spec.codec_args = GetParam().codec_args;
    spec.width = GetParam().width;
    spec.height = GetParam().height;
    spec.source = source;
    EncodedKeyframe clip = Encode(spec);
    EXPECT_GE(testing::CountSlices(clip.config, clip.keyframe), 2) << "the encoder wrote one slice";
    return clip;
  }

  // Four horizontal bands, each in more than one slice or across two.
  std::string Bands() const {
    const int w = GetParam().width;
    const int band = GetParam().height / 4;
    std::string graph = "color=c=red:size=" + std::to_string(w) + "x" +
                        std::to_string(GetParam().height) + ":rate=25";
    const char* colors[] = {"lime", "blue", "white"};
    for (int b = 1; b < 4; ++b) {
      graph += ",drawbox=x=0:y=" + std::to_string(b * band) + ":w=" + std::to_string(w) +
               ":h=" + std::to_string(band) + ":color=" + colors[b - 1] + ":t=fill";
    }
    return graph;
  }
};

TEST_P(FrameCapturerSlicesTest, EveryBandComesBackInItsColour) {
  const EncodedKeyframe clip = EncodeSliced(Bands());
  for (int width : {0, 320}) {
    SCOPED_TRACE("output width " + std::to_string(width));
    absl::StatusOr<CapturedImage> image =
        capturer_->Capture(clip.config, clip.keyframe, {.width = width});
    ASSERT_TRUE(image.ok()) << image.status();
    const int band = image->height / 4;
    const int margin = band / 6;  // away from the edges, where chroma and the DCT blend
    std::optional<MeanRgb> bands[4];
    for (int b = 0; b < 4; ++b) {
      bands[b] = MeanRgbOfRows(image->jpeg, b * band + margin, band - 2 * margin);
      ASSERT_TRUE(bands[b].has_value()) << "band " << b;
    }
    EXPECT_GE(bands[0]->r, 246);  // red
    EXPECT_LE(bands[0]->g, 10);
    EXPECT_LE(bands[0]->b, 10);
    EXPECT_LE(bands[1]->r, 10);  // lime
    EXPECT_GE(bands[1]->g, 246);
    EXPECT_LE(bands[1]->b, 10);
    EXPECT_LE(bands[2]->r, 10);  // blue
    EXPECT_LE(bands[2]->g, 10);
    EXPECT_GE(bands[2]->b, 246);
    EXPECT_GE(bands[3]->r, 250);  // white
    EXPECT_GE(bands[3]->g, 250);
    EXPECT_GE(bands[3]->b, 250);
  }
}

TEST_P(FrameCapturerSlicesTest, ABusyPictureDecodesWithTheDecoderKept) {
  const EncodedKeyframe clip = EncodeSliced("testsrc2");
  absl::StatusOr<CapturedImage> first = capturer_->Capture(clip.config, clip.keyframe);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->width, GetParam().width);
  EXPECT_EQ(first->height, GetParam().height);
  std::optional<DecodedJpeg> jpeg = DecodeJpeg(first->jpeg);
  ASSERT_TRUE(jpeg.has_value());
  EXPECT_GT(jpeg->mean_gray, 30);
  EXPECT_LT(jpeg->mean_gray, 225);
  absl::StatusOr<CapturedImage> second = capturer_->Capture(clip.config, clip.keyframe);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->jpeg, first->jpeg);
  EXPECT_EQ(capturer_->decoder_opens(), 1);
}

TEST_P(FrameCapturerSlicesTest, FlippedSliceBytesGiveAnError) {
  const EncodedKeyframe clip = EncodeSliced("testsrc2");
  for (double start : {0.05, 0.3, 0.6}) {
    for (size_t stride : {16u, 97u}) {
      SCOPED_TRACE("from " + std::to_string(start) + " every " + std::to_string(stride));
      const std::vector<uint8_t> damaged =
          FlipSliceBytes(clip.config, clip.keyframe, start, stride);
      ASSERT_NE(damaged, clip.keyframe);
      absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, damaged);
      EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss) << image.status();
    }
  }
  absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, clip.keyframe);
  EXPECT_TRUE(image.ok()) << image.status();
}

TEST_P(FrameCapturerSlicesTest, AMissingSliceGivesAnError) {
  const EncodedKeyframe clip = EncodeSliced("testsrc2");
  const int slices = testing::CountSlices(clip.config, clip.keyframe);
  for (int index = 0; index < slices; ++index) {
    SCOPED_TRACE("without slice " + std::to_string(index) + " of " + std::to_string(slices));
    const std::vector<uint8_t> damaged = testing::WithoutSlice(clip.config, clip.keyframe, index);
    ASSERT_EQ(testing::CountSlices(clip.config, damaged), slices - 1);
    absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, damaged);
    EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss) << image.status();
  }
  absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, clip.keyframe);
  EXPECT_TRUE(image.ok()) << image.status();
}

TEST_P(FrameCapturerSlicesTest, ASliceCutShortGivesAnError) {
  const EncodedKeyframe clip = EncodeSliced("testsrc2");
  const int slices = testing::CountSlices(clip.config, clip.keyframe);
  for (int index = 0; index < slices; ++index) {
    for (double fraction : {0.3, 0.8}) {
      SCOPED_TRACE("slice " + std::to_string(index) + " cut to " + std::to_string(fraction));
      const std::vector<uint8_t> damaged =
          testing::WithSliceCut(clip.config, clip.keyframe, index, fraction);
      ASSERT_LT(damaged.size(), clip.keyframe.size());
      absl::StatusOr<CapturedImage> image = capturer_->Capture(clip.config, damaged);
      EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss) << image.status();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Encoders, FrameCapturerSlicesTest,
    ::testing::Values(
        SlicedCase{
            "H264_4_slices_CAVLC", VideoCodec::kH264, "ultrafast", {"-x264-params", "slices=4"}},
        SlicedCase{
            "H264_4_slices_CABAC", VideoCodec::kH264, "veryfast", {"-x264-params", "slices=4"}},
        // Sliced threads write one slice per thread: four, whatever the machine.
        SlicedCase{"H264_zerolatency_720p",
                   VideoCodec::kH264,
                   "veryfast",
                   {"-tune", "zerolatency", "-threads", "4"},
                   1280,
                   720},
        SlicedCase{"Hevc_4_slices",
                   VideoCodec::kHevc,
                   "ultrafast",
                   {"-x265-params", "log-level=error:slices=4"}}),
    [](const ::testing::TestParamInfo<SlicedCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// Sources tagged BT.709 or BT.2020 (most HD encoders tag BT.709): JPEG's
// YCbCr is BT.601's, so pure colours come back pure only when converted.
// Without the conversion BT.709 red shows as (233, 0, 2), green as
// (20, 255, 9), blue as (3, 0, 244).

struct MatrixCase {
  std::string name;
  VideoCodec codec;
  std::string pix_fmt;
  int width = 0;                     // requested output width; 0 = source size
  std::string matrix = "bt709";      // scale filter's name
  std::string colorspace = "bt709";  // the tag
};

void PrintTo(const MatrixCase& c, std::ostream* os) { *os << c.name; }

class FrameCapturerMatrixTest : public FrameCapturerTest,
                                public ::testing::WithParamInterface<MatrixCase> {
 protected:
  // `color` made RGB, then YCbCr with the case's matrix, and tagged with it.
  MeanRgb CaptureColor(const std::string& color) {
    const MatrixCase& c = GetParam();
    KeyframeSpec spec;
    spec.codec = c.codec;
    spec.pix_fmt = c.pix_fmt;
    spec.source = "color=c=" + color +
                  ":size=640x360:rate=25,format=gbrp,scale=out_color_matrix=" + c.matrix +
                  ":out_range=tv,format=" + c.pix_fmt;
    spec.codec_args = {"-colorspace", c.colorspace, "-color_primaries", c.matrix};
    const EncodedKeyframe clip = Encode(spec);
    absl::StatusOr<CapturedImage> image =
        capturer_->Capture(clip.config, clip.keyframe, {.width = c.width});
    EXPECT_TRUE(image.ok()) << image.status();
    if (!image.ok()) return {};
    std::optional<DecodedJpeg> jpeg = DecodeJpeg(image->jpeg);
    EXPECT_TRUE(jpeg.has_value());
    return jpeg.has_value() ? jpeg->mean : MeanRgb{};
  }
};

TEST_P(FrameCapturerMatrixTest, RedComesBackRed) {
  const MeanRgb rgb = CaptureColor("red");
  EXPECT_GE(rgb.r, 247);
  EXPECT_LE(rgb.g, 8);
  EXPECT_LE(rgb.b, 8);
}

TEST_P(FrameCapturerMatrixTest, GreenComesBackGreen) {
  const MeanRgb rgb = CaptureColor("lime");
  EXPECT_LE(rgb.r, 8);
  EXPECT_GE(rgb.g, 247);
  EXPECT_LE(rgb.b, 8);
}

TEST_P(FrameCapturerMatrixTest, BlueComesBackBlue) {
  const MeanRgb rgb = CaptureColor("blue");
  EXPECT_LE(rgb.r, 8);
  EXPECT_LE(rgb.g, 8);
  EXPECT_GE(rgb.b, 247);
}

TEST_P(FrameCapturerMatrixTest, GreyStaysGrey) {
  const MeanRgb white = CaptureColor("white");
  EXPECT_GE(std::min({white.r, white.g, white.b}), 252);
  const MeanRgb black = CaptureColor("black");
  EXPECT_LE(std::max({black.r, black.g, black.b}), 3);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, FrameCapturerMatrixTest,
    ::testing::Values(MatrixCase{"H264_yuv420p", VideoCodec::kH264, "yuv420p"},
                      MatrixCase{"H264_yuv420p_scaled", VideoCodec::kH264, "yuv420p", 320},
                      MatrixCase{"H264_yuv422p", VideoCodec::kH264, "yuv422p"},
                      MatrixCase{"H264_yuv444p", VideoCodec::kH264, "yuv444p"},
                      MatrixCase{"H264_yuv420p10le", VideoCodec::kH264, "yuv420p10le"},
                      MatrixCase{"Hevc_yuv420p", VideoCodec::kHevc, "yuv420p"},
                      MatrixCase{"H264_yuv420p_bt2020", VideoCodec::kH264, "yuv420p", 0, "bt2020",
                                 "bt2020nc"}),
    [](const ::testing::TestParamInfo<MatrixCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// Decoder reuse.

TEST_F(FrameCapturerTest, DecoderIsKeptForTheSameConfigurationOnly) {
  KeyframeSpec first_spec;
  const EncodedKeyframe first = Encode(first_spec);
  KeyframeSpec second_spec;
  second_spec.width = 320;
  second_spec.height = 240;
  livesnap::testing::TempDir other_dir;
  absl::StatusOr<EncodedKeyframe> second = EncodeKeyframe(other_dir.path(), second_spec);
  ASSERT_TRUE(second.ok()) << second.status();

  absl::StatusOr<CapturedImage> a1 = capturer_->Capture(first.config, first.keyframe);
  absl::StatusOr<CapturedImage> a2 = capturer_->Capture(first.config, first.keyframe);
  ASSERT_TRUE(a1.ok() && a2.ok());
  EXPECT_EQ(capturer_->decoder_opens(), 1);
  EXPECT_EQ(a1->jpeg, a2->jpeg);

  absl::StatusOr<CapturedImage> b = capturer_->Capture(second->config, second->keyframe);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->width, 320);
  EXPECT_EQ(capturer_->decoder_opens(), 2);

  absl::StatusOr<CapturedImage> a3 = capturer_->Capture(first.config, first.keyframe);
  ASSERT_TRUE(a3.ok()) << a3.status();
  EXPECT_EQ(a3->jpeg, a1->jpeg);
  EXPECT_EQ(capturer_->decoder_opens(), 3);

  // A failed decode discards the decoder.
  const std::vector<uint8_t> damaged = FlipSliceBytes(first.config, first.keyframe, 0.05, 16);
  EXPECT_FALSE(capturer_->Capture(first.config, damaged).ok());
  absl::StatusOr<CapturedImage> a4 = capturer_->Capture(first.config, first.keyframe);
  ASSERT_TRUE(a4.ok()) << a4.status();
  EXPECT_EQ(a4->jpeg, a1->jpeg);
  EXPECT_EQ(capturer_->decoder_opens(), 4);
}

}  // namespace
}  // namespace livesnap::snapshot
