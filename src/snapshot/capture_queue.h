// File: snapshot/capture_queue.h
//
// The queue between ingest and the capture workers. One lane per stream;
// streams are served round-robin and a stream's jobs run in order, one at a
// time (so its sequence numbers follow capture order). When workers fall
// behind, a new job takes the overwrite part away from the stream's jobs not
// yet started (only the newest overwrite image matters); a job left with
// nothing to do is dropped and counted. Sequence work is never dropped
// silently: only a lane over its bound drops its oldest job, and that is
// counted and reported.
//
//   queue.Push(lane, std::move(job));       // ingest thread, never blocks
//   while (auto job = queue.Pop()) {        // worker threads
//     Process(*job); queue.Done(job->lane);
//   }
//
// Thread-safety: thread-safe; mu_ guards everything.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace livesnap::snapshot {

template <typename Job>
concept CaptureJobLike = requires(Job job) {
  job.lane;
  job.overwrite;
  job.sequence;
};

struct PushResult {
  int overwrites_coalesced = 0;  // pending jobs that lost their overwrite part
  int jobs_dropped = 0;          // pending jobs removed (nothing left, or lane full)
  int sequence_dropped = 0;      // of those, jobs that carried sequence work
};

template <CaptureJobLike Job>
class CaptureQueue {
 public:
  using Lane = decltype(Job::lane);

  explicit CaptureQueue(size_t max_jobs_per_lane) : max_jobs_per_lane_(max_jobs_per_lane) {}

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
          it = lane.pending.erase(it);
          ++result.jobs_dropped;
          --size_;
        } else {
          ++it;
        }
      }
    }
    if (lane.pending.size() >= max_jobs_per_lane_) {
      result.sequence_dropped += lane.pending.front().sequence ? 1 : 0;
      ++result.jobs_dropped;
      lane.pending.pop_front();
      --size_;
    }
    const Lane key = job.lane;
    lane.pending.push_back(std::move(job));
    ++size_;
    if (!lane.running && !lane.ready) {
      lane.ready = true;
      ready_.push_back(key);
      cv_.notify_one();
    }
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
    --size_;
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

 private:
  struct LaneState {
    std::deque<Job> pending;
    bool running = false;  // a worker holds one of its jobs
    bool ready = false;    // in ready_
  };

  const size_t max_jobs_per_lane_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<Lane, LaneState> lanes_;  // guarded by mu_
  std::deque<Lane> ready_;                     // guarded by mu_
  size_t size_ = 0;                            // guarded by mu_
  bool closed_ = false;                        // guarded by mu_
};

}  // namespace livesnap::snapshot
