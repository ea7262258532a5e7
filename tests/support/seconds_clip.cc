#include "tests/support/seconds_clip.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "snapshot/testing/test_jpeg.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/subprocess.h"
#include "tests/support/wait_for.h"

namespace livesnap::testing {

std::filesystem::path MakeSecondsClip(const std::filesystem::path& dir, const std::string& name,
                                      int seconds, int gop_s, bool noise) {
  ClipSpec spec;
  spec.seconds = seconds;
  spec.fps = 25;
  spec.gop_frames = gop_s * 25;
  spec.audio = true;
  spec.video_source =
      "color=c=black:s=320x180:r=25,format=yuv420p,geq=lum='16+3*floor(T)':cb=128:cr=128" +
      std::string(noise ? ",noise=alls=12:allf=t" : "");
  return MakeFlvClip(dir, name, spec);
}

int SecondShown(const std::string& jpeg) {
  std::optional<snapshot::testing::DecodedJpeg> decoded = snapshot::testing::DecodeJpeg(jpeg);
  if (!decoded) return -1;
  // Full-range grey back to the clip's limited-range code, then to seconds.
  return static_cast<int>(std::lround(decoded->mean_gray * 219.0 / 255.0 / 3.0));
}

std::map<int, int> SecondsBySequence(const std::filesystem::path& dir) {
  std::map<int, int> seconds;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() != ".jpg" || stem.empty() ||
        stem.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    seconds[std::stoi(stem)] = SecondShown(ReadFile(entry.path()));
  }
  return seconds;
}

void ExpectSecondsZeroSixTen(const std::filesystem::path& dir,
                             const std::function<std::string()>& log) {
  ASSERT_TRUE(WaitFor([&] { return SecondsBySequence(dir).size() >= 3; }, std::chrono::seconds(30)))
      << log();
  EXPECT_EQ(SecondsBySequence(dir), (std::map<int, int>{{0, 0}, {1, 6}, {2, 10}})) << log();
}

}  // namespace livesnap::testing
