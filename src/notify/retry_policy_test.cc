#include "notify/retry_policy.h"

#include "gtest/gtest.h"

namespace livesnap::notify {
namespace {

TEST(ClassifyAttemptTest, TwoHundredsAreDelivered) {
  for (int status : {200, 201, 204, 299}) {
    EXPECT_EQ(ClassifyAttempt(status), AttemptOutcome::kDelivered) << status;
  }
}

TEST(ClassifyAttemptTest, ServerErrorsThrottlingAndTransportErrorsAreRetried) {
  for (int status : {500, 502, 503, 504, 599, 429}) {
    EXPECT_EQ(ClassifyAttempt(status), AttemptOutcome::kRetry) << status;
  }
  EXPECT_EQ(ClassifyAttempt(absl::DeadlineExceededError("timeout")), AttemptOutcome::kRetry);
  EXPECT_EQ(ClassifyAttempt(absl::UnavailableError("refused")), AttemptOutcome::kRetry);
}

TEST(ClassifyAttemptTest, OtherAnswersAndBadRequestsFail) {
  for (int status : {100, 301, 302, 400, 401, 403, 404, 408, 413}) {
    EXPECT_EQ(ClassifyAttempt(status), AttemptOutcome::kFailed) << status;
  }
  EXPECT_EQ(ClassifyAttempt(absl::InvalidArgumentError("bad url")), AttemptOutcome::kFailed);
  EXPECT_EQ(ClassifyAttempt(absl::FailedPreconditionError("tls")), AttemptOutcome::kFailed);
}

TEST(CallbackBackoffTest, DoublesFromTheInitialBackoffUpToThirtySeconds) {
  EXPECT_EQ(BackoffMs(CallbackBackoff(1000), 1, 1.0), 1000);
  EXPECT_EQ(BackoffMs(CallbackBackoff(1000), 5, 1.0), 16000);
  EXPECT_EQ(BackoffMs(CallbackBackoff(1000), 60, 1.0), kMaxBackoffMs);
  EXPECT_EQ(BackoffMs(CallbackBackoff(100'000), 1, 1.0), kMaxBackoffMs);
  EXPECT_EQ(BackoffMs(CallbackBackoff(0), 4, 1.0), 0);
}

}  // namespace
}  // namespace livesnap::notify
