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

TEST(RetryPolicyTest, UploadsBackOffFromHalfASecondToThirtySeconds) {
  const RetryPolicy policy;
  EXPECT_EQ(BackoffMs(policy, 1, 1.0), 500);
  EXPECT_EQ(BackoffMs(policy, 1000, 1.0), 30'000);
}

}  // namespace
}  // namespace livesnap::storage
