#include "notify/retry_policy.h"

#include <algorithm>

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

int64_t BackoffMs(int retry, int64_t initial_backoff_ms, double unit_random) {
  int64_t full_ms = std::clamp<int64_t>(initial_backoff_ms, 0, kMaxBackoffMs);
  for (int i = 1; i < retry && full_ms < kMaxBackoffMs; ++i) {
    full_ms = std::min(full_ms * 2, kMaxBackoffMs);
  }
  const double fraction = 0.5 + 0.5 * std::clamp(unit_random, 0.0, 1.0);
  return static_cast<int64_t>(static_cast<double>(full_ms) * fraction);
}

}  // namespace livesnap::notify
