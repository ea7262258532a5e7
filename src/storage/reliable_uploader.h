// File: storage/reliable_uploader.h
//
// Puts snapshots into one store without ever holding up the caller, and
// without losing them while the store is down. The snapshot pipeline puts one
// in front of each store and records a snapshot (catalog, callbacks) only
// when its completion says it is stored:
//
//   LS_ASSIGN_OR_RETURN(auto uploader,
//       ReliableUploader::Create({.name = "snaps", .spool_dir = data_dir / "spool" / "snaps"},
//                                store, on_done, registry, SystemClock::Instance()),
//       "start uploads to snaps");
//   LS_RETURN_IF_ERROR(uploader->Enqueue({.lane = "push.example.com/live/demo",
//                                         .key = "live/demo/7.jpg", .data = jpeg,
//                                         .metadata = record_json}), "queue snapshot");
//   ...
//   uploader->Stop(std::chrono::seconds(5));
//
// Enqueue only takes a short lock and returns: no I/O on the caller's thread.
// Worker threads Put each upload; failures the store calls transient
// (Unavailable, DeadlineExceeded) are retried for as long as it takes, with
// exponential backoff and jitter (retry_policy.h); other failures end the
// upload at once.
//
// Order: uploads of one lane (a stream) are stored in Enqueue order, one at a
// time: a later upload never overtakes an earlier one that is still failing.
// Lanes are independent. Coalescing: an upload marked `coalesce` (the
// overwrite object) replaces a waiting upload of the same key in its lane,
// which completes with Aborted ("superseded"); the newest is delivered at the
// position of the newest, so the object ends as the newest image.
//
// Memory and spool: waiting uploads are held in memory up to
// max_memory_bytes; beyond it a background thread moves the most recent ones
// (not in flight) to spool_dir, from where they are delivered in their turn.
// The memory bound is soft by what arrives while that thread writes.
// Enqueue refuses an upload (ResourceExhausted) only when memory and spool
// together are full. The spool is read back by Create, so uploads spooled
// before a crash or a restart are delivered by the next process, completions
// included (their metadata is kept with them): delivery is at-least-once
// across a crash. Stop spools what it could not deliver within its grace.
//
// Completions are reported once per accepted upload (in this process or, if
// still waiting at Stop, in the process that delivers it), on a worker
// thread, never under the uploader's lock; the callback may Enqueue but must
// not call Stop. Those of one lane (stored or failed) are reported in lane
// order: the next upload of a lane starts after the previous completion
// returned. Superseded uploads are reported as soon as they are replaced.
//
// Metrics, labelled store=<name>: livesnap_uploads_total{result=ok|failed|
// superseded|refused}, livesnap_upload_retries_total,
// livesnap_upload_failures_total{reason} (failed Put calls, by
// StoreFailureReason), livesnap_uploads_spilled_total,
// livesnap_upload_bytes_total (stored); the gauges livesnap_uploads_queued
// (accepted, not yet completed), livesnap_upload_memory_bytes and
// livesnap_upload_spool_bytes (where waiting uploads are held),
// livesnap_store_failing (1 while health() says failing); the histograms livesnap_upload_seconds
// (successful Put calls) and livesnap_upload_delay_seconds (Enqueue to stored).
//
// Thread-safety: thread-safe. The store is called from several threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "storage/object_store.h"
#include "storage/retry_policy.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace livesnap::storage {

namespace internal {
class UploadSpool;
struct SpooledUpload;
struct UploadMetrics;
}  // namespace internal

struct Upload {
  std::string lane;  // uploads of one lane are stored in Enqueue order
  std::string key;
  std::vector<uint8_t> data;
  std::string content_type = "image/jpeg";
  bool coalesce = false;   // may be replaced by a newer upload of the same key and lane
  std::string metadata{};  // opaque to the uploader; given back in the completion
};

struct UploadResult {
  std::string lane;
  std::string key;
  std::string metadata;
  int64_t size_bytes = 0;
  // OK: stored. Aborted: superseded by a newer upload of the same key.
  // Otherwise the store's permanent refusal, or DataLoss for a spool file
  // that could not be read back.
  absl::Status status;
  int attempts = 0;              // Put calls made (0 when superseded)
  int64_t enqueued_unix_ms = 0;  // when Enqueue accepted it
};

using UploadCallback = std::function<void(const UploadResult&)>;

// Whether the store is taking uploads, from the last attempt: failing from a
// failed Put (transient or not) until the next one succeeds.
struct StoreHealth {
  bool failing = false;
  std::string reason;                 // StoreFailureReason (store_failure.h): "no_space", ...
  std::string last_error;             // the last failure, as Status::ToString
  int64_t failing_since_unix_ms = 0;  // the first failure of this outage
};

struct ReliableUploaderOptions {
  std::string name;                 // the store's name, for logs and metric labels
  std::filesystem::path spool_dir;  // owned by this uploader alone
  int threads = 4;                  // concurrent Put calls
  size_t max_memory_bytes = 64 << 20;
  size_t max_spool_bytes = size_t{4} << 30;
  RetryPolicy retry{};
};

