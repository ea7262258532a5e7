#include "snapshot/scheduler.h"

#include <gtest/gtest.h>

#include <vector>

namespace livesnap::snapshot {
namespace {

// Feeds `seconds` of 25 fps video with a keyframe every `gop_ms`, starting at
// `start_ms`, and returns the media times of the captured keyframes.
std::vector<int64_t> Feed(SnapshotScheduler& s, int64_t start_ms, int64_t duration_ms,
                          int64_t gop_ms) {
  std::vector<int64_t> captured;
  for (int64_t t = 0; t < duration_ms; t += 40) {
    const bool keyframe = t % gop_ms == 0;
    if (s.OnFrame(start_ms + t, keyframe)) captured.push_back(start_ms + t);
  }
  return captured;
}

TEST(SchedulerTest, Gop2sInterval5sTakesTheFirstKeyframeAtOrAfterEachDueTime) {
  SnapshotScheduler s(5000);
  EXPECT_EQ(Feed(s, 0, 60'000, 2000),
            (std::vector<int64_t>{0, 6000, 10000, 16000, 20000, 26000, 30000, 36000, 40000, 46000,
                                  50000, 56000}));
}

TEST(SchedulerTest, GopLongerThanTheIntervalCollapsesDueTimes) {
  SnapshotScheduler s(5000);
  EXPECT_EQ(Feed(s, 0, 60'000, 10'000),
            (std::vector<int64_t>{0, 10000, 20000, 30000, 40000, 50000}));
}

TEST(SchedulerTest, Gop1sInterval5sIsExact) {
  SnapshotScheduler s(5000);
  EXPECT_EQ(Feed(s, 0, 20'000, 1000), (std::vector<int64_t>{0, 5000, 10000, 15000}));
}

TEST(SchedulerTest, FirstSnapshotIsTheFirstKeyframeNotTheFirstFrame) {
  SnapshotScheduler s(5000);
  EXPECT_FALSE(s.OnFrame(0, false));
  EXPECT_FALSE(s.OnFrame(40, false));
  EXPECT_TRUE(s.OnFrame(80, true));
  EXPECT_FALSE(s.OnFrame(5000, true));
  EXPECT_TRUE(s.OnFrame(5080, true));
}

TEST(SchedulerTest, TimestampsNotStartingAtZeroAnchorAtTheFirstKeyframe) {
  SnapshotScheduler s(5000);
  EXPECT_EQ(Feed(s, 1'000'000, 12'000, 2000),
            (std::vector<int64_t>{1'000'000, 1'006'000, 1'010'000}));
}

TEST(SchedulerTest, BackwardJumpReanchorsWithoutABurst) {
  SnapshotScheduler s(5000);
  EXPECT_EQ(Feed(s, 3'600'000, 10'000, 2000), (std::vector<int64_t>{3'600'000, 3'606'000}));
  // Encoder restarts at 0: one snapshot at the new anchor, then every 5 s.
  EXPECT_EQ(Feed(s, 0, 12'000, 2000), (std::vector<int64_t>{0, 6000, 10000}));
  EXPECT_EQ(s.reanchors(), 1);
}

TEST(SchedulerTest, ForwardJumpReanchorsWithoutABurst) {
  SnapshotScheduler s(5000);
  Feed(s, 0, 10'000, 2000);
  // A 10-minute gap: exactly one snapshot at the first keyframe after it.
  EXPECT_EQ(Feed(s, 600'000, 6'000, 2000), (std::vector<int64_t>{600'000}));
  EXPECT_EQ(s.reanchors(), 1);
}

TEST(SchedulerTest, SmallBackStepsAreNotJumps) {
  SnapshotScheduler s(5000);
  EXPECT_TRUE(s.OnFrame(0, true));
  EXPECT_FALSE(s.OnFrame(960, false));
  EXPECT_FALSE(s.OnFrame(920, false));  // B-frame-like reorder in dts
  EXPECT_EQ(s.reanchors(), 0);
}

TEST(SchedulerTest, FailedCaptureMakesTheNextKeyframeDue) {
  SnapshotScheduler s(5000);
  EXPECT_TRUE(s.OnFrame(0, true));
  s.OnCaptureFailed(0);
  EXPECT_FALSE(s.OnFrame(40, false));
  EXPECT_TRUE(s.OnFrame(2000, true));  // tried again at once
  EXPECT_FALSE(s.OnFrame(4000, true));
  EXPECT_TRUE(s.OnFrame(6000, true));  // the schedule keeps its anchor
}

TEST(SchedulerTest, StaleFailureReportIsIgnored) {
  SnapshotScheduler s(5000);
  EXPECT_TRUE(s.OnFrame(0, true));
  EXPECT_TRUE(s.OnFrame(6000, true));
  s.OnCaptureFailed(0);  // reported after a later capture was scheduled
  EXPECT_FALSE(s.OnFrame(8000, true));
}

}  // namespace
}  // namespace livesnap::snapshot
