#include "snapshot/record_retention.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

namespace livesnap::snapshot {

namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

}  // namespace

absl::StatusOr<std::unique_ptr<RecordRetention>> RecordRetention::Create(
    RecordRetentionOptions options, catalog::Catalog& catalog, prometheus::Registry& metrics,
    const Clock& clock) {
  if (options.retention_days < 1 || options.sweep_interval_ms < 1 || options.batch_size < 1 ||
      options.batch_pause_ms < 0) {
    return absl::InvalidArgumentError(
        "record retention: retention_days, sweep_interval_ms and batch_size must be at least 1, "
        "batch_pause_ms at least 0");
  }
  prometheus::Counter& pruned = prometheus::BuildCounter()
                                    .Name("livesnap_snapshot_records_pruned_total")
                                    .Help(
                                        "Sequence records removed for being older than the "
                                        "record retention")
                                    .Register(metrics)
                                    .Add({});
  std::unique_ptr<RecordRetention> retention(new RecordRetention(options, catalog, pruned, clock));
  retention->sweeper_ = std::thread([r = retention.get()] { r->SweepLoop(); });
  return retention;
}

RecordRetention::RecordRetention(RecordRetentionOptions options, catalog::Catalog& catalog,
                                 prometheus::Counter& pruned, const Clock& clock)
    : options_(options), catalog_(catalog), pruned_(pruned), clock_(clock) {}

RecordRetention::~RecordRetention() { Stop(); }

void RecordRetention::SweepLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!Sweep(lock)) return;
    const int64_t next_ms = clock_.MonotonicMs() + options_.sweep_interval_ms;
    while (!stopping_ && clock_.MonotonicMs() < next_ms) {
      clock_.WaitUntil(lock, stop_changed_, next_ms);
    }
  }
}

bool RecordRetention::Sweep(std::unique_lock<std::mutex>& lock) {
  const int64_t before_ms = clock_.UnixMs() - int64_t{options_.retention_days} * kDayMs;
  int64_t total = 0;
  while (true) {
    lock.unlock();
    absl::StatusOr<int64_t> pruned = catalog_.PruneSequenceRecords(before_ms, options_.batch_size);
    lock.lock();
    if (!pruned.ok()) {
      spdlog::warn("record retention: pruning sequence records failed, next sweep in {} s: {}",
                   options_.sweep_interval_ms / 1000, pruned.status().ToString());
      break;
    }
    total += *pruned;
    pruned_.Increment(static_cast<double>(*pruned));
    if (*pruned < options_.batch_size) break;
    if (stop_changed_.wait_for(lock, std::chrono::milliseconds(options_.batch_pause_ms),
                               [this] { return stopping_; })) {
      break;
    }
  }
  if (total > 0) {
    spdlog::info("record retention: removed {} sequence records older than {} days", total,
                 options_.retention_days);
  }
  return !stopping_;
}

void RecordRetention::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    stop_changed_.notify_all();
  }
  if (sweeper_.joinable()) sweeper_.join();
}

}  // namespace livesnap::snapshot
