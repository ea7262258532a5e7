// File: notify/notifier.h
//
// Snapshot callbacks: after each stored snapshot the pipeline hands a JSON
// body to the Notifier, which POSTs it to the template's Callback URL or the
// domain's NotifyUrl on its own threads, never on the caller's:
//
//   LS_ASSIGN_OR_RETURN(auto notifier, Notifier::Create({}, registry, SystemClock::Instance()),
//                       "start snapshot callbacks");
//   notifier->Enqueue({.url = notify_url, .json_body = body, .auth_key = notify_auth_key});
//   ...
//   notifier->Stop(std::chrono::seconds(5));
//
// A 2xx answer is success; 5xx, 429, timeouts and connection errors are
// retried with backoff (retry_policy.h); other answers fail at once. A
// non-empty auth_key signs every attempt (callback_signature.h). Requests
// carry Content-Type application/json and User-Agent livesnap/0.1.
//
// Metrics in the given registry: livesnap_callbacks_total{result=...} counts
// each notification once by its end: "delivered"; "failed" (refused, or still
// failing after max_retries); "dropped" (never given its chances: the queue
// was full, or it was still pending when Stop's grace ran out).
// livesnap_callback_retries_total counts attempts after the first.
//
// Thread-safety: thread-safe. Enqueue only takes a short lock, so the
// snapshot pipeline is never held up by a slow receiver.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace livesnap::notify {

namespace internal {
class HttpPoster;
}  // namespace internal

inline constexpr char kUserAgent[] = "livesnap/0.1";

struct Notification {
  std::string url;
  std::string json_body;   // built by the caller
  std::string auth_key{};  // non-empty: sign the request (NotifyReqAuth = yes)
};

struct NotifierOptions {
  int threads = 2;                    // delivery threads
  int64_t timeout_ms = 5000;          // per attempt
  int max_retries = 5;                // after the first attempt
  int64_t initial_backoff_ms = 1000;  // doubled each retry, with jitter, capped at 30 s
  size_t max_queue = 10000;  // waiting notifications (new or awaiting a retry); beyond it new
                             // ones are dropped and counted, accepted ones keep their retries
};

class Notifier {
 public:
  // Starts the delivery threads. InvalidArgument for options out of range.
  // `metrics` and `clock` must outlive the Notifier. The clock dates the
  // signatures and schedules retries.
  static absl::StatusOr<std::unique_ptr<Notifier>> Create(NotifierOptions options,
                                                          prometheus::Registry& metrics,
                                                          const Clock& clock);
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  // Stops with no grace if Stop was not called.
  ~Notifier();

  // Queues a notification for delivery; drops it (counted) if the queue is
  // full or Stop has begun.
  void Enqueue(Notification notification);

  // Refuses new notifications, keeps delivering what is due (retries
  // included) until nothing due remains or `grace` has passed, then aborts
  // transfers in flight, counts what is left as dropped and returns. The
  // grace is real time whatever the clock, so shutdown is always bounded.
  // Later calls return at once.
  void Stop(std::chrono::milliseconds grace);

 private:
  struct Pending {
    Notification notification;
    int attempts = 0;  // made so far
  };
  struct Counters {
    prometheus::Counter* delivered;
    prometheus::Counter* failed;
    prometheus::Counter* dropped;
    prometheus::Counter* retries;
  };
  // Ordered by due time (clock_.MonotonicMs()), then by arrival.
  using Queue = std::map<std::pair<int64_t, uint64_t>, Pending>;

  Notifier(NotifierOptions options, Counters counters, const Clock& clock,
           std::vector<std::unique_ptr<internal::HttpPoster>> posters);

  void DeliveryLoop(internal::HttpPoster& poster);
  // Blocks until a notification is due; nullopt when the thread should end.
  std::optional<Pending> NextDue();
  void Attempt(internal::HttpPoster& poster, Pending pending, double unit_random);
  absl::StatusOr<int> Post(internal::HttpPoster& poster, const Notification& notification);
  void ScheduleRetry(Pending pending, int64_t delay_ms);

  const NotifierOptions options_;
  const Counters counters_;
  const Clock& clock_;
  std::vector<std::unique_ptr<internal::HttpPoster>> posters_;  // one per thread

  std::mutex mu_;
  std::condition_variable changed_;                      // queue, stopping_ or running_threads_
  Queue queue_;                                          // guarded by mu_
  uint64_t next_arrival_ = 0;                            // guarded by mu_
  bool stopping_ = false;                                // guarded by mu_
  int64_t drain_until_ms_ = 0;                           // guarded by mu_; clock_ time, set by Stop
  std::chrono::steady_clock::time_point stop_deadline_;  // guarded by mu_; set by Stop
  int running_threads_ = 0;                              // guarded by mu_

  std::mutex stop_mu_;  // serialises Stop; guards threads_ and stopped_
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace livesnap::notify
