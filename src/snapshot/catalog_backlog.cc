#include "snapshot/catalog_backlog.h"

#include <malloc.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace livesnap::snapshot {

namespace {

bool IsTransient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

const char* KindName(CatalogWork kind) {
  return kind == CatalogWork::kSequence ? "sequence" : "record";
}

}  // namespace

CatalogBacklog::CatalogBacklog(catalog::Catalog& catalog, CatalogBacklogOptions options,
                               prometheus::Registry& metrics, const Clock& clock)
    : catalog_(catalog), options_(options), clock_(clock) {
  auto& tasks = prometheus::BuildGauge()
                    .Name("livesnap_catalog_backlog_tasks")
                    .Help("Snapshot catalog work waiting for the catalog, by kind")
                    .Register(metrics);
  sequence_gauge_ = &tasks.Add({{"kind", "sequence"}});
  record_gauge_ = &tasks.Add({{"kind", "record"}});
  bytes_gauge_ = &prometheus::BuildGauge()
                      .Name("livesnap_catalog_backlog_bytes")
                      .Help("Memory held by snapshot catalog work waiting for the catalog")
                      .Register(metrics)
                      .Add({});
  reachable_gauge_ = &prometheus::BuildGauge()
                          .Name("livesnap_catalog_reachable")
                          .Help("0 while the snapshot pipeline cannot reach the catalog, else 1")
                          .Register(metrics)
                          .Add({});
  reachable_gauge_->Set(1);
  auto& deferred = prometheus::BuildCounter()
                       .Name("livesnap_catalog_deferred_total")
                       .Help("Snapshot catalog work that waited for the catalog, by kind")
                       .Register(metrics);
  deferred_sequence_ = &deferred.Add({{"kind", "sequence"}});
  deferred_record_ = &deferred.Add({{"kind", "record"}});
  dropped_ = &prometheus::BuildCounter()
                  .Name("livesnap_catalog_backlog_dropped_total")
                  .Help("Snapshot catalog work given up, by kind and reason (full, stopped)")
                  .Register(metrics);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ls-catalog-q");
    Run();
  });
}

CatalogBacklog::~CatalogBacklog() { Stop(); }

void CatalogBacklog::Submit(CatalogTask task) {
  std::unique_lock lock(mu_);
  const uint64_t ticket = next_ticket_++;
  if (stopping_) {
    lock.unlock();
    Drop(task, absl::CancelledError("the snapshot pipeline is stopping"));
    return;
  }
  if (state_.catalog_down || lane_tasks_.contains(task.lane)) {
    if (!Hold(ticket, task)) {
      lock.unlock();
      Drop(task, absl::ResourceExhaustedError("the catalog backlog is full"));
      return;
    }
    ++lane_tasks_[task.lane];
    (task.kind == CatalogWork::kSequence ? deferred_sequence_ : deferred_record_)->Increment();
    changed_.notify_all();
    return;
  }
  // The catalog answers and nothing of the lane waits: run it here.
  ++lane_tasks_[task.lane];
  inline_lanes_.insert(task.lane);
  ++running_;
  lock.unlock();
  const absl::Status status = task.run(catalog_);
  lock.lock();
  --running_;
  inline_lanes_.erase(task.lane);
  NoteResult(status);
  if (IsTransient(status) && !stopping_ && Hold(ticket, task)) {
    (task.kind == CatalogWork::kSequence ? deferred_sequence_ : deferred_record_)->Increment();
    changed_.notify_all();
    return;
  }
  EndTask(task.lane);
  changed_.notify_all();
  lock.unlock();
  if (IsTransient(status)) {
    Drop(task, stopping_ ? absl::CancelledError("the snapshot pipeline is stopping")
                         : absl::ResourceExhaustedError("the catalog backlog is full"));
  } else if (!status.ok()) {
    task.failed(status);
  }
}

bool CatalogBacklog::Hold(uint64_t ticket, CatalogTask& task) {
  if (waiting_.size() >= options_.max_tasks ||
      state_.bytes + task.size_bytes > options_.max_bytes) {
    return false;
  }
  Count(task, +1);
  waiting_.emplace(ticket, std::move(task));
  UpdateGauges();
  return true;
}

void CatalogBacklog::EndTask(const std::string& lane) {
  auto it = lane_tasks_.find(lane);
  if (it != lane_tasks_.end() && --it->second == 0) lane_tasks_.erase(it);
}

void CatalogBacklog::Count(const CatalogTask& task, int sign) {
  size_t& tasks = task.kind == CatalogWork::kSequence ? state_.sequence_tasks : state_.record_tasks;
  if (sign > 0) {
    ++tasks;
    state_.bytes += task.size_bytes;
    peak_bytes_ = std::max(peak_bytes_, state_.bytes);
  } else {
    --tasks;
    state_.bytes -= task.size_bytes;
  }
}

