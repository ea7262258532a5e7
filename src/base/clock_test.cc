#include "base/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace livesnap {
namespace {

TEST(ClockTest, FakeClockMovesOnlyWhenAdvanced) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.MonotonicMs(), 0);
  EXPECT_EQ(clock.UnixMs(), 1000);
  clock.AdvanceMs(250);
  EXPECT_EQ(clock.MonotonicMs(), 250);
  EXPECT_EQ(clock.UnixMs(), 1250);
}

TEST(ClockTest, SystemClockIsMonotonicAndNearUnixNow) {
  SystemClock& clock = SystemClock::Instance();
  int64_t a = clock.MonotonicMs();
  int64_t b = clock.MonotonicMs();
  EXPECT_LE(a, b);
  EXPECT_GT(clock.UnixMs(), 1'600'000'000'000);
}

TEST(ClockTest, SystemClockWaitEndsAtTheDeadlineOrTheRealLimit) {
  SystemClock& clock = SystemClock::Instance();
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  const auto start = std::chrono::steady_clock::now();
  clock.WaitUntil(lock, cv, clock.MonotonicMs() + 30);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(25));
  const auto limited = std::chrono::steady_clock::now();
  clock.WaitUntil(lock, cv, Clock::kNoDeadline, limited + std::chrono::milliseconds(20));
  EXPECT_GE(std::chrono::steady_clock::now() - limited, std::chrono::milliseconds(15));
  EXPECT_TRUE(lock.owns_lock());
}

TEST(ClockTest, SystemClockWaitEndsWhenNotified) {
  SystemClock& clock = SystemClock::Instance();
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread notifier([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard guard(mu);
    done = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  while (!done) clock.WaitUntil(lock, cv, Clock::kNoDeadline);
  notifier.join();
  EXPECT_TRUE(done);
}

TEST(ClockTest, FakeClockWaiterSeesTheAdvancesThatReachItsDeadline) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    while (clock.MonotonicMs() < 1000) clock.WaitUntil(lock, cv, 1000);
    woke = true;
  });
  clock.AdvanceMs(999);
  clock.AdvanceMs(1);
  waiter.join();
  EXPECT_TRUE(woke);
}

TEST(ClockTest, FakeClockShowsAWaiterThatHasNothingToDo) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<int> passes{0};
  bool stop = false;
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    while (!stop) {
      ++passes;
      clock.WaitUntil(lock, cv, 1000);
      if (clock.MonotonicMs() >= 1000) break;
    }
  });
  clock.AdvanceMs(999);
  ASSERT_TRUE(clock.AwaitIdleWaits(2, std::chrono::seconds(10)));
  EXPECT_GE(passes.load(), 2);
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  clock.AdvanceMs(1);
  waiter.join();
}

}  // namespace
}  // namespace livesnap
