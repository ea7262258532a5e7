// File: base/backoff.h
//
// Exponential backoff with jitter, the one wait-before-retrying rule of
// livesnap (store uploads, snapshot callbacks). Whether a failure is worth
// a retry at all is each caller's own rule.
//
//   const int64_t wait_ms = BackoffMs({.initial_backoff_ms = 500}, failures, unit(rng));
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

namespace livesnap {

struct BackoffPolicy {
  int64_t initial_backoff_ms = 500;  // the wait after the first failure
  int64_t max_backoff_ms = 30'000;   // the longest wait, however many failures
};

// The wait after `failures` consecutive failures (1 for the first):
// initial_backoff_ms doubled for each earlier failure, capped at
// max_backoff_ms, then scaled into [half, all] of that by `unit_random` in
// [0, 1), so that work that failed together is not retried together.
int64_t BackoffMs(const BackoffPolicy& policy, int failures, double unit_random);

}  // namespace livesnap
