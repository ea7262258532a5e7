#include "tools/loadgen/load_generator.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "tools/loadgen/internal/stream_pusher.h"

namespace livesnap::loadgen {

namespace {

using internal::LoopCounters;
using internal::PusherContext;
using internal::StreamPusher;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kReadBufferBytes = 64 * 1024;

// One event loop, its thread's share of the streams, and its tick.
class Loop {
 public:
  Loop(const LoadOptions& options, PusherContext context, SteadyClock::time_point run_start,
       const std::atomic<bool>& stop_requested, int64_t end_ms)
      : options_(options),
        context_(std::move(context)),
        run_start_(run_start),
        stop_requested_(stop_requested),
        end_ms_(end_ms),
        timer_(io_) {
    context_.counters = &counters_;
    context_.now_ms = [this] { return NowMs(); };
  }

  void Add(int index, std::string name, int64_t start_ms) {
    streams_.push_back(
        std::make_unique<StreamPusher>(io_, context_, index, std::move(name), start_ms));
  }

  // Runs until every stream of this loop has finished. `on_tick` runs after
  // every tick, `on_done` once the last stream has finished.
  void Run(std::function<void()> on_tick = {}, std::function<void()> on_done = {}) {
    on_tick_ = std::move(on_tick);
    on_done_ = std::move(on_done);
    next_tick_ = run_start_;
    Tick();
    io_.run();
  }

  asio::io_context& io() { return io_; }
  const LoopCounters& counters() const { return counters_; }
  int started() const { return started_.load(std::memory_order_relaxed); }
  int64_t max_tick_late_ms() const { return max_tick_late_ms_; }
  int64_t NowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - run_start_)
        .count();
  }
  void AppendReports(std::vector<StreamReport>& out) const {
    const int64_t now_ms = NowMs();
    for (const auto& stream : streams_) out.push_back(stream->Report(now_ms));
  }

 private:
  void Tick() {
    const int64_t now_ms = NowMs();
    const int64_t scheduled_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_tick_ - run_start_).count();
    max_tick_late_ms_ = std::max(max_tick_late_ms_, now_ms - scheduled_ms);

    if (!stopping_ &&
        (stop_requested_.load(std::memory_order_relaxed) || (end_ms_ >= 0 && now_ms >= end_ms_))) {
      stopping_ = true;
      stop_started_ms_ = now_ms;
      for (auto& stream : streams_) stream->BeginStop(now_ms);
    }
    if (!stopping_) {
      while (next_to_start_ < streams_.size() && streams_[next_to_start_]->start_ms() <= now_ms) {
        streams_[next_to_start_++]->Connect();
        started_.store(static_cast<int>(next_to_start_), std::memory_order_relaxed);
      }
      for (auto& stream : streams_) stream->OnTick(now_ms);
    } else {
      bool all_finished = true;
      for (auto& stream : streams_) {
        if (!stream->finished() && now_ms - stop_started_ms_ > options_.stop_grace_ms) {
          stream->Abort("the server did not close the connection within " +
                        std::to_string(options_.stop_grace_ms) + " ms of the unpublish");
        }
        all_finished = all_finished && stream->finished();
      }
      if (all_finished) {
        if (on_done_) on_done_();
        return;  // no timer left: io_.run() returns once the closes complete
      }
    }
    if (on_tick_) on_tick_();

    next_tick_ += std::chrono::milliseconds(options_.tick_ms);
    if (next_tick_ < SteadyClock::now()) next_tick_ = SteadyClock::now();  // late: no burst
    timer_.expires_at(next_tick_);
    timer_.async_wait([this](const asio::error_code& error) {
      if (!error) Tick();
    });
  }

  const LoadOptions& options_;
  asio::io_context io_{1};
  PusherContext context_;
  LoopCounters counters_;
  const SteadyClock::time_point run_start_;
  const std::atomic<bool>& stop_requested_;
  const int64_t end_ms_;  // -1: no end but Stop()
  asio::steady_timer timer_;
  SteadyClock::time_point next_tick_;
  std::function<void()> on_tick_;
  std::function<void()> on_done_;
  std::vector<std::unique_ptr<StreamPusher>> streams_;  // in start order
  size_t next_to_start_ = 0;
  std::atomic<int> started_{0};
  bool stopping_ = false;
  int64_t stop_started_ms_ = 0;
  int64_t max_tick_late_ms_ = 0;
};

class LoadGeneratorImpl final : public LoadGenerator {
 public:
  LoadGeneratorImpl(LoadOptions options, const ReplayPlan& plan, asio::ip::tcp::endpoint endpoint)
      : options_(std::move(options)), plan_(plan), endpoint_(endpoint) {}

