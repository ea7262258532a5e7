#include "storage/reliable_uploader.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <spdlog/spdlog.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "storage/internal/upload_metrics.h"
#include "storage/internal/upload_spool.h"
#include "storage/store_failure.h"

namespace livesnap::storage {
namespace {

// Pause after the spool directory failed to take a write (disk full, I/O).
constexpr std::chrono::milliseconds kSpoolRetryWait(1000);

absl::Status ValidateOptions(const ReliableUploaderOptions& options) {
  const std::string context = absl::StrCat("uploader \"", options.name, "\": ");
  if (options.threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, "threads ", options.threads, " must be at least 1"));
  }
  if (options.spool_dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(context, "no spool_dir"));
  }
  if (options.retry.initial_backoff_ms < 0 || options.retry.max_backoff_ms < 0) {
    return absl::InvalidArgumentError(absl::StrCat(context, "negative backoff"));
  }
  return absl::OkStatus();
}

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

}  // namespace

struct ReliableUploader::Entry {
  uint64_t id = 0;
  std::string lane;
  std::string key;
  std::string content_type;
  std::string metadata;
  bool coalesce = false;
  int64_t size_bytes = 0;
  int64_t enqueued_unix_ms = 0;
  std::shared_ptr<const std::vector<uint8_t>> data{};  // null once only the spool holds it
  bool on_disk = false;                                // a spool file holds it
  bool spilling = false;                               // the spool thread is writing it
  bool in_flight = false;                              // a worker is delivering it
  int attempts = 0;
};

struct ReliableUploader::Lane {
  std::set<uint64_t> ids;                       // not completed, in delivery order
  std::map<std::string, uint64_t> coalescable;  // key -> id of a waiting coalesce upload
  bool busy = false;                            // its head is in flight
  int failures = 0;                             // consecutive transient failures
  std::optional<ReadyKey> ready;                // its place in ready_
};

struct ReliableUploader::Job {
  bool report = false;    // true: only run the completion callback
  UploadResult result{};  // when report
  uint64_t id = 0;
  std::string lane{};
  std::string key{};
  std::string content_type{};
  std::shared_ptr<const std::vector<uint8_t>> data{};  // null: read it from the spool
};

absl::StatusOr<std::unique_ptr<ReliableUploader>> ReliableUploader::Create(
    ReliableUploaderOptions options, ObjectStore& store, UploadCallback on_done,
    prometheus::Registry& registry, const Clock& clock) {
  LS_RETURN_IF_ERROR(ValidateOptions(options), "");
  const std::string context = absl::StrCat("uploader \"", options.name, "\"");
  LS_ASSIGN_OR_RETURN(internal::UploadSpool spool, internal::UploadSpool::Open(options.spool_dir),
                      context);
  std::vector<std::string> problems;
  LS_ASSIGN_OR_RETURN(std::vector<internal::SpooledUpload> spooled, spool.Scan(&problems), context);
  for (const std::string& problem : problems) {
    spdlog::error("uploads to {}: unreadable spool file {}", options.name, problem);
  }

  auto metrics = std::make_unique<internal::UploadMetrics>(
      internal::UploadMetrics::Register(registry, options.name));

  std::unique_ptr<ReliableUploader> uploader(
      new ReliableUploader(std::move(options), store, std::move(on_done), std::move(metrics), clock,
                           std::make_unique<internal::UploadSpool>(std::move(spool))));
  uploader->Restore(std::move(spooled));
  uploader->Start();
  return uploader;
}

ReliableUploader::ReliableUploader(ReliableUploaderOptions options, ObjectStore& store,
                                   UploadCallback on_done,
                                   std::unique_ptr<internal::UploadMetrics> metrics,
                                   const Clock& clock, std::unique_ptr<internal::UploadSpool> spool)
    : options_(std::move(options)),
      store_(store),
      on_done_(std::move(on_done)),
      metrics_(std::move(metrics)),
      clock_(clock),
      spool_(std::move(spool)) {}

ReliableUploader::~ReliableUploader() { Stop(std::chrono::milliseconds(0)); }

