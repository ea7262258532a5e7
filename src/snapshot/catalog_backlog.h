// File: snapshot/catalog_backlog.h
//
// What the snapshot pipeline owes the catalog while the catalog cannot be
// reached. The pipeline's catalog work is of two kinds: a sequence capture
// needs its number (Catalog::NextSequence) before its object can be named
// and uploaded, and a stored snapshot needs its record
// (Catalog::AddSnapshotRecord). Both go through here as tasks.
//
// While the catalog answers and nothing of the task's lane waits, a task
// runs at once on the caller's thread, as without a backlog. When a task
// fails with a transient error (Unavailable or DeadlineExceeded: PostgreSQL
// down or restarting, a SQLite database locked or on a full disk), the
// backlog marks the catalog down and keeps the task in memory. From then on
// every new task waits too, without touching the catalog, so no capture
// worker or uploader thread ever waits on a catalog that is down; the
// backlog's own thread retries the oldest task every retry_ms, and once it
// succeeds runs the others, oldest first, until none waits.
//
//   CatalogBacklog backlog(catalog, {}, metrics, clock);
//   backlog.Submit({.lane = "s:" + stream, .kind = CatalogWork::kSequence,
//                   .size_bytes = jpeg.size(),
//                   .run = [=](catalog::Catalog& c) -> absl::Status { ... },
//                   .failed = [=](const absl::Status& why) { ... count, log ... }});
//   ...
//   backlog.WaitIdle(deadline);  // shutdown: let it catch up for a while
//   backlog.Stop();              // then give up what still waits
//
// Order: tasks of one lane run in Submit order, one at a time; callers give
// each lane its work from one thread at a time (a stream's capture lane, a
// stream's upload lane), so the order they submit in is the order they meant.
//
// Bounds: at most max_tasks tasks and max_bytes (their size_bytes) wait; a
// task that would exceed either is given up at once (`failed` with
// ResourceExhausted, counted). Stop gives up what still waits (`failed`
// with Cancelled). `failed` is also called when `run` ends with an error
// that is not transient. Each task ends exactly once: `run` returned OK, or
// `failed` was called.
//
// Memory: when a backlog of more than kTrimAfterBytes has drained, the
// backlog asks malloc to return freed memory to the system (malloc_trim),
// so the process's RSS comes back down after an outage.
//
// Metrics: livesnap_catalog_backlog_tasks{kind} and
// livesnap_catalog_backlog_bytes (what waits), livesnap_catalog_deferred_total{kind}
// (tasks that had to wait), livesnap_catalog_backlog_dropped_total{kind,reason=full|stopped},
// livesnap_catalog_reachable (1 unless the last catalog call failed transiently).
//
// Thread-safety: thread-safe. `run` and `failed` are called without the
// backlog's lock, on the submitting thread or on the backlog's thread; they
// must not call Stop. The catalog, metrics and clock must outlive it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "base/clock.h"
#include "catalog/catalog.h"

namespace prometheus {
class Counter;
class Gauge;
template <typename T>
class Family;
class Registry;
}  // namespace prometheus

namespace livesnap::snapshot {

enum class CatalogWork { kSequence, kRecord };

struct CatalogTask {
  std::string lane;  // tasks of one lane run in Submit order
  CatalogWork kind = CatalogWork::kRecord;
  size_t size_bytes = 0;  // memory the task holds while it waits
  // The work. OK: done. Unavailable or DeadlineExceeded: the catalog could
  // not be reached; run again later. Any other error ends the task.
  std::function<absl::Status(catalog::Catalog&)> run;
  // The task ended without being done: why (its run's error, a full
  // backlog, or Stop).
  std::function<void(const absl::Status&)> failed;
};

struct CatalogBacklogOptions {
  size_t max_bytes = size_t{256} << 20;
  size_t max_tasks = 200'000;
  int64_t retry_ms = 1000;  // between attempts while the catalog is down
};

struct CatalogBacklogState {
  bool catalog_down = false;
  int64_t down_since_unix_ms = 0;  // the first failure of this outage
  std::string last_error;          // the last transient failure
  size_t sequence_tasks = 0;       // waiting
  size_t record_tasks = 0;         // waiting
  size_t bytes = 0;                // held by the waiting tasks
  int64_t dropped_full = 0;        // tasks given up for a full backlog, since the start
};

class CatalogBacklog {
 public:
  // A backlog this large that drains is followed by malloc_trim.
  static constexpr size_t kTrimAfterBytes = size_t{8} << 20;

  CatalogBacklog(catalog::Catalog& catalog, CatalogBacklogOptions options,
                 prometheus::Registry& metrics, const Clock& clock);
  ~CatalogBacklog();  // Stop()
  CatalogBacklog(const CatalogBacklog&) = delete;
  CatalogBacklog& operator=(const CatalogBacklog&) = delete;

  void Submit(CatalogTask task);

  // Blocks until no task waits or runs, or until `real_deadline`; returns
  // whether the backlog is empty.
  bool WaitIdle(std::chrono::steady_clock::time_point real_deadline);
  // Gives up every waiting task and every later Submit; joins the thread.
  // Idempotent.
  void Stop();

  CatalogBacklogState state() const;

 private:
  void Run();
  // The oldest waiting task whose lane is not running on a caller's
  // thread; waiting_.end() if none. Requires mu_.
  std::map<uint64_t, CatalogTask>::iterator NextRunnable();
  // Keeps `task` waiting under `ticket`; false (task untouched) when the
  // backlog is full. Requires mu_.
  bool Hold(uint64_t ticket, CatalogTask& task);
  // One task of `lane` ended. Requires mu_.
  void EndTask(const std::string& lane);
  // The catalog's answer to a task, for the reachability state. Requires mu_.
  void NoteResult(const absl::Status& status);
  void Count(const CatalogTask& task, int sign);  // the waiting counts; requires mu_
  void UpdateGauges();                            // requires mu_
  void Drop(CatalogTask& task, const absl::Status& why);

  catalog::Catalog& catalog_;
  const CatalogBacklogOptions options_;
  const Clock& clock_;
  prometheus::Gauge* sequence_gauge_;
  prometheus::Gauge* record_gauge_;
  prometheus::Gauge* bytes_gauge_;
  prometheus::Gauge* reachable_gauge_;
  prometheus::Counter* deferred_sequence_;
  prometheus::Counter* deferred_record_;
  prometheus::Family<prometheus::Counter>* dropped_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<uint64_t, CatalogTask> waiting_;  // guarded by mu_; by ticket (Submit order)
  std::map<std::string, int> lane_tasks_;    // guarded by mu_; waiting or running, per lane
  std::set<std::string> inline_lanes_;       // guarded by mu_; lanes running on a caller's thread
  uint64_t next_ticket_ = 0;                 // guarded by mu_
  int running_ = 0;                          // guarded by mu_; tasks running anywhere
  CatalogBacklogState state_;                // guarded by mu_; counts of waiting tasks
  size_t peak_bytes_ = 0;                    // guarded by mu_; since the backlog was last empty
  int64_t next_try_ms_ = 0;                  // guarded by mu_; MonotonicMs
  bool stopping_ = false;                    // guarded by mu_
  std::once_flag stopped_;
  std::thread thread_;
};

}  // namespace livesnap::snapshot
