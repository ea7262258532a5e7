#include "storage/retry_policy.h"

#include "gtest/gtest.h"

namespace livesnap::storage {
namespace {

TEST(RetryPolicyTest, TransientCodesAreRetryable) {
  EXPECT_TRUE(IsRetryable(absl::UnavailableError("HTTP 503 SlowDown")));
  EXPECT_TRUE(IsRetryable(absl::DeadlineExceededError("timeout")));
  EXPECT_FALSE(IsRetryable(absl::OkStatus()));
  EXPECT_FALSE(IsRetryable(absl::PermissionDeniedError("HTTP 403")));
  EXPECT_FALSE(IsRetryable(absl::NotFoundError("HTTP 404 NoSuchBucket")));
  EXPECT_FALSE(IsRetryable(absl::InvalidArgumentError("bad key")));
  EXPECT_FALSE(IsRetryable(absl::DataLossError("spool file")));
}

TEST(RetryPolicyTest, BackoffDoublesUpToTheCap) {
  const RetryPolicy policy{.initial_backoff_ms = 500, .max_backoff_ms = 30'000};
  // unit_random just under 1 gives (almost) the full delay.
  EXPECT_EQ(BackoffMs(policy, 1, 1.0), 500);
  EXPECT_EQ(BackoffMs(policy, 2, 1.0), 1000);
  EXPECT_EQ(BackoffMs(policy, 3, 1.0), 2000);
  EXPECT_EQ(BackoffMs(policy, 7, 1.0), 30'000);
  EXPECT_EQ(BackoffMs(policy, 1000, 1.0), 30'000);
}

TEST(RetryPolicyTest, JitterStaysInTheUpperHalf) {
  const RetryPolicy policy{.initial_backoff_ms = 1000, .max_backoff_ms = 4000};
  EXPECT_EQ(BackoffMs(policy, 1, 0.0), 500);
  EXPECT_EQ(BackoffMs(policy, 1, 0.5), 750);
  EXPECT_EQ(BackoffMs(policy, 3, 0.0), 2000);
  for (double unit : {0.0, 0.1, 0.7, 0.999}) {
    const int64_t ms = BackoffMs(policy, 2, unit);
    EXPECT_GE(ms, 1000);
    EXPECT_LE(ms, 2000);
  }
}

TEST(RetryPolicyTest, OddPoliciesStayInRange) {
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 0, .max_backoff_ms = 1000}, 5, 1.0), 0);
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 5000, .max_backoff_ms = 1000}, 1, 1.0), 1000);
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 100, .max_backoff_ms = 1000}, 0, 1.0), 100);
  EXPECT_EQ(BackoffMs({.initial_backoff_ms = 100, .max_backoff_ms = 1000}, 2, 7.0), 200);
}

}  // namespace
}  // namespace livesnap::storage
