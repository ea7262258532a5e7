#include "base/clock.h"

#include <algorithm>
#include <chrono>

namespace livesnap {

int64_t SystemClock::MonotonicMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int64_t SystemClock::UnixMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void SystemClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                            int64_t deadline_ms, RealTime real_limit) const {
  RealTime until = real_limit;
  if (deadline_ms != kNoDeadline) {
    const int64_t left_ms = deadline_ms - MonotonicMs();
    if (left_ms <= 0) return;
    until = std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(left_ms));
  }
  if (until == RealTime::max()) {
    cv.wait(lock);
  } else {
    cv.wait_until(lock, until);
  }
}

void FakeClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          int64_t deadline_ms, RealTime real_limit) const {
  // A real-time backstop for an advance between the caller's check and the wait.
  constexpr std::chrono::milliseconds kLookAgain(5);
  if (deadline_ms != kNoDeadline && MonotonicMs() >= deadline_ms) return;
  {
    std::lock_guard waiters(waiters_mu_);
    waiters_.insert(&cv);
    ++idle_waits_;
    idle_waits_changed_.notify_all();
  }
  cv.wait_until(lock, std::min(real_limit, std::chrono::steady_clock::now() + kLookAgain));
  std::lock_guard waiters(waiters_mu_);
  waiters_.erase(waiters_.find(&cv));
}

void FakeClock::AdvanceMs(int64_t ms) {
  monotonic_ms_ += ms;
  unix_ms_ += ms;
  std::lock_guard waiters(waiters_mu_);
  for (std::condition_variable* cv : waiters_) cv->notify_all();
}

bool FakeClock::AwaitIdleWaits(int count, std::chrono::milliseconds real_timeout) const {
  std::unique_lock waiters(waiters_mu_);
  const int64_t target = idle_waits_ + count;
  return idle_waits_changed_.wait_for(waiters, real_timeout, [&] { return idle_waits_ >= target; });
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace livesnap