void ReliableUploader::Restore(std::vector<internal::SpooledUpload> spooled) {
  std::lock_guard lock(mu_);
  for (internal::SpooledUpload& upload : spooled) {
    Entry entry{.id = upload.id,
                .lane = std::move(upload.lane),
                .key = std::move(upload.key),
                .content_type = std::move(upload.content_type),
                .metadata = std::move(upload.metadata),
                .coalesce = upload.coalesce,
                .size_bytes = upload.size_bytes,
                .enqueued_unix_ms = upload.enqueued_unix_ms,
                .on_disk = true};
    next_id_ = std::max(next_id_, entry.id + 1);
    Admit(std::move(entry));
  }
  if (!spooled.empty()) {
    spdlog::info("uploads to {}: {} uploads ({} bytes) waiting in {} from an earlier run",
                 options_.name, spooled.size(), spool_bytes_, spool_->directory().string());
  }
  UpdateGauges();
}

void ReliableUploader::Start() {
  for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  spooler_ = std::thread([this] { SpoolLoop(); });
}

absl::Status ReliableUploader::Enqueue(Upload upload) {
  LS_RETURN_IF_ERROR(ValidateObjectKey(upload.key), "enqueue upload");
  const auto size = static_cast<int64_t>(upload.data.size());
  Entry entry{.lane = std::move(upload.lane),
              .key = std::move(upload.key),
              .content_type = std::move(upload.content_type),
              .metadata = std::move(upload.metadata),
              .coalesce = upload.coalesce,
              .size_bytes = size,
              .enqueued_unix_ms = clock_.UnixMs(),
              .data = std::make_shared<const std::vector<uint8_t>>(std::move(upload.data))};
  std::lock_guard lock(mu_);
  if (stopping_) {
    metrics_->refused->Increment();
    return absl::FailedPreconditionError(
        absl::StrCat("uploads to ", options_.name, " are stopping"));
  }
  if (memory_bytes_ + spool_bytes_ + static_cast<size_t>(size) >
      options_.max_memory_bytes + options_.max_spool_bytes) {
    metrics_->refused->Increment();
    return absl::ResourceExhaustedError(absl::StrCat(
        "uploads to ", options_.name, ": ", entries_.size(), " uploads (", memory_bytes_,
        " bytes in memory, ", spool_bytes_, " spooled) already waiting; memory and spool full"));
  }
  entry.id = next_id_++;
  Admit(std::move(entry));
  UpdateGauges();
  work_changed_.notify_one();
  if (memory_bytes_ > options_.max_memory_bytes) spool_changed_.notify_one();
  return absl::OkStatus();
}

void ReliableUploader::Admit(Entry entry) {
  const uint64_t id = entry.id;
  Lane& lane = lanes_[entry.lane];
  std::optional<uint64_t> superseded;
  if (entry.coalesce) {
    auto [it, inserted] = lane.coalescable.try_emplace(entry.key, id);
    if (!inserted) {
      superseded = it->second;
      it->second = id;
    }
  }
  lane.ids.insert(id);
  if (entry.on_disk) {
    spool_bytes_ += static_cast<size_t>(entry.size_bytes);
    ++spooled_count_;
  } else {
    memory_bytes_ += static_cast<size_t>(entry.size_bytes);
    in_memory_.insert(id);
  }
  const std::string lane_name = entry.lane;
  entries_.emplace(id, std::move(entry));
  if (superseded) {
    reports_.push_back(
        ResultOf(entries_.at(*superseded),
                 absl::AbortedError("superseded by a newer upload of the same key")));
    metrics_->superseded->Increment();
    RemoveEntry(*superseded);
  }
  Lane& current = lanes_.at(lane_name);
  if (!current.busy && !current.ready) MakeReady(lane_name, current, clock_.MonotonicMs());
}

void ReliableUploader::MakeReady(const std::string& lane_name, Lane& lane, int64_t due_ms) {
  if (lane.ready) ready_.erase(*lane.ready);
  lane.ready = ReadyKey(due_ms, next_ticket_++, lane_name);
  ready_.insert(*lane.ready);
}

