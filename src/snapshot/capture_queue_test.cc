#include "snapshot/capture_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace livesnap::snapshot {
namespace {

struct FakeJob {
  FakeJob(int lane, bool overwrite, bool sequence, int id, std::string keyframe = {})
      : lane(lane),
        overwrite(overwrite),
        sequence(sequence),
        id(id),
        keyframe(std::move(keyframe)) {}
  int lane;
  bool overwrite;
  bool sequence;
  int id;
  std::string keyframe;  // its size is what the job holds
};

TEST(CaptureQueueTest, OneLaneRunsInOrderOneAtATime) {
  CaptureQueue<FakeJob> q(8);
  q.Push({1, false, true, 1});
  q.Push({1, false, true, 2});
  auto first = q.Pop();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, 1);
  // Lane 1 is running: nothing else may start until Done.
  q.Push({2, false, true, 10});
  auto other = q.Pop();
  EXPECT_EQ(other->lane, 2);
  q.Done(2);
  q.Done(1);
  auto second = q.Pop();
  EXPECT_EQ(second->id, 2);
  q.Done(1);
  EXPECT_EQ(q.size(), 0u);
}

TEST(CaptureQueueTest, LanesAreServedRoundRobin) {
  CaptureQueue<FakeJob> q(8);
  for (int i = 0; i < 3; ++i) q.Push({1, false, true, 100 + i});
  q.Push({2, false, true, 200});
  std::vector<int> order;
  for (int i = 0; i < 4; ++i) {
    auto job = q.Pop();
    order.push_back(job->id);
    q.Done(job->lane);
  }
  EXPECT_EQ(order, (std::vector<int>{100, 200, 101, 102}));
}

TEST(CaptureQueueTest, OverwriteOnlyJobsCoalesceToTheNewest) {
  CaptureQueue<FakeJob> q(8);
  q.Push({1, true, false, 1});
  ASSERT_TRUE(q.Pop());  // the lane is busy from here on
  PushResult r1 = q.Push({1, true, false, 2});
  EXPECT_EQ(r1.jobs_dropped, 0);
  PushResult r2 = q.Push({1, true, false, 3});
  EXPECT_EQ(r2.overwrites_coalesced, 1);
  EXPECT_EQ(r2.jobs_dropped, 1);
  EXPECT_EQ(r2.sequence_dropped, 0);
  q.Done(1);
  auto next = q.Pop();
  EXPECT_EQ(next->id, 3);
  EXPECT_EQ(q.size(), 0u);
}

TEST(CaptureQueueTest, SequenceWorkSurvivesCoalescingWithoutItsOverwrite) {
  CaptureQueue<FakeJob> q(8);
  q.Push({1, true, true, 1});
  ASSERT_TRUE(q.Pop());  // the lane is busy from here on
  q.Push({1, true, true, 2});
  PushResult r = q.Push({1, true, true, 3});
  EXPECT_EQ(r.overwrites_coalesced, 1);
  EXPECT_EQ(r.jobs_dropped, 0);
  q.Done(1);
  auto second = q.Pop();
  EXPECT_EQ(second->id, 2);
  EXPECT_FALSE(second->overwrite);
  EXPECT_TRUE(second->sequence);
  q.Done(1);
  auto third = q.Pop();
  EXPECT_EQ(third->id, 3);
  EXPECT_TRUE(third->overwrite);
}

TEST(CaptureQueueTest, AFullLaneDropsItsOldestAndSaysSo) {
  CaptureQueue<FakeJob> q(2);
  q.Push({1, false, true, 1});
  ASSERT_TRUE(q.Pop());  // the lane is busy from here on
  q.Push({1, false, true, 2});
  q.Push({1, false, true, 3});
  PushResult r = q.Push({1, false, true, 4});
  EXPECT_EQ(r.jobs_dropped, 1);
  EXPECT_EQ(r.sequence_dropped, 1);
  q.Done(1);
  EXPECT_EQ(q.Pop()->id, 3);
}

TEST(CaptureQueueTest, CloseDrainsThenReleasesEveryWorker) {
  CaptureQueue<FakeJob> q(64);
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&] {
      while (auto job = q.Pop()) {
        ++processed;
        q.Done(job->lane);
      }
    });
  }
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(q.Push({i % 7, false, true, i}).queued);
  q.Close();
  EXPECT_FALSE(q.Push({0, false, true, 100}).queued);
  for (auto& t : workers) t.join();
  EXPECT_EQ(processed.load(), 100);
}

TEST(CaptureQueueTest, TheByteBudgetDropsFromTheLongestLanes) {
  CaptureQueue<FakeJob> q(32, 1000);
  const std::string keyframe(100, 'k');
  for (int i = 0; i < 6; ++i) q.Push({1, false, true, i, keyframe});  // 600 bytes
  for (int i = 0; i < 3; ++i) q.Push({2, false, true, 10 + i, keyframe});
  EXPECT_EQ(q.bytes(), 900u);
  // Over the budget: lane 1, the longest, loses its oldest jobs.
  PushResult pushed = q.Push({3, false, true, 20, std::string(300, 'k')});
  EXPECT_EQ(pushed.budget_dropped, 2);
  EXPECT_EQ(pushed.budget_sequence_dropped, 2);
  EXPECT_EQ(q.bytes(), 1000u);
  EXPECT_EQ(q.size(), 8u);
  std::vector<int> ids;
  while (q.size() > 0) {
    auto job = q.Pop();
    ids.push_back(job->id);
    q.Done(job->lane);
  }
  EXPECT_EQ(ids, (std::vector<int>{2, 10, 20, 3, 11, 4, 12, 5}));
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(CaptureQueueTest, ALaneEmptiedByTheBudgetIsNoLongerReady) {
  CaptureQueue<FakeJob> q(32, 250);
  q.Push({1, false, true, 1, std::string(100, 'k')});
  q.Push({2, false, true, 2, std::string(100, 'k')});
  // Every lane holds one job: one of them loses it and leaves the ready list.
  PushResult pushed = q.Push({3, false, true, 3, std::string(100, 'k')});
  EXPECT_EQ(pushed.budget_dropped, 1);
  EXPECT_EQ(q.size(), 2u);
  auto first = q.Pop();
  auto second = q.Pop();
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->lane, second->lane);
  q.Done(first->lane);
  q.Done(second->lane);
  EXPECT_EQ(q.size(), 0u);
}

TEST(CaptureQueueTest, DrainedAfterHoldingFiresOnceAfterABigQueueEmpties) {
  CaptureQueue<FakeJob> q(32);
  q.Push({1, false, true, 1, std::string(500, 'k')});
  EXPECT_FALSE(q.DrainedAfterHolding(400));  // not empty yet
  auto job = q.Pop();
  q.Done(job->lane);
  EXPECT_TRUE(q.DrainedAfterHolding(400));
  EXPECT_FALSE(q.DrainedAfterHolding(400));  // once
  q.Push({1, false, true, 2, std::string(100, 'k')});
  job = q.Pop();
  q.Done(job->lane);
  EXPECT_FALSE(q.DrainedAfterHolding(400));  // held less than asked
}

}  // namespace
}  // namespace livesnap::snapshot
