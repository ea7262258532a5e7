#include "base/backoff.h"

#include <gtest/gtest.h>

namespace livesnap {
namespace {

TEST(BackoffMsTest, DoublesEachFailureUpToTheCap) {
  const BackoffPolicy policy{.initial_backoff_ms = 500, .max_backoff_ms = 30'000};
  // unit_random just under 1 gives (almost) the full delay.
  EXPECT_EQ(BackoffMs(policy, 1, 0.999999), 499);
  EXPECT_EQ(BackoffMs(policy, 1, 1.0), 500);
  EXPECT_EQ(BackoffMs(policy, 2, 1.0), 1000);
  EXPECT_EQ(BackoffMs(policy, 3, 1.0), 2000);
  EXPECT_EQ(BackoffMs(policy, 7, 1.0), 30'000);
  EXPECT_EQ(BackoffMs(policy, 1000, 1.0), 30'000);
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 100'000, .max_backoff_ms = 30'000}, 1, 1.0), 30'000);
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 1000, .max_backoff_ms = 30'000}, 1000, 0.0), 15'000);
}

TEST(BackoffMsTest, JitterStaysInTheUpperHalf) {
  const BackoffPolicy policy{.initial_backoff_ms = 1000, .max_backoff_ms = 4000};
  EXPECT_EQ(BackoffMs(policy, 1, 0.0), 500);
  EXPECT_EQ(BackoffMs(policy, 1, 0.5), 750);
  EXPECT_EQ(BackoffMs(policy, 3, 0.0), 2000);
  EXPECT_EQ(BackoffMs(policy, 3, 0.5), 3000);
  for (double unit : {0.0, 0.1, 0.7, 0.999}) {
    const int64_t ms = BackoffMs(policy, 2, unit);
    EXPECT_GE(ms, 1000);
    EXPECT_LE(ms, 2000);
  }
}

TEST(BackoffMsTest, OddPoliciesStayInRange) {
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 0, .max_backoff_ms = 1000}, 5, 1.0), 0);
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 5000, .max_backoff_ms = 1000}, 1, 1.0), 1000);
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 100, .max_backoff_ms = 1000}, 0, 1.0), 100);
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 100, .max_backoff_ms = 1000}, 2, 7.0), 200);
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 100, .max_backoff_ms = -5}, 2, 1.0), 0);
}

}  // namespace
}  // namespace livesnap