void ReliableUploader::RemoveEntry(uint64_t id) {
  auto entry_it = entries_.find(id);
  Entry& entry = entry_it->second;
  auto lane_it = lanes_.find(entry.lane);
  Lane& lane = lane_it->second;
  lane.ids.erase(id);
  if (auto it = lane.coalescable.find(entry.key);
      it != lane.coalescable.end() && it->second == id) {
    lane.coalescable.erase(it);
  }
  if (entry.data != nullptr) {
    memory_bytes_ -= static_cast<size_t>(entry.size_bytes);
    in_memory_.erase(id);
  }
  if (entry.on_disk) {
    spool_bytes_ -= static_cast<size_t>(entry.size_bytes);
    --spooled_count_;
    doomed_files_.push_back(id);
    spool_changed_.notify_one();
  }
  entries_.erase(entry_it);
  if (lane.busy) return;  // Finish decides what comes next
  if (lane.ids.empty()) {
    if (lane.ready) ready_.erase(*lane.ready);
    lanes_.erase(lane_it);
  } else if (!lane.ready) {
    MakeReady(lane_it->first, lane, clock_.MonotonicMs());
  }
}

UploadResult ReliableUploader::ResultOf(const Entry& entry, absl::Status status) const {
  return UploadResult{.lane = entry.lane,
                      .key = entry.key,
                      .metadata = entry.metadata,
                      .size_bytes = entry.size_bytes,
                      .status = std::move(status),
                      .attempts = entry.attempts,
                      .enqueued_unix_ms = entry.enqueued_unix_ms};
}

void ReliableUploader::UpdateGauges() {
  metrics_->queued->Set(static_cast<double>(entries_.size()));
  metrics_->memory_bytes->Set(static_cast<double>(memory_bytes_));
  metrics_->spool_bytes->Set(static_cast<double>(spool_bytes_));
}

void ReliableUploader::NoteOutcome(const absl::Status& status) {
  if (status.ok()) {
    health_ = StoreHealth{};
  } else {
    const std::string_view reason = StoreFailureReason(status);
    metrics_->Failures(reason).Increment();
    if (!health_.failing) health_.failing_since_unix_ms = clock_.UnixMs();
    health_.failing = true;
    health_.reason = std::string(reason);
    // The message without payloads (ToString would append the errno mark).
    health_.last_error =
        absl::StrCat(absl::StatusCodeToString(status.code()), ": ", std::string(status.message()));
  }
  metrics_->failing->Set(health_.failing ? 1 : 0);
}

StoreHealth ReliableUploader::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

ReliableUploader::Backlog ReliableUploader::backlog() const {
  std::lock_guard lock(mu_);
  return Backlog{.uploads = entries_.size(),
                 .spooled = spooled_count_,
                 .memory_bytes = memory_bytes_,
                 .spool_bytes = spool_bytes_};
}

void ReliableUploader::WorkerLoop() {
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  while (std::optional<Job> job = NextJob()) {
    if (job->report) {
      on_done_(job->result);
      std::lock_guard lock(mu_);
      --active_jobs_;
      work_changed_.notify_all();
    } else {
      Deliver(std::move(*job), unit(random));
    }
  }
}

bool ReliableUploader::NothingDueWithinGrace() const {
  if (active_jobs_ > 0) return false;  // a delivery in flight may schedule a retry
  return ready_.empty() || std::get<0>(*ready_.begin()) > drain_until_ms_;
}

std::optional<ReliableUploader::Job> ReliableUploader::NextJob() {
  std::unique_lock lock(mu_);
  while (true) {
    if (!reports_.empty()) {
      Job job{.report = true, .result = std::move(reports_.front())};
      reports_.pop_front();
      ++active_jobs_;
      return job;
    }
    if (stopping_ &&
        (std::chrono::steady_clock::now() >= stop_deadline_ || NothingDueWithinGrace())) {
      work_changed_.notify_all();  // the other workers may be waiting for this one
      return std::nullopt;
    }
    int64_t wake_ms = Clock::kNoDeadline;
    if (!ready_.empty()) {
      const int64_t due_ms = std::get<0>(*ready_.begin());
      const int64_t now_ms = clock_.MonotonicMs();
      if (due_ms <= now_ms) {
        const std::string lane_name = std::get<2>(*ready_.begin());
        ready_.erase(ready_.begin());
        Lane& lane = lanes_.at(lane_name);
        lane.ready.reset();
        lane.busy = true;
        Entry& entry = entries_.at(*lane.ids.begin());
        entry.in_flight = true;
        if (auto it = lane.coalescable.find(entry.key);
            it != lane.coalescable.end() && it->second == entry.id) {
          lane.coalescable.erase(it);  // a newer upload of the key must now wait behind it
        }
        ++active_jobs_;
        return Job{.id = entry.id,
                   .lane = entry.lane,
                   .key = entry.key,
                   .content_type = entry.content_type,
                   .data = entry.data};
      }
      wake_ms = due_ms;
    }
    // Stop's real-time deadline ends the wait too.
    clock_.WaitUntil(lock, work_changed_, wake_ms,
                     stopping_ ? stop_deadline_ : Clock::RealTime::max());
  }
}

