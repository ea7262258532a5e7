// File: notify/retry_policy.h
//
// When a callback attempt counts as delivered, when it is worth another try,
// and how long to wait before it:
//
//   switch (ClassifyAttempt(poster.Post(request))) { ... }
//   int64_t wait_ms = BackoffMs(retry, options.initial_backoff_ms, uniform01(rng));
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

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

// The wait before retry number `retry` (1 for the first): initial_backoff_ms
// doubled for each earlier retry, capped at kMaxBackoffMs, then scaled into
// [half, all] of that by `unit_random` in [0, 1) so that receivers that failed
// together are not all retried in the same instant.
int64_t BackoffMs(int retry, int64_t initial_backoff_ms, double unit_random);

}  // namespace livesnap::notify
