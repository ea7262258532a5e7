// File: notify/retry_policy.h
//
// When a callback attempt counts as delivered and when it is worth another
// try; the wait before it is base/backoff.h's, capped at kMaxBackoffMs:
//
//   switch (ClassifyAttempt(poster.Post(request))) { ... }
//   int64_t wait_ms = BackoffMs(CallbackBackoff(options.initial_backoff_ms), retry, unit(rng));
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "base/backoff.h"

namespace livesnap::notify {

// Longest wait between two attempts.
inline constexpr int64_t kMaxBackoffMs = 30'000;

enum class AttemptOutcome {
  kDelivered,  // a 2xx answer
  kRetry,      // 5xx, 429, a timeout or a connection error: the receiver may recover
  kFailed,     // any other answer (a 4xx says the request itself is wrong), or a bad URL
};

// `result` is the HTTP status of the answer, or the error that prevented one
// (DeadlineExceeded, Unavailable and Cancelled are transient; other codes are
// not).
AttemptOutcome ClassifyAttempt(const absl::StatusOr<int>& result);

// The callbacks' backoff: initial_backoff_ms doubled each retry up to
// kMaxBackoffMs.
inline BackoffPolicy CallbackBackoff(int64_t initial_backoff_ms) {
  return {.initial_backoff_ms = initial_backoff_ms, .max_backoff_ms = kMaxBackoffMs};
}

}  // namespace livesnap::notify