void ReliableUploader::Deliver(Job job, double unit_random) {
  std::shared_ptr<const std::vector<uint8_t>> data = job.data;
  absl::Status status;
  int64_t put_ms = 0;
  if (data == nullptr) {
    absl::StatusOr<internal::SpooledUpload> spooled = spool_->Read(job.id);
    if (spooled.ok()) {
      data = std::make_shared<const std::vector<uint8_t>>(std::move(spooled->data));
    } else {
      status = spooled.status();
    }
  }
  if (data != nullptr) {
    const int64_t started_ms = clock_.MonotonicMs();
    status = store_.Put(job.key, *data, job.content_type);
    put_ms = clock_.MonotonicMs() - started_ms;
  }
  Finish(job, status, put_ms, unit_random);
}

void ReliableUploader::Finish(const Job& job, const absl::Status& status, int64_t put_ms,
                              double unit_random) {
  std::optional<UploadResult> result;
  const std::string& lane_name = job.lane;
  {
    std::lock_guard lock(mu_);
    Entry& entry = entries_.at(job.id);
    Lane& lane = lanes_.at(lane_name);
    entry.in_flight = false;
    ++entry.attempts;
    NoteOutcome(status);
    if (IsRetryable(status)) {
      --active_jobs_;
      lane.busy = false;
      metrics_->retries->Increment();
      ++lane.failures;
      const int64_t delay_ms = BackoffMs(options_.retry, lane.failures, unit_random);
      if (!store_failing_) {
        store_failing_ = true;
        spdlog::warn("uploads to {} failing, waiting uploads are kept and retried: {}",
                     options_.name, status.ToString());
      }
      spdlog::debug("uploads to {}: {} attempt {} failed, retry in {} ms: {}", options_.name,
                    entry.key, entry.attempts, delay_ms, status.ToString());
      MakeReady(lane_name, lane, clock_.MonotonicMs() + delay_ms);
      auto newer = lane.coalescable.find(entry.key);
      if (entry.coalesce && newer != lane.coalescable.end()) {
        // A newer image of the same object arrived while this one was tried.
        reports_.push_back(
            ResultOf(entry, absl::AbortedError("superseded by a newer upload of the same key")));
        metrics_->superseded->Increment();
        RemoveEntry(job.id);
      } else if (entry.coalesce) {
        lane.coalescable.emplace(entry.key, entry.id);
      }
    } else {
      lane.failures = 0;
      if (status.ok()) {
        metrics_->ok->Increment();
        metrics_->bytes->Increment(static_cast<double>(entry.size_bytes));
        metrics_->put_seconds->Observe(Seconds(put_ms));
        metrics_->delay_seconds->Observe(Seconds(clock_.UnixMs() - entry.enqueued_unix_ms));
        if (store_failing_) {
          store_failing_ = false;
          spdlog::info("uploads to {} recovered; {} uploads waiting", options_.name,
                       entries_.size() - 1);
        }
      } else {
        metrics_->failed->Increment();
        spdlog::error("uploads to {}: {} not stored: {}", options_.name, entry.key,
                      status.ToString());
      }
      result = ResultOf(entry, status);
      // The lane stays busy until the completion is reported, so that the
      // completions of one lane come in its order.
      RemoveEntry(job.id);
    }
    UpdateGauges();
    work_changed_.notify_all();
  }
  if (!result) return;
  on_done_(*result);
  std::lock_guard lock(mu_);
  --active_jobs_;
  auto lane = lanes_.find(lane_name);
  lane->second.busy = false;
  if (lane->second.ids.empty()) {
    lanes_.erase(lane);
  } else {
    MakeReady(lane_name, lane->second, clock_.MonotonicMs());
  }
  work_changed_.notify_all();
}

