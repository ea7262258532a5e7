#include "notify/retry_policy.h"

namespace livesnap::notify {

AttemptOutcome ClassifyAttempt(const absl::StatusOr<int>& result) {
  if (!result.ok()) {
    switch (result.status().code()) {
      case absl::StatusCode::kDeadlineExceeded:
      case absl::StatusCode::kUnavailable:
      case absl::StatusCode::kCancelled:
        return AttemptOutcome::kRetry;
      default:
        return AttemptOutcome::kFailed;
    }
  }
  const int http_status = *result;
  if (http_status >= 200 && http_status < 300) return AttemptOutcome::kDelivered;
  if (http_status >= 500 || http_status == 429) return AttemptOutcome::kRetry;
  return AttemptOutcome::kFailed;
}

}  // namespace livesnap::notify
