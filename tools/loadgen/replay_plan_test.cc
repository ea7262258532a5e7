// ReplayPlan and ReplayCursor: what is sent once and what loops, timestamps
// that run on across loops exactly as within one, and real-time pacing.
#include "tools/loadgen/replay_plan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "rtmp/flv_test_util.h"

namespace livesnap::loadgen {
namespace {

using rtmp::testing::FlvBuilder;

constexpr uint8_t kAudio = 8;
constexpr uint8_t kVideo = 9;
constexpr uint8_t kScript = 18;

// What ffmpeg writes for `seconds` of 30 fps H.264 with a keyframe every
// `gop` frames and 44.1 kHz AAC: onMetaData, both sequence headers at 0,
// then frames with millisecond-rounded timestamps, starting at `first_ms`.
std::vector<uint8_t> Clip(int seconds, int gop, uint32_t first_ms = 0, int extra_sounds = 0) {
  FlvBuilder flv;
  flv.Tag(kScript, 0, {0x02, 0x00, 0x0A, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'});
  flv.Tag(kVideo, first_ms, {0x17, 0x00, 0, 0, 0, 1, 0x64, 0, 0x1F});
  flv.Tag(kAudio, first_ms, {0xAF, 0x00, 0x12, 0x10});
  const int frames = seconds * 30;
  const int sounds = static_cast<int>(seconds * 44100 / 1024);
  const int all_sounds = sounds + extra_sounds;
  int sound = 0;
  for (int i = 0; i < frames; ++i) {
    const auto video_ms = static_cast<uint32_t>(std::lround(i * 1000.0 / 30));
    while (sound < sounds && std::lround(sound * 1024 * 1000.0 / 44100) <= video_ms) {
      flv.Tag(kAudio, first_ms + static_cast<uint32_t>(std::lround(sound * 1024 * 1000.0 / 44100)),
              {0xAF, 0x01, 0x21, static_cast<uint8_t>(sound)});
      ++sound;
    }
    const uint8_t frame_type = i % gop == 0 ? 0x17 : 0x27;
    flv.Tag(kVideo, first_ms + video_ms, {frame_type, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65});
  }
  for (; sound < all_sounds; ++sound) {  // AAC padding past the last frame
    flv.Tag(kAudio, first_ms + static_cast<uint32_t>(std::lround(sound * 1024 * 1000.0 / 44100)),
            {0xAF, 0x01, 0x21, static_cast<uint8_t>(sound)});
  }
  return flv.bytes();
}

ReplayPlan Plan(const std::vector<uint8_t>& bytes) {
  absl::StatusOr<rtmp::FlvFile> file = rtmp::FlvFile::Parse(bytes);
  EXPECT_TRUE(file.ok()) << file.status();
  absl::StatusOr<ReplayPlan> plan = ReplayPlan::Create(*std::move(file));
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *std::move(plan);
}

TEST(ReplayPlanTest, MetadataAndSequenceHeadersGoOnceTheFramesLoop) {
  ReplayPlan plan = Plan(Clip(10, 60));
  ASSERT_EQ(plan.header().size(), 3u);
  EXPECT_EQ(plan.header()[0].type, kScript);
  // The file's onMetaData behind "@setDataFrame", as encoders send it.
  const std::string metadata(plan.header()[0].body.begin(), plan.header()[0].body.end());
  EXPECT_EQ(metadata.substr(0, 16), std::string("\x02\x00\x0D@setDataFrame", 16));
  EXPECT_EQ(metadata.substr(16, 3), std::string("\x02\x00\x0A", 3));
  EXPECT_EQ(plan.header()[1].type, kVideo);
  EXPECT_EQ(plan.header()[1].body[1], 0x00);  // AVC sequence header
  EXPECT_EQ(plan.header()[2].type, kAudio);
  EXPECT_EQ(plan.header()[2].body[1], 0x00);  // AAC sequence header
  for (const ReplayTag& tag : plan.header()) EXPECT_EQ(tag.timestamp_ms, 0u);

  int video = 0;
  for (const ReplayTag& tag : plan.loop()) {
    EXPECT_NE(tag.type, kScript);
    EXPECT_EQ(tag.body[1], 0x01) << "sequence headers never loop";
    video += tag.type == kVideo;
  }
  EXPECT_EQ(video, 300);
  EXPECT_EQ(plan.loop_keyframes(), 5);
  EXPECT_EQ(plan.loop_duration_ms(), 10000);  // 9967 ms + one 33 ms frame
}

TEST(ReplayPlanTest, AudioPaddedPastTheLastFrameIsLeftOutOfTheLoop) {
  ReplayPlan plan = Plan(Clip(10, 60, 0, 3));  // audio up to 10031 ms
  EXPECT_EQ(plan.loop_duration_ms(), 10000);
  for (const ReplayTag& tag : plan.loop()) EXPECT_LT(tag.timestamp_ms, 10000u);
  ReplayPlan unpadded = Plan(Clip(10, 60));
  EXPECT_EQ(plan.loop().size(), unpadded.loop().size() + 1);  // 9984 ms stays
}

TEST(ReplayPlanTest, MediaTimeStartsAtZeroWhateverTheFileStartsAt) {
  ReplayPlan plan = Plan(Clip(2, 30, 1500));
  EXPECT_EQ(plan.loop().front().timestamp_ms, 0u);
  EXPECT_EQ(plan.loop_duration_ms(), 2000);
}

TEST(ReplayPlanTest, TimestampsRunOnAcrossLoopsAsWithinOne) {
  ReplayPlan plan = Plan(Clip(10, 60, 0, 2));
  ReplayCursor cursor(plan);
  std::map<uint8_t, int64_t> last_ms;
  std::vector<int64_t> keyframe_ms;
  const size_t tags = plan.loop().size() * 3 + 10;
  for (size_t i = 0; i < tags; ++i) {
    const ReplayTag& tag = cursor.tag();
    const int64_t ms = cursor.timestamp_ms();
    if (last_ms.count(tag.type)) {
      const int64_t step = ms - last_ms[tag.type];
      // Video frames 33 or 34 ms apart, loop boundaries included. AAC frames
      // do not divide the loop: at the boundary they may come closer or
      // leave a gap, but never go back and never skip a frame's worth.
      if (tag.type == kVideo) {
        EXPECT_TRUE(step == 33 || step == 34) << "video at " << ms << " after " << step;
      } else {
        EXPECT_TRUE(step > 0 && step < 2 * 24) << "audio at " << ms << " after " << step;
      }
    }
    last_ms[tag.type] = ms;
    if (tag.keyframe) keyframe_ms.push_back(ms);
    cursor.Advance();
  }
  EXPECT_EQ(cursor.loop(), 3u);
  ASSERT_EQ(keyframe_ms.size(), 16u);
  for (size_t i = 0; i < keyframe_ms.size(); ++i) {
    EXPECT_EQ(keyframe_ms[i], static_cast<int64_t>(i) * 2000);  // GOP 2 s, loops included
  }
}

TEST(ReplayPlanTest, CursorPacesAtRealTime) {
  ReplayPlan plan = Plan(Clip(10, 60));
  ReplayCursor cursor(plan);
  auto send_due = [&](int64_t elapsed_ms) {
    int video = 0;
    while (cursor.DueBy(elapsed_ms)) {
      video += cursor.tag().type == kVideo;
      cursor.Advance();
    }
    return video;
  };
  EXPECT_EQ(send_due(0), 1);      // frame 0
  EXPECT_EQ(send_due(1000), 30);  // frames 1..30 (1000 ms)
  EXPECT_FALSE(cursor.DueBy(1000));
  EXPECT_EQ(cursor.LagMs(1000), 0);
  EXPECT_EQ(cursor.LagMs(1250), 1250 - cursor.timestamp_ms());
  EXPECT_EQ(send_due(10999), 299);  // through frame 329, the 30th of the second loop
  EXPECT_EQ(cursor.loop(), 1u);
  EXPECT_EQ(cursor.timestamp_ms(), 11000);
}

TEST(ReplayPlanTest, AFileWithoutFramesIsRefused) {
  FlvBuilder flv;
  flv.Tag(kScript, 0, {0x02, 0x00, 0x01, 'x'}).Tag(kVideo, 0, {0x17, 0x00, 0, 0, 0, 1});
  absl::StatusOr<rtmp::FlvFile> file = rtmp::FlvFile::Parse(flv.bytes());
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(ReplayPlan::Create(*std::move(file)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace livesnap::loadgen
