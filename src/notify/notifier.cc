#include "notify/notifier.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "notify/callback_signature.h"
#include "notify/internal/http_poster.h"
#include "notify/retry_policy.h"

namespace livesnap::notify {
namespace {

absl::Status ValidateOptions(const NotifierOptions& options) {
  if (options.threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("notifier: threads ", options.threads, " must be at least 1"));
  }
  if (options.timeout_ms < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("notifier: timeout_ms ", options.timeout_ms, " must be at least 1"));
  }
  if (options.max_retries < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("notifier: max_retries ", options.max_retries, " must not be negative"));
  }
  if (options.initial_backoff_ms < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "notifier: initial_backoff_ms ", options.initial_backoff_ms, " must not be negative"));
  }
  if (options.max_queue < 1) {
    return absl::InvalidArgumentError("notifier: max_queue must be at least 1");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Notifier>> Notifier::Create(NotifierOptions options,
                                                           prometheus::Registry& metrics,
                                                           const Clock& clock) {
  if (absl::Status status = ValidateOptions(options); !status.ok()) return status;
  std::vector<std::unique_ptr<internal::HttpPoster>> posters;
  for (int i = 0; i < options.threads; ++i) {
    absl::StatusOr<std::unique_ptr<internal::HttpPoster>> poster =
        internal::HttpPoster::Create(kUserAgent);
    if (!poster.ok()) {
      return absl::Status(poster.status().code(),
                          absl::StrCat("notifier: ", std::string(poster.status().message())));
    }
    posters.push_back(std::move(*poster));
  }
  auto& callbacks = prometheus::BuildCounter()
                        .Name("livesnap_callbacks_total")
                        .Help("Snapshot callbacks by how they ended")
                        .Register(metrics);
  auto& retries = prometheus::BuildCounter()
                      .Name("livesnap_callback_retries_total")
                      .Help("Snapshot callback attempts after the first")
                      .Register(metrics);
  const Counters counters{.delivered = &callbacks.Add({{"result", "delivered"}}),
                          .failed = &callbacks.Add({{"result", "failed"}}),
                          .dropped = &callbacks.Add({{"result", "dropped"}}),
                          .retries = &retries.Add({})};
  return std::unique_ptr<Notifier>(
      new Notifier(std::move(options), counters, clock, std::move(posters)));
}

Notifier::Notifier(NotifierOptions options, Counters counters, const Clock& clock,
                   std::vector<std::unique_ptr<internal::HttpPoster>> posters)
    : options_(std::move(options)),
      counters_(counters),
      clock_(clock),
      posters_(std::move(posters)) {
  running_threads_ = static_cast<int>(posters_.size());
  for (auto& poster : posters_) {
    threads_.emplace_back([this, &poster] { DeliveryLoop(*poster); });
  }
}

Notifier::~Notifier() { Stop(std::chrono::milliseconds(0)); }

void Notifier::Enqueue(Notification notification) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < options_.max_queue) {
      queue_.emplace(std::pair(clock_.MonotonicMs(), next_arrival_++),
                     Pending{.notification = std::move(notification)});
      changed_.notify_one();
      return;
    }
  }
  counters_.dropped->Increment();
}

void Notifier::Stop(std::chrono::milliseconds grace) {
  std::lock_guard stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  std::unique_lock lock(mu_);
  stopping_ = true;
  drain_until_ms_ = clock_.MonotonicMs() + grace.count();
  stop_deadline_ = std::chrono::steady_clock::now() + grace;
  changed_.notify_all();
  if (!changed_.wait_until(lock, stop_deadline_, [this] { return running_threads_ == 0; })) {
    for (auto& poster : posters_) poster->Cancel();
  }
  lock.unlock();
  for (std::thread& thread : threads_) thread.join();
  lock.lock();
  if (!queue_.empty()) {
    spdlog::warn("snapshot callbacks: {} still pending at shutdown, dropped", queue_.size());
    counters_.dropped->Increment(static_cast<double>(queue_.size()));
    queue_.clear();
  }
}

