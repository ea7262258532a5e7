// File: storage/retry_policy.h
//
// Which store failures are worth another attempt, and how long to wait
// before it:
//
//   if (IsRetryable(status)) due_ms = now_ms + BackoffMs(policy, failures, unit(random));
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "absl/status/status.h"

namespace livesnap::storage {

struct RetryPolicy {
  int64_t initial_backoff_ms = 500;  // the wait after the first failure
  int64_t max_backoff_ms = 30'000;   // the longest wait, however many failures
};

// Unavailable (a store that is down, slow or overloaded: ObjectStore's
// transient code) and DeadlineExceeded. Any other code is a permanent refusal.
bool IsRetryable(const absl::Status& status);

// The wait after `failures` consecutive failures (1 for the first):
// initial_backoff_ms doubled for each earlier failure, capped at
// max_backoff_ms, then scaled into [half, all] of that by `unit_random` in
// [0, 1), so that uploads that failed together are not retried together.
int64_t BackoffMs(const RetryPolicy& policy, int failures, double unit_random);

}  // namespace livesnap::storage
