// File: base/clock.h
//
// Time reaches core logic through Clock, so schedulers, timeouts and retry
// policies are tested on a FakeClock without sleeping, and a thread that
// waits for a time waits on the clock instead of polling it:
//
//   std::unique_lock lock(mu_);
//   while (!stopping_ && clock_.MonotonicMs() < next_ms) {
//     clock_.WaitUntil(lock, changed_, next_ms);
//   }
//
// Thread-safety: every Clock is safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <set>

namespace livesnap {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds on a clock that never goes back; only differences mean anything.
  virtual int64_t MonotonicMs() const = 0;
  // Milliseconds since the Unix epoch (UTC), for timestamps users see.
  virtual int64_t UnixMs() const = 0;

  // No deadline on this clock: wait until notified (or real_limit).
  static constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();
  using RealTime = std::chrono::steady_clock::time_point;

  // Blocks on `cv` (`lock` held on entry and on return, as with
  // condition_variable::wait) until `cv` is notified, this clock reaches
  // `deadline_ms` (MonotonicMs), or the steady clock reaches `real_limit`,
  // whichever comes first. May also return early: callers re-check their
  // state and their deadline in a loop.
  virtual void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         int64_t deadline_ms, RealTime real_limit = RealTime::max()) const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t MonotonicMs() const override;
  int64_t UnixMs() const override;
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 int64_t deadline_ms, RealTime real_limit = RealTime::max()) const override;
  // A process-wide instance; SystemClock has no state, so sharing it is safe.
  static SystemClock& Instance();
};

// A clock that moves only when told to. AdvanceMs wakes the threads waiting
// on it; since it cannot take their locks, a waiter also looks again every
// few real milliseconds, so no advance is missed.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_ms = 1'700'000'000'000) : unix_ms_(unix_ms) {}
  int64_t MonotonicMs() const override { return monotonic_ms_.load(); }
  int64_t UnixMs() const override { return unix_ms_.load(); }
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 int64_t deadline_ms, RealTime real_limit = RealTime::max()) const override;
  void AdvanceMs(int64_t ms);

  // Blocks, for at most `real_timeout`, until `count` calls of WaitUntil
  // that found their deadline still ahead have begun since this call: the
  // waiters looked at the clock as it now stands and had nothing to do. Lets
  // a test show that nothing happens before a deadline without sleeping.
  // With one waiting thread, 2 means it went once around its loop. False on
  // timeout.
  bool AwaitIdleWaits(int count, std::chrono::milliseconds real_timeout) const;

 private:
  std::atomic<int64_t> monotonic_ms_{0};
  std::atomic<int64_t> unix_ms_;
  mutable std::mutex waiters_mu_;
  mutable std::multiset<std::condition_variable*> waiters_;  // guarded by waiters_mu_
  mutable int64_t idle_waits_ = 0;                           // guarded by waiters_mu_
  mutable std::condition_variable idle_waits_changed_;
};

}  // namespace livesnap
