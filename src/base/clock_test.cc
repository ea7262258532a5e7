#include "base/clock.h"

#include <gtest/gtest.h>

namespace livesnap {
namespace {

TEST(ClockTest, FakeClockMovesOnlyWhenAdvanced) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.MonotonicMs(), 0);
  EXPECT_EQ(clock.UnixMs(), 1000);
  clock.AdvanceMs(250);
  EXPECT_EQ(clock.MonotonicMs(), 250);
  EXPECT_EQ(clock.UnixMs(), 1250);
}

TEST(ClockTest, SystemClockIsMonotonicAndNearUnixNow) {
  SystemClock& clock = SystemClock::Instance();
  int64_t a = clock.MonotonicMs();
  int64_t b = clock.MonotonicMs();
  EXPECT_LE(a, b);
  EXPECT_GT(clock.UnixMs(), 1'600'000'000'000);
}

}  // namespace
}  // namespace livesnap