void Notifier::DeliveryLoop(internal::HttpPoster& poster) {
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  while (std::optional<Pending> pending = NextDue()) {
    Attempt(poster, std::move(*pending), unit(random));
  }
  std::lock_guard lock(mu_);
  --running_threads_;
  changed_.notify_all();
}

std::optional<Notifier::Pending> Notifier::NextDue() {
  std::unique_lock lock(mu_);
  while (true) {
    if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) return std::nullopt;
    int64_t wake_ms = Clock::kNoDeadline;
    if (!queue_.empty()) {
      const auto first = queue_.begin();
      const int64_t due_ms = first->first.first;
      if (stopping_ && due_ms > drain_until_ms_) return std::nullopt;  // not due within grace
      const int64_t now_ms = clock_.MonotonicMs();
      if (due_ms <= now_ms) {
        Pending pending = std::move(first->second);
        queue_.erase(first);
        return pending;
      }
      wake_ms = due_ms;
    } else if (stopping_) {
      return std::nullopt;
    }
    clock_.WaitUntil(lock, changed_, wake_ms, stopping_ ? stop_deadline_ : Clock::RealTime::max());
  }
}

absl::StatusOr<int> Notifier::Post(internal::HttpPoster& poster, const Notification& notification) {
  internal::HttpPost post{
      .url = notification.url, .body = notification.json_body, .timeout_ms = options_.timeout_ms};
  if (!notification.auth_key.empty()) {
    absl::StatusOr<std::string> host = CallbackHost(notification.url);
    if (!host.ok()) return host.status();
    const int64_t unix_seconds = clock_.UnixMs() / 1000;
    absl::StatusOr<std::string> signature =
        CallbackSignature(*host, unix_seconds, notification.auth_key);
    if (!signature.ok()) return signature.status();
    post.headers.push_back(absl::StrCat(kTimestampHeader, ": ", unix_seconds));
    post.headers.push_back(absl::StrCat(kSignatureHeader, ": ", *signature));
  }
  return poster.Post(post);
}

void Notifier::Attempt(internal::HttpPoster& poster, Pending pending, double unit_random) {
  if (pending.attempts > 0) counters_.retries->Increment();
  ++pending.attempts;
  const absl::StatusOr<int> result = Post(poster, pending.notification);
  const std::string outcome =
      result.ok() ? absl::StrCat("HTTP ", *result) : std::string(result.status().message());
  switch (ClassifyAttempt(result)) {
    case AttemptOutcome::kDelivered:
      counters_.delivered->Increment();
      return;
    case AttemptOutcome::kFailed:
      counters_.failed->Increment();
      spdlog::warn("snapshot callback to {} failed: {}", pending.notification.url, outcome);
      return;
    case AttemptOutcome::kRetry:
      if (result.status().code() == absl::StatusCode::kCancelled) {
        counters_.dropped->Increment();
        return;
      }
      if (pending.attempts > options_.max_retries) {
        counters_.failed->Increment();
        spdlog::warn("snapshot callback to {} failed after {} attempts: {}",
                     pending.notification.url, pending.attempts, outcome);
        return;
      }
      const int64_t delay_ms =
          BackoffMs(CallbackBackoff(options_.initial_backoff_ms), pending.attempts, unit_random);
      spdlog::debug("snapshot callback to {}: {}; retry in {} ms", pending.notification.url,
                    outcome, delay_ms);
      ScheduleRetry(std::move(pending), delay_ms);
      return;
  }
}

void Notifier::ScheduleRetry(Pending pending, int64_t delay_ms) {
  std::lock_guard lock(mu_);
  queue_.emplace(std::pair(clock_.MonotonicMs() + delay_ms, next_arrival_++), std::move(pending));
  // All: Stop may be waiting on the same condition.
  changed_.notify_all();
}

}  // namespace livesnap::notify