void CatalogBacklog::UpdateGauges() {
  sequence_gauge_->Set(static_cast<double>(state_.sequence_tasks));
  record_gauge_->Set(static_cast<double>(state_.record_tasks));
  bytes_gauge_->Set(static_cast<double>(state_.bytes));
}

void CatalogBacklog::NoteResult(const absl::Status& status) {
  if (IsTransient(status)) {
    state_.last_error = status.ToString();
    next_try_ms_ = clock_.MonotonicMs() + options_.retry_ms;
    if (!state_.catalog_down) {
      state_.catalog_down = true;
      state_.down_since_unix_ms = clock_.UnixMs();
      reachable_gauge_->Set(0);
      spdlog::error(
          "catalog: unreachable; sequence numbers and snapshot records wait in memory "
          "(at most {} MiB) until it answers: {}",
          options_.max_bytes >> 20, state_.last_error);
    }
    return;
  }
  if (state_.catalog_down) {  // any other answer came from the catalog
    state_.catalog_down = false;
    reachable_gauge_->Set(1);
    spdlog::info(
        "catalog: answers again after {} s; catching up with {} sequence captures and {} "
        "records",
        (clock_.UnixMs() - state_.down_since_unix_ms) / 1000, state_.sequence_tasks,
        state_.record_tasks);
  }
}

std::map<uint64_t, CatalogTask>::iterator CatalogBacklog::NextRunnable() {
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (!inline_lanes_.contains(it->second.lane)) return it;
  }
  return waiting_.end();
}

void CatalogBacklog::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto it = NextRunnable();
    if (it == waiting_.end()) {
      if (waiting_.empty() && peak_bytes_ > 0) {
        const bool trim = peak_bytes_ > kTrimAfterBytes;
        spdlog::info("catalog: the snapshot backlog is caught up (it held up to {} KiB)",
                     peak_bytes_ >> 10);
        peak_bytes_ = 0;
        if (trim) {
          // The JPEGs that waited were freed in many small pieces that malloc
          // keeps in its arenas: give them back to the system.
          lock.unlock();
          malloc_trim(0);
          lock.lock();
          continue;
        }
      }
      clock_.WaitUntil(lock, changed_, Clock::kNoDeadline);
      continue;
    }
    if (state_.catalog_down && clock_.MonotonicMs() < next_try_ms_) {
      clock_.WaitUntil(lock, changed_, next_try_ms_);
      continue;
    }
    const uint64_t ticket = it->first;
    CatalogTask task = std::move(it->second);
    waiting_.erase(it);
    Count(task, -1);
    ++running_;
    lock.unlock();
    const absl::Status status = task.run(catalog_);
    lock.lock();
    --running_;
    NoteResult(status);
    if (IsTransient(status) && !stopping_) {
      Count(task, +1);  // back in its place, whatever the bounds say
      waiting_.emplace(ticket, std::move(task));
      continue;
    }
    EndTask(task.lane);
    UpdateGauges();
    changed_.notify_all();
    if (!status.ok()) {
      lock.unlock();
      if (IsTransient(status)) {
        Drop(task, absl::CancelledError("the snapshot pipeline is stopping"));
      } else {
        task.failed(status);
      }
      lock.lock();
    }
  }
}

void CatalogBacklog::Drop(CatalogTask& task, const absl::Status& why) {
  const bool full = absl::IsResourceExhausted(why);
  dropped_->Add({{"kind", KindName(task.kind)}, {"reason", full ? "full" : "stopped"}}).Increment();
  if (full) {
    std::lock_guard lock(mu_);
    ++state_.dropped_full;
  }
  if (task.failed) task.failed(why);
}

bool CatalogBacklog::WaitIdle(std::chrono::steady_clock::time_point real_deadline) {
  std::unique_lock lock(mu_);
  return changed_.wait_until(lock, real_deadline,
                             [this] { return waiting_.empty() && running_ == 0; });
}

void CatalogBacklog::Stop() {
  std::call_once(stopped_, [this] {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::vector<CatalogTask> left;
    {
      std::unique_lock lock(mu_);
      changed_.wait(lock, [this] { return running_ == 0; });
      for (auto& [ticket, task] : waiting_) left.push_back(std::move(task));
      waiting_.clear();
      lane_tasks_.clear();
      state_.sequence_tasks = state_.record_tasks = state_.bytes = 0;
      UpdateGauges();
    }
    if (!left.empty()) {
      spdlog::error("catalog: stopping with {} snapshot catalog tasks still waiting; given up",
                    left.size());
    }
    for (CatalogTask& task : left)
      Drop(task, absl::CancelledError("stopped before the catalog answered"));
  });
}

CatalogBacklogState CatalogBacklog::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

}  // namespace livesnap::snapshot
