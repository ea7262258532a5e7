// Snapshots of pushes from encoders set up the way live encoders often are:
// x264 with sliced threads (-tune zerolatency, the low-latency setting of
// OBS and others) or a fixed number of slices, and colour tagged BT.709
// (most HD encoders). A real ffmpeg push into livesnapd; the stored JPEGs
// are decoded back and the colour of each band of the picture checked.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "snapshot/testing/test_jpeg.h"
#include "snapshot/testing/test_keyframes.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using snapshot::testing::MeanRgb;
using testing::LivesnapdProcess;
using testing::Subprocess;

constexpr int kWidth = 1280;
constexpr int kHeight = 720;
constexpr const char* kBands[] = {"red", "lime", "blue", "white"};

// Four horizontal bands of pure colour, made RGB and turned into YCbCr with
// `matrix` (what a camera-fed encoder does).
std::string BandsGraph(const std::string& matrix) {
  std::string graph;
  std::string inputs;
  for (int b = 0; b < 4; ++b) {
    const std::string label = "[b" + std::to_string(b) + "]";
    graph += std::string("color=c=") + kBands[b] + ":s=" + std::to_string(kWidth) + "x" +
             std::to_string(kHeight / 4) + ":r=25" + label + ";";
    inputs += label;
  }
  return graph + inputs + "vstack=inputs=4,format=gbrp,scale=out_color_matrix=" + matrix +
         ":out_range=tv,format=yuv420p[out0]";
}

struct EncoderCase {
  std::string name;
  std::vector<std::string> video_args;
  std::string matrix = "bt601";
};

void PrintTo(const EncoderCase& c, std::ostream* os) { *os << c.name; }

class SnapshotEncodersTest : public ::testing::TestWithParam<EncoderCase> {
 protected:
  void SetUp() override {
    const fs::path config = dir_ / "livesnap.toml";
    std::ofstream out(config);
    out << "[server]\nlog_level = \"debug\"\n"
        << "[[storage]]\nname = \"shots\"\nregion = \"cn-shanghai\"\nroot = \"" << shots_.string()
        << "\"\n"
        << "[[domain]]\nname = \"push.example.com\"\nregion = \"cn-shanghai\"\n"
        << "[[template]]\ndomain = \"push.example.com\"\napp = \"*\"\ninterval = 5\n"
        << "bucket = \"shots\"\noverwrite = \"{AppName}/{StreamName}.jpg\"\n"
        << "sequence = \"{AppName}/{StreamName}/{Sequence}.jpg\"\n";
    out.close();
    server_ = std::make_unique<LivesnapdProcess>(dir_.path(),
                                                 std::vector<std::string>{"-c", config.string()});
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }

  std::string Url(const std::string& stream) const {
    return server_->RtmpUrl("live", stream, "push.example.com");
  }

  // Every band of a stored JPEG in its colour.
  void ExpectBands(const fs::path& jpeg_path) {
    SCOPED_TRACE(jpeg_path.string());
    const std::string bytes = testing::ReadFile(jpeg_path);
    const std::span<const uint8_t> jpeg(reinterpret_cast<const uint8_t*>(bytes.data()),
                                        bytes.size());
    std::optional<snapshot::testing::DecodedJpeg> picture = snapshot::testing::DecodeJpeg(jpeg);
    ASSERT_TRUE(picture.has_value());
    EXPECT_EQ(picture->width, kWidth);
    EXPECT_EQ(picture->height, kHeight);
    const int band = kHeight / 4;
    MeanRgb rgb[4];
    for (int b = 0; b < 4; ++b) {
      std::optional<MeanRgb> mean =
          snapshot::testing::MeanRgbOfRows(jpeg, b * band + band / 6, band - band / 3);
      ASSERT_TRUE(mean.has_value());
      rgb[b] = *mean;
    }
    EXPECT_GE(rgb[0].r, 246) << kBands[0];
    EXPECT_LE(rgb[0].g, 10) << kBands[0];
    EXPECT_LE(rgb[0].b, 10) << kBands[0];
    EXPECT_LE(rgb[1].r, 10) << kBands[1];
    EXPECT_GE(rgb[1].g, 246) << kBands[1];
    EXPECT_LE(rgb[1].b, 10) << kBands[1];
    EXPECT_LE(rgb[2].r, 10) << kBands[2];
    EXPECT_LE(rgb[2].g, 10) << kBands[2];
    EXPECT_GE(rgb[2].b, 246) << kBands[2];
    EXPECT_GE(rgb[3].r, 250) << kBands[3];
    EXPECT_GE(rgb[3].g, 250) << kBands[3];
    EXPECT_GE(rgb[3].b, 250) << kBands[3];
  }

  testing::TempDir dir_;
  fs::path shots_ = dir_ / "shots";
  std::unique_ptr<LivesnapdProcess> server_;
};

TEST_P(SnapshotEncodersTest, PushIsStoredAsCorrectJpegs) {
  testing::ClipSpec spec;
  spec.seconds = 3;
  spec.width = kWidth;
  spec.height = kHeight;
  spec.gop_frames = 25;
  spec.video_source = BandsGraph(GetParam().matrix);
  spec.video_args = GetParam().video_args;
  const fs::path clip = testing::MakeFlvClip(dir_.path(), "clip", spec);
  absl::StatusOr<snapshot::testing::EncodedKeyframe> keyframe =
      snapshot::testing::ReadFlvKeyframe(clip);
  ASSERT_TRUE(keyframe.ok()) << keyframe.status();
  ASSERT_GE(snapshot::testing::CountSlices(keyframe->config, keyframe->keyframe), 2)
      << "the encoder wrote one slice per picture";

  Subprocess push(testing::PushCommand(clip, Url("enc"), /*realtime=*/false), dir_ / "push.log");
  ASSERT_EQ(push.Wait(120s), 0) << push.Log();
  // A 3 s push at a 5 s interval: the first keyframe, as the overwrite
  // object and sequence object 0.
  const fs::path overwrite = shots_ / "live" / "enc.jpg";
  const fs::path first = shots_ / "live" / "enc" / "0.jpg";
  ASSERT_TRUE(testing::WaitFor([&] { return fs::exists(overwrite) && fs::exists(first); }, 30s))
      << server_->Log();
  ExpectBands(first);
  ExpectBands(overwrite);
  EXPECT_EQ(server_->Log().find("decoded with errors"), std::string::npos) << server_->Log();
}

INSTANTIATE_TEST_SUITE_P(
    Encoders, SnapshotEncodersTest,
    ::testing::Values(
        // Sliced threads write one slice per thread: four, whatever the machine.
        EncoderCase{"ZerolatencySlicedThreads", {"-tune", "zerolatency", "-threads", "4"}},
        EncoderCase{"FourSlicesCabac", {"-preset", "veryfast", "-x264-params", "slices=4"}},
        EncoderCase{"FourSlicesBt709",
                    {"-x264-params", "slices=4", "-colorspace", "bt709", "-color_primaries",
                     "bt709", "-color_trc", "bt709"},
                    "bt709"}),
    [](const ::testing::TestParamInfo<EncoderCase>& info) { return info.param.name; });

}  // namespace
}  // namespace livesnap
