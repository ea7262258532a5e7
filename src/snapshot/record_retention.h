// File: snapshot/record_retention.h
//
// Keeps the snapshot history in the catalog bounded: a background sweep
// removes the sequence records captured more than retention_days ago, at
// start and then every sweep_interval_ms, in batches of batch_size with a
// pause between batches, so that a large backlog never holds the catalog for
// long. Overwrite records (one per overwrite object) are kept, and no stored
// object is ever deleted: objects age by the store's own rules (a bucket's
// lifecycle configuration). Several nodes sharing a catalog may each sweep;
// removing a record twice is harmless.
//
//   LS_ASSIGN_OR_RETURN(auto retention,
//                       RecordRetention::Create({.retention_days = 30}, catalog, registry, clock),
//                       "record retention");
//   ...
//   retention->Stop();
//
// Metric: livesnap_snapshot_records_pruned_total.
// Thread-safety: thread-safe; Stop from the controlling thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "catalog/catalog.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace livesnap::snapshot {

struct RecordRetentionOptions {
  int retention_days = 30;                // >= 1
  int64_t sweep_interval_ms = 3'600'000;  // on the clock given to Create
  int64_t batch_size = 1000;              // records removed per catalog call
  int64_t batch_pause_ms = 100;           // real time between two batches
};

class RecordRetention {
 public:
  // Starts the sweep thread; its first sweep runs at once. The catalog,
  // registry and clock must outlive it. InvalidArgument for options out of
  // range.
  static absl::StatusOr<std::unique_ptr<RecordRetention>> Create(RecordRetentionOptions options,
                                                                 catalog::Catalog& catalog,
                                                                 prometheus::Registry& metrics,
                                                                 const Clock& clock);
  ~RecordRetention();  // Stop()
  RecordRetention(const RecordRetention&) = delete;
  RecordRetention& operator=(const RecordRetention&) = delete;

  // Ends the sweep (between two batches) and joins the thread.
  void Stop();

 private:
  RecordRetention(RecordRetentionOptions options, catalog::Catalog& catalog,
                  prometheus::Counter& pruned, const Clock& clock);
  void SweepLoop();
  // Removes every sequence record older than the retention, batch by batch;
  // false if Stop began meanwhile.
  bool Sweep(std::unique_lock<std::mutex>& lock);

  const RecordRetentionOptions options_;
  catalog::Catalog& catalog_;
  prometheus::Counter& pruned_;
  const Clock& clock_;

  std::mutex mu_;
  std::condition_variable stop_changed_;
  bool stopping_ = false;  // guarded by mu_
  std::thread sweeper_;
};

}  // namespace livesnap::snapshot