void ReliableUploader::SpoolLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    if (!doomed_files_.empty()) {
      std::vector<uint64_t> doomed;
      doomed.swap(doomed_files_);
      lock.unlock();
      for (uint64_t id : doomed) {
        if (absl::Status status = spool_->Remove(id); !status.ok()) {
          spdlog::error("uploads to {}: {}", options_.name, status.ToString());
        }
      }
      lock.lock();
      continue;
    }
    if (spooler_stop_) return;
    if (memory_bytes_ > options_.max_memory_bytes) {
      const SpillOutcome outcome = SpillOne(lock, true);
      if (outcome == SpillOutcome::kSpilled) continue;
      if (outcome == SpillOutcome::kFailed) {
        spool_changed_.wait_for(lock, kSpoolRetryWait);
        continue;
      }
    }
    spool_changed_.wait(lock);  // every change of what it watches notifies
  }
}

ReliableUploader::SpillOutcome ReliableUploader::SpillOne(std::unique_lock<std::mutex>& lock,
                                                          bool within_limit) {
  // The most recent uploads are needed last: they go to disk first.
  Entry* victim = nullptr;
  for (auto it = in_memory_.rbegin(); it != in_memory_.rend(); ++it) {
    Entry& entry = entries_.at(*it);
    if (!entry.in_flight && !entry.spilling) {
      victim = &entry;
      break;
    }
  }
  if (victim == nullptr) return SpillOutcome::kNothing;
  if (within_limit &&
      spool_bytes_ + static_cast<size_t>(victim->size_bytes) > options_.max_spool_bytes) {
    return SpillOutcome::kNothing;
  }
  const uint64_t id = victim->id;
  victim->spilling = true;
  const internal::SpooledUpload header{.id = id,
                                       .lane = victim->lane,
                                       .key = victim->key,
                                       .content_type = victim->content_type,
                                       .metadata = victim->metadata,
                                       .coalesce = victim->coalesce,
                                       .enqueued_unix_ms = victim->enqueued_unix_ms,
                                       .size_bytes = victim->size_bytes};
  const std::shared_ptr<const std::vector<uint8_t>> data = victim->data;
  lock.unlock();
  const absl::Status status = spool_->Write(header, *data);
  lock.lock();
  auto it = entries_.find(id);
  if (it == entries_.end()) {  // delivered or superseded while it was written
    if (status.ok()) doomed_files_.push_back(id);
    return SpillOutcome::kSpilled;
  }
  Entry& entry = it->second;
  entry.spilling = false;
  if (!status.ok()) {
    if (!spool_failing_) {
      spool_failing_ = true;
      spdlog::error("uploads to {}: cannot spool, keeping uploads in memory: {}", options_.name,
                    status.ToString());
    }
    return SpillOutcome::kFailed;
  }
  spool_failing_ = false;
  entry.on_disk = true;
  entry.data.reset();
  in_memory_.erase(id);
  memory_bytes_ -= static_cast<size_t>(entry.size_bytes);
  spool_bytes_ += static_cast<size_t>(entry.size_bytes);
  ++spooled_count_;
  metrics_->spilled->Increment();
  UpdateGauges();
  return SpillOutcome::kSpilled;
}

void ReliableUploader::Stop(std::chrono::milliseconds grace) {
  std::lock_guard stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + grace;
    drain_until_ms_ = clock_.MonotonicMs() + grace.count();
    work_changed_.notify_all();
  }
  for (std::thread& worker : workers_) worker.join();
  {
    std::lock_guard lock(mu_);
    spooler_stop_ = true;
    spool_changed_.notify_all();
  }
  spooler_.join();
  SpillAll();
}

void ReliableUploader::SpillAll() {
  std::unique_lock lock(mu_);
  size_t lost = 0;
  for (uint64_t id : doomed_files_) {
    if (absl::Status status = spool_->Remove(id); !status.ok()) {
      spdlog::error("uploads to {}: {}", options_.name, status.ToString());
    }
  }
  doomed_files_.clear();
  while (!in_memory_.empty()) {
    // Beyond the spool's bound if need be: better than losing them.
    const SpillOutcome outcome = SpillOne(lock, false);
    if (outcome != SpillOutcome::kSpilled) {
      lost = in_memory_.size();
      break;
    }
  }
  if (lost > 0) {
    spdlog::error("uploads to {}: {} uploads could not be spooled at shutdown and are lost",
                  options_.name, lost);
  }
  if (!entries_.empty()) {
    spdlog::info("uploads to {}: {} uploads ({} bytes) left in {} for the next start",
                 options_.name, spooled_count_, spool_bytes_, spool_->directory().string());
  }
}

}  // namespace livesnap::storage
