// File: base/clock.h
//
// Time reaches core logic through Clock, so schedulers, timeouts and retry
// policies are tested on a FakeClock without sleeping.
//
//   SystemClock clock;
//   int64_t started_ms = clock.MonotonicMs();
//
// Thread-safety: every Clock is safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace livesnap {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds on a clock that never goes back; only differences mean anything.
  virtual int64_t MonotonicMs() const = 0;
  // Milliseconds since the Unix epoch (UTC), for timestamps users see.
  virtual int64_t UnixMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t MonotonicMs() const override;
  int64_t UnixMs() const override;
  // A process-wide instance; SystemClock has no state, so sharing it is safe.
  static SystemClock& Instance();
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_ms = 1'700'000'000'000) : unix_ms_(unix_ms) {}
  int64_t MonotonicMs() const override { return monotonic_ms_.load(); }
  int64_t UnixMs() const override { return unix_ms_.load(); }
  void AdvanceMs(int64_t ms) {
    monotonic_ms_ += ms;
    unix_ms_ += ms;
  }

 private:
  std::atomic<int64_t> monotonic_ms_{0};
  std::atomic<int64_t> unix_ms_;
};

}  // namespace livesnap