class ReliableUploader {
 public:
  // Opens the spool and queues what it holds, then starts the threads.
  // `store`, `metrics` and `clock` must outlive the uploader; the clock
  // schedules retries and dates completions.
  static absl::StatusOr<std::unique_ptr<ReliableUploader>> Create(ReliableUploaderOptions options,
                                                                  ObjectStore& store,
                                                                  UploadCallback on_done,
                                                                  prometheus::Registry& metrics,
                                                                  const Clock& clock);
  ReliableUploader(const ReliableUploader&) = delete;
  ReliableUploader& operator=(const ReliableUploader&) = delete;
  ~ReliableUploader();  // Stop(0) if Stop was not called

  // Accepts `upload` for delivery and returns at once. InvalidArgument for a
  // key ValidateObjectKey refuses; ResourceExhausted when memory and spool
  // are both full; FailedPrecondition once Stop has begun. A refused upload
  // gets no completion.
  absl::Status Enqueue(Upload upload);

  struct Backlog {
    size_t uploads = 0;       // accepted, not yet completed
    size_t spooled = 0;       // of which on disk
    size_t memory_bytes = 0;  // data held in memory
    size_t spool_bytes = 0;   // data held on disk
  };
  Backlog backlog() const;
  StoreHealth health() const;

  // Refuses new uploads, keeps delivering until nothing is waiting or `grace`
  // (real time) has passed, lets attempts in flight finish, then writes what
  // is left in memory to the spool. Later calls return at once.
  void Stop(std::chrono::milliseconds grace);

 private:
  struct Entry;
  struct Lane;
  struct Job;
  // (due time on clock_, ticket, lane): lanes whose head may be attempted.
  using ReadyKey = std::tuple<int64_t, uint64_t, std::string>;
  enum class SpillOutcome { kSpilled, kNothing, kFailed };

  ReliableUploader(ReliableUploaderOptions options, ObjectStore& store, UploadCallback on_done,
                   std::unique_ptr<internal::UploadMetrics> metrics, const Clock& clock,
                   std::unique_ptr<internal::UploadSpool> spool);

  void Restore(std::vector<internal::SpooledUpload> spooled);
  void Start();
  void WorkerLoop();
  // Blocks until there is a completion to report or an upload to attempt;
  // nullopt when the worker should end.
  std::optional<Job> NextJob();
  void Deliver(Job job, double unit_random);
  void Finish(const Job& job, const absl::Status& status, int64_t put_ms, double unit_random);
  void SpoolLoop();
  // Writes the most recent upload held in memory (and not in flight) to the
  // spool; `lock` (on mu_) is released while it writes. With `within_limit`,
  // only if the spool has room for it.
  SpillOutcome SpillOne(std::unique_lock<std::mutex>& lock, bool within_limit);
  void SpillAll();

  // The helpers below require mu_.
  void Admit(Entry entry);
  void MakeReady(const std::string& lane_name, Lane& lane, int64_t due_ms);
  void RemoveEntry(uint64_t id);
  UploadResult ResultOf(const Entry& entry, absl::Status status) const;
  bool NothingDueWithinGrace() const;
  void UpdateGauges();
  // Counts a finished attempt's failure by reason and updates health_.
  void NoteOutcome(const absl::Status& status);

  const ReliableUploaderOptions options_;
  ObjectStore& store_;
  const UploadCallback on_done_;
  const std::unique_ptr<internal::UploadMetrics> metrics_;
  const Clock& clock_;
  const std::unique_ptr<internal::UploadSpool> spool_;

  mutable std::mutex mu_;
  std::condition_variable work_changed_;   // ready_, reports_, active_jobs_, stopping_
  std::condition_variable spool_changed_;  // memory_bytes_, doomed_files_, spooler_stop_
  std::map<uint64_t, Entry> entries_;      // guarded by mu_; by id (arrival order)
  std::map<std::string, Lane> lanes_;      // guarded by mu_; lanes with entries
  std::set<ReadyKey> ready_;               // guarded by mu_
  std::set<uint64_t> in_memory_;           // guarded by mu_; ids whose data is in memory
  std::deque<UploadResult> reports_;       // guarded by mu_; completions not yet reported
  std::vector<uint64_t> doomed_files_;     // guarded by mu_; spool files to remove
  uint64_t next_id_ = 1;                   // guarded by mu_
  uint64_t next_ticket_ = 0;               // guarded by mu_
  size_t memory_bytes_ = 0;                // guarded by mu_
  size_t spool_bytes_ = 0;                 // guarded by mu_
  size_t spooled_count_ = 0;               // guarded by mu_
  int active_jobs_ = 0;                    // guarded by mu_; deliveries and reports under way
  bool store_failing_ = false;             // guarded by mu_; for one log line per outage
  bool spool_failing_ = false;             // guarded by mu_; likewise for the spool
  StoreHealth health_;                     // guarded by mu_
  bool stopping_ = false;                  // guarded by mu_
  bool spooler_stop_ = false;              // guarded by mu_
  std::chrono::steady_clock::time_point stop_deadline_;  // guarded by mu_; set by Stop
  int64_t drain_until_ms_ = 0;                           // guarded by mu_; clock_ time, set by Stop

  std::mutex stop_mu_;  // serialises Stop; guards the threads and stopped_
  std::vector<std::thread> workers_;
  std::thread spooler_;
  bool stopped_ = false;
};

}  // namespace livesnap::storage