  LoadReport Run() override {
    const SteadyClock::time_point run_start = SteadyClock::now();
    const int64_t ramp_ms = RampStartMs(options_.streams - 1, options_.ramp_per_s);
    const int64_t end_ms =
        options_.duration_s > 0 ? ramp_ms + static_cast<int64_t>(options_.duration_s * 1000) : -1;
    PusherContext context;
    context.plan = &plan_;
    context.endpoint = endpoint_;
    context.publisher = BasePublisherOptions();
    context.profile = options_.profile;
    context.stall_ms = options_.stall_ms;
    context.publish_timeout_ms = options_.publish_timeout_ms;
    context.read_buffer.resize(kReadBufferBytes);
    std::vector<std::unique_ptr<Loop>> loops;
    for (int i = 0; i < options_.threads; ++i) {
      loops.push_back(
          std::make_unique<Loop>(options_, context, run_start, stop_requested_, end_ms));
    }
    for (int i = 0; i < options_.streams; ++i) {
      const int index = options_.first_index + i;
      loops[static_cast<size_t>(i) % loops.size()]->Add(
          index, StreamName(options_.stream_pattern, index), RampStartMs(i, options_.ramp_per_s));
    }

    std::optional<asio::signal_set> signals;
    if (options_.handle_signals) {
      signals.emplace(loops[0]->io(), SIGINT, SIGTERM);
      signals->async_wait([this](const asio::error_code& error, int) {
        if (!error) Stop();
      });
    }
    std::vector<std::thread> threads;
    for (size_t i = 1; i < loops.size(); ++i) {
      threads.emplace_back([&loop = *loops[i]] { loop.Run(); });
    }
    int64_t next_progress_ms = static_cast<int64_t>(options_.progress_s * 1000);
    loops[0]->Run(
        [&] {
          const int64_t now_ms = loops[0]->NowMs();
          if (options_.progress_s > 0 && now_ms >= next_progress_ms) {
            next_progress_ms += static_cast<int64_t>(options_.progress_s * 1000);
            PrintProgress(loops, now_ms);
          }
        },
        [&] {
          asio::error_code ignored;
          if (signals) signals->cancel(ignored);  // the wait would keep loop 0 running
        });
    for (std::thread& thread : threads) thread.join();

    LoadReport report;
    report.url = "rtmp://" + options_.host + ":" + std::to_string(options_.port) + "/" +
                 BasePublisherOptions().app;
    report.profile = std::string(WriteProfileName(options_.profile));
    report.streams = options_.streams;
    report.wall_s = std::chrono::duration<double>(SteadyClock::now() - run_start).count();
    report.tick_ms = options_.tick_ms;
    report.stall_threshold_ms = options_.stall_ms;
    for (const auto& loop : loops) {
      report.max_tick_late_ms = std::max(report.max_tick_late_ms, loop->max_tick_late_ms());
      loop->AppendReports(report.per_stream);
    }
    std::sort(report.per_stream.begin(), report.per_stream.end(),
              [](const StreamReport& a, const StreamReport& b) { return a.index < b.index; });
    AddProcessUsage(report);
    return report;
  }

  void Stop() override { stop_requested_.store(true, std::memory_order_relaxed); }

 private:
  rtmp::PublisherOptions BasePublisherOptions() const {
    rtmp::PublisherOptions publisher;
    publisher.host = options_.host;
    publisher.port = options_.port;
    publisher.app = options_.app;
    if (!options_.domain.empty()) publisher.app += "?vhost=" + options_.domain;
    publisher.tc_url =
        "rtmp://" + options_.host + ":" + std::to_string(options_.port) + "/" + publisher.app;
    publisher.chunk_size = options_.chunk_size;
    return publisher;
  }

  void PrintProgress(const std::vector<std::unique_ptr<Loop>>& loops, int64_t now_ms) {
    int started = 0, publishing = 0, failed = 0, stalled = 0;
    uint64_t bytes = 0;
    for (const auto& loop : loops) {
      started += loop->started();
      publishing += loop->counters().publishing.load(std::memory_order_relaxed);
      failed += loop->counters().failed.load(std::memory_order_relaxed);
      stalled += loop->counters().stalled.load(std::memory_order_relaxed);
      bytes += loop->counters().bytes_sent.load(std::memory_order_relaxed);
    }
    const double seconds = static_cast<double>(now_ms - last_progress_ms_) / 1000;
    const double mbit_s =
        seconds > 0 ? static_cast<double>(bytes - last_progress_bytes_) * 8 / 1e6 / seconds : 0;
    last_progress_ms_ = now_ms;
    last_progress_bytes_ = bytes;
    std::fprintf(stderr,
                 "loadgen t=%.1fs started %d/%d publishing %d failed %d stalled now %d "
                 "sending %.1f Mbit/s\n",
                 static_cast<double>(now_ms) / 1000, started, options_.streams, publishing, failed,
                 stalled, mbit_s);
  }

  const LoadOptions options_;
  const ReplayPlan& plan_;
  const asio::ip::tcp::endpoint endpoint_;
  std::atomic<bool> stop_requested_{false};
  int64_t last_progress_ms_ = 0;
  uint64_t last_progress_bytes_ = 0;
};

}  // namespace

absl::Status CheckCommonOptions(const LoadOptions& options) {
  auto invalid = [](const std::string& what) { return absl::InvalidArgumentError(what); };
  if (options.streams < 1) return invalid("streams must be at least 1");
  if (options.tick_ms < 1 || options.tick_ms > 1000) return invalid("tick_ms must be 1..1000");
  if (options.stall_ms < 1) return invalid("stall_ms must be at least 1");
  if (options.duration_s < 0) return invalid("duration must not be negative");
  if (options.app.empty()) return invalid("the app name is empty");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<LoadGenerator>> LoadGenerator::Create(LoadOptions options,
                                                                     const ReplayPlan& plan) {
  auto invalid = [](const std::string& what) { return absl::InvalidArgumentError(what); };
  if (absl::Status common = CheckCommonOptions(options); !common.ok()) return common;
  if (options.threads < 1 || options.threads > 64) return invalid("threads must be 1..64");
  if (options.chunk_size < 128 || options.chunk_size > 0x7FFFFFFF) {
    return invalid("chunk size must be 128..2^31-1");
  }
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  asio::error_code error;
  auto results = resolver.resolve(options.host, std::to_string(options.port), error);
  if (error || results.empty()) {
    return absl::NotFoundError("cannot resolve " + options.host + ": " + error.message());
  }
  const asio::ip::tcp::endpoint endpoint = results.begin()->endpoint();
  return std::make_unique<LoadGeneratorImpl>(std::move(options), plan, endpoint);
}

}  // namespace livesnap::loadgen
