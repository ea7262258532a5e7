// File: snapshot/capture_queue.h
//
// The queue between ingest and the capture workers. One lane per stream;
// streams are served round-robin and a stream's jobs run in order, one at a
// time (so its sequence numbers follow capture order). When workers fall
// behind, a new job takes the overwrite part away from the stream's jobs not
// yet started (only the newest overwrite image matters); a job left with
// nothing to do is dropped and counted. Sequence work is never dropped
// silently: only a lane over its bound drops its oldest job, and when the
// keyframes queued in all lanes together pass the byte budget, the longest
// lanes drop their oldest jobs; both are counted and reported. The budget
// is what bounds memory when the workers cannot keep up with thousands of
// streams: without it every lane could hold its bound of keyframes.
//
//   queue.Push(lane, std::move(job));       // ingest thread, never blocks
//   while (auto job = queue.Pop()) {        // worker threads
//     Process(*job); queue.Done(job->lane);
//   }
//
// Thread-safety: thread-safe; mu_ guards everything.
#pragma once

#include <algorithm>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace livesnap::snapshot {

template <typename Job>
concept CaptureJobLike = requires(Job job) {
  job.lane;
  job.overwrite;
  job.sequence;
  { job.keyframe.size() } -> std::convertible_to<size_t>;  // what the job holds in memory
};

struct PushResult {
  bool queued = false;           // false once the queue is closed
  int overwrites_coalesced = 0;  // pending jobs that lost their overwrite part
  int jobs_dropped = 0;          // pending jobs removed (nothing left, or lane full)
  int sequence_dropped = 0;      // of those, jobs that carried sequence work
  // Jobs of any lane (the longest ones) dropped to keep the byte budget,
  // and those of them that carried sequence work.
  int budget_dropped = 0;
  int budget_sequence_dropped = 0;
};

template <CaptureJobLike Job>
class CaptureQueue {
 public:
  using Lane = decltype(Job::lane);

  explicit CaptureQueue(size_t max_jobs_per_lane,
                        size_t max_bytes = std::numeric_limits<size_t>::max())
      : max_jobs_per_lane_(max_jobs_per_lane), max_bytes_(max_bytes) {}

  PushResult Push(Job job) {
    PushResult result;
    std::lock_guard lock(mu_);
    if (closed_) return result;
    LaneState& lane = lanes_[job.lane];
    if (job.overwrite) {
      for (auto it = lane.pending.begin(); it != lane.pending.end();) {
        if (it->overwrite) {
          it->overwrite = false;
          ++result.overwrites_coalesced;
        }
        if (!it->overwrite && !it->sequence) {
          Forget(*it);
          it = lane.pending.erase(it);
          ++result.jobs_dropped;
        } else {
          ++it;
        }
      }
    }
    if (lane.pending.size() >= max_jobs_per_lane_) {
      result.sequence_dropped += lane.pending.front().sequence ? 1 : 0;
      ++result.jobs_dropped;
      Forget(lane.pending.front());
      lane.pending.pop_front();
    }
    const size_t job_bytes = job.keyframe.size();
    while (size_ > 0 && bytes_ + job_bytes > max_bytes_) {
      const bool sequence = DropOldestOfLongestLane();
      ++result.budget_dropped;
      result.budget_sequence_dropped += sequence ? 1 : 0;
    }
    const Lane key = job.lane;
    LaneState& target = lanes_[key];  // `lane` may have been dropped with its last job
    target.pending.push_back(std::move(job));
    ++size_;
    bytes_ += job_bytes;
    peak_bytes_ = std::max(peak_bytes_, bytes_);
    if (!target.running && !target.ready) {
      target.ready = true;
      ready_.push_back(key);
      cv_.notify_one();
    }
    result.queued = true;
    return result;
  }

  // Blocks until a job may run or the queue is closed and drained.
  std::optional<Job> Pop() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !ready_.empty() || (closed_ && size_ == 0); });
    if (ready_.empty()) return std::nullopt;
    const Lane key = ready_.front();
    ready_.pop_front();
    LaneState& lane = lanes_[key];
    lane.ready = false;
    lane.running = true;
    Job job = std::move(lane.pending.front());
    lane.pending.pop_front();
    Forget(job);
    return job;
  }

  // The lane's running job finished; its next job may run.
  void Done(Lane key) {
    std::lock_guard lock(mu_);
    auto it = lanes_.find(key);
    if (it == lanes_.end()) return;
    it->second.running = false;
    if (!it->second.pending.empty()) {
      it->second.ready = true;
      ready_.push_back(key);
      cv_.notify_one();
    } else {
      lanes_.erase(it);
    }
    if (closed_ && size_ == 0) cv_.notify_all();
  }

  // Pop returns what is queued, then nullopt to every worker.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return size_;
  }

  // Bytes of keyframes waiting (not yet popped).
  size_t bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }

  // True once when the queue is empty after holding at least `bytes`: the
  // moment to give freed memory back to the system.
  bool DrainedAfterHolding(size_t bytes) {
    std::lock_guard lock(mu_);
    if (size_ != 0 || peak_bytes_ < bytes) return false;
    peak_bytes_ = 0;
    return true;
  }

 private:
  void Forget(const Job& job) {
    --size_;
    bytes_ -= job.keyframe.size();
  }

  // Drops the oldest pending job of the lane with the most pending jobs;
  // returns whether it carried sequence work. Needs size_ > 0.
  bool DropOldestOfLongestLane() {
    auto longest = lanes_.end();
    for (auto it = lanes_.begin(); it != lanes_.end(); ++it) {
      if (longest == lanes_.end() || it->second.pending.size() > longest->second.pending.size()) {
        longest = it;
      }
    }
    LaneState& lane = longest->second;
    const bool sequence = lane.pending.front().sequence;
    Forget(lane.pending.front());
    lane.pending.pop_front();
    if (lane.pending.empty() && !lane.running) {
      // Only a lane with pending jobs is in ready_; it has none left.
      std::erase(ready_, longest->first);
      lanes_.erase(longest);
    }
    return sequence;
  }

  struct LaneState {
    std::deque<Job> pending;
    bool running = false;  // a worker holds one of its jobs
    bool ready = false;    // in ready_
  };

  const size_t max_jobs_per_lane_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<Lane, LaneState> lanes_;  // guarded by mu_
  std::deque<Lane> ready_;                     // guarded by mu_
  size_t size_ = 0;                            // guarded by mu_
  size_t bytes_ = 0;                           // guarded by mu_
  size_t peak_bytes_ = 0;                      // since the last drain; guarded by mu_
  bool closed_ = false;                        // guarded by mu_
};

}  // namespace livesnap::snapshot
