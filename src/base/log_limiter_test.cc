#include "base/log_limiter.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace livesnap {
namespace {

TEST(LogLimiterTest, AtMostNLinesAMinutePerReasonThenSaysHowManyWereDropped) {
  FakeClock clock;
  LogLimiter limiter(clock, 3);
  uint64_t dropped = 99;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.Allow("a", dropped));
    EXPECT_EQ(dropped, 0u);
  }
  EXPECT_FALSE(limiter.Allow("a", dropped));
  EXPECT_FALSE(limiter.Allow("a", dropped));
  EXPECT_TRUE(limiter.Allow("b", dropped));  // its own budget
  clock.AdvanceMs(60'000);
  EXPECT_TRUE(limiter.Allow("a", dropped));
  EXPECT_EQ(dropped, 2u);
}

}  // namespace
}  // namespace livesnap
