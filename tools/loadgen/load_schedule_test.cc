// Stream names, the ramp-up, and stall counting.
#include "tools/loadgen/load_schedule.h"

#include <gtest/gtest.h>

namespace livesnap::loadgen {
namespace {

TEST(StreamNameTest, ReplacesEveryIndexPlaceholder) {
  EXPECT_EQ(StreamName("s{i}", 0), "s0");
  EXPECT_EQ(StreamName("cam{i}_{i}", 42), "cam42_42");
  EXPECT_EQ(StreamName("{i}", 7), "7");
  EXPECT_EQ(StreamName("cam", 3), "cam3");  // names stay distinct without {i}
}

TEST(RampTest, StreamsStartAtTheRampRate) {
  EXPECT_EQ(RampStartMs(0, 50), 0);
  EXPECT_EQ(RampStartMs(10, 50), 200);
  EXPECT_EQ(RampStartMs(999, 100), 9990);
  EXPECT_EQ(RampStartMs(3, 3), 1000);
  EXPECT_EQ(RampStartMs(500, 0), 0);  // all at once
}

TEST(StallTrackerTest, CountsEachEpisodeOnceAndSumsItsTime) {
  StallTracker stalls(500);
  stalls.OnLag(0, 0);
  stalls.OnLag(20, 20);
  stalls.OnLag(40, 500);  // at the threshold: not a stall
  EXPECT_EQ(stalls.stalls(), 0);
  EXPECT_FALSE(stalls.stalled());
  stalls.OnLag(60, 501);
  stalls.OnLag(80, 900);
  stalls.OnLag(100, 1200);
  EXPECT_EQ(stalls.stalls(), 1);
  EXPECT_TRUE(stalls.stalled());
  EXPECT_EQ(stalls.stalled_ms(100), 40);
  stalls.OnLag(120, 10);  // caught up
  EXPECT_FALSE(stalls.stalled());
  EXPECT_EQ(stalls.stalled_ms(1000), 60);
  stalls.OnLag(140, 600);
  EXPECT_EQ(stalls.stalls(), 2);
  EXPECT_EQ(stalls.stalled_ms(200), 120);
  EXPECT_EQ(stalls.max_lag_ms(), 1200);
}

}  // namespace
}  // namespace livesnap::loadgen
