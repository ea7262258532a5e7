// File: storage/retry_policy.h
//
// Which store failures are worth another attempt; the wait before it is
// base/backoff.h's:
//
//   if (IsRetryable(status)) due_ms = now_ms + BackoffMs(policy, failures, unit(random));
//
// Thread-safety: pure functions.
#pragma once

#include "absl/status/status.h"
#include "base/backoff.h"

namespace livesnap::storage {

// The uploads' backoff: 500 ms after the first failure, doubling up to 30 s.
using RetryPolicy = BackoffPolicy;

// Unavailable (a store that is down or overloaded: ObjectStore's transient
// code) and DeadlineExceeded (a store too slow to answer). Any other code is
// a permanent refusal.
bool IsRetryable(const absl::Status& status);

}  // namespace livesnap::storage
