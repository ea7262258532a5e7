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

TEST(BackoffMsTest, DoublesEachRetryWithoutJitter) {
  EXPECT_EQ(BackoffMs(1, 1000, 0.999999), 999);
  EXPECT_EQ(BackoffMs(1, 1000, 1.0), 1000);
  EXPECT_EQ(BackoffMs(2, 1000, 1.0), 2000);
  EXPECT_EQ(BackoffMs(3, 1000, 1.0), 4000);
  EXPECT_EQ(BackoffMs(5, 1000, 1.0), 16000);
}

TEST(BackoffMsTest, JitterKeepsAtLeastHalf) {
  EXPECT_EQ(BackoffMs(1, 1000, 0.0), 500);
  EXPECT_EQ(BackoffMs(3, 1000, 0.5), 3000);
}

TEST(BackoffMsTest, IsCappedAtThirtySeconds) {
  EXPECT_EQ(BackoffMs(6, 1000, 1.0), kMaxBackoffMs);
  EXPECT_EQ(BackoffMs(60, 1000, 1.0), kMaxBackoffMs);
  EXPECT_EQ(BackoffMs(1, 100'000, 1.0), kMaxBackoffMs);
  EXPECT_EQ(BackoffMs(1000, 1000, 0.0), kMaxBackoffMs / 2);
}

TEST(BackoffMsTest, ZeroInitialBackoffRetriesAtOnce) { EXPECT_EQ(BackoffMs(4, 0, 1.0), 0); }

}  // namespace
}  // namespace livesnap::notify
