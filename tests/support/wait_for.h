// File: tests/support/wait_for.h
//
// The one way a test waits for something another thread or process does:
// poll a condition until it holds or a timeout passes.
//
//   ASSERT_TRUE(testing::WaitFor([&] { return CountJpegs(dir) >= 3; }, 30s));
//   ASSERT_TRUE(testing::WaitFor([&] { return done.size() == 5; }, 5s, 5ms));
//
// A test that shows that something did NOT happen does not wait for time to
// pass: it waits for an event that comes after it (FakeClock::AwaitIdleWaits,
// a later request, a log line).
//
// Header-only so that every test can use it, whatever it links.
// Thread-safety: `condition` runs on the calling thread only.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace livesnap::testing {

// Calls `condition` every `poll` until it returns true (then true) or
// `timeout` has passed (then false).
inline bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace livesnap::testing
