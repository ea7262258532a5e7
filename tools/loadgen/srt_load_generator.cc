#include "tools/loadgen/srt_load_generator.h"

#include <arpa/inet.h>
#include <srt/srt.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/loadgen/load_schedule.h"

namespace livesnap::loadgen {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Set by SIGINT/SIGTERM while a run handles signals: a signal handler can
// reach nothing else.
std::atomic<bool> signal_stop{false};

void OnStopSignal(int) { signal_stop.store(true, std::memory_order_relaxed); }

struct Caller {
  Caller(int index, std::string name, int64_t start_ms, int64_t stall_ms)
      : start_ms(start_ms), stalls(stall_ms) {
    report.index = index;
    report.name = std::move(name);
  }
  enum class State { kWaiting, kConnecting, kSending, kDone };

  int64_t start_ms;
  SRTSOCKET socket = SRT_INVALID_SOCK;
  State state = State::kWaiting;
  int64_t sending_since_ms = 0;
  size_t next = 0;  // the next message of the plan
  StallTracker stalls;
  StreamReport report;
};

class SrtLoadGenerator final : public LoadGenerator {
 public:
  SrtLoadGenerator(LoadOptions options, const TsPlan& plan, sockaddr_storage address,
                   int address_size)
      : options_(std::move(options)), plan_(plan), address_(address), address_size_(address_size) {}

  LoadReport Run() override;
  void Stop() override { stop_requested_.store(true, std::memory_order_relaxed); }

 private:
  int64_t NowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - run_start_)
        .count();
  }
  std::string StreamId(const std::string& name) const {
    const std::string resource = options_.app + "/" + name;
    return options_.domain.empty() ? resource
                                   : "#!::h=" + options_.domain + ",r=" + resource + ",m=publish";
  }
  bool BindShared(SRTSOCKET socket);
  void Connect(Caller& c, int64_t now_ms);
  void Poll(Caller& c, int64_t now_ms);
  void Send(Caller& c, int64_t now_ms);
  void Fail(Caller& c, const std::string& error);
  void Finish(Caller& c, int64_t now_ms);
  void PrintProgress(int64_t now_ms);

  const LoadOptions options_;
  const TsPlan& plan_;
  const sockaddr_storage address_;
  const int address_size_;
  std::atomic<bool> stop_requested_{false};
  SteadyClock::time_point run_start_;
  std::vector<Caller> callers_;
  std::array<uint8_t, TsPlan::kMessageBytes> scratch_{};
  uint64_t progress_bytes_ = 0;
  uint16_t local_port_ = 0;  // shared by every caller once the first is bound
};

void SrtLoadGenerator::Connect(Caller& c, int64_t now_ms) {
  c.state = Caller::State::kConnecting;
  c.socket = srt_create_socket();
  const std::string id = StreamId(c.report.name);
  const int no = 0;
  if (c.socket == SRT_INVALID_SOCK ||
      srt_setsockflag(c.socket, SRTO_RCVSYN, &no, sizeof(no)) != 0 || !BindShared(c.socket) ||
      srt_setsockflag(c.socket, SRTO_SNDSYN, &no, sizeof(no)) != 0 ||
      srt_setsockflag(c.socket, SRTO_STREAMID, id.data(), static_cast<int>(id.size())) != 0 ||
      srt_connect(c.socket, reinterpret_cast<const sockaddr*>(&address_), address_size_) ==
          SRT_ERROR) {
    Fail(c, absl::StrCat("SRT connect: ", srt_getlasterror_str()));
    return;
  }
  Poll(c, now_ms);
}

// Every caller on one local UDP port: libsrt then serves them all with one
// multiplexer (a pair of threads), not a pair of threads per caller.
bool SrtLoadGenerator::BindShared(SRTSOCKET socket) {
  sockaddr_storage local{};
  local.ss_family = address_.ss_family;
  const int yes = 1;
  if (srt_setsockflag(socket, SRTO_REUSEADDR, &yes, sizeof(yes)) != 0) return false;
  if (local_port_ != 0) {
    auto* port = address_.ss_family == AF_INET
                     ? &reinterpret_cast<sockaddr_in*>(&local)->sin_port
                     : &reinterpret_cast<sockaddr_in6*>(&local)->sin6_port;
    *port = htons(local_port_);
  }
  if (srt_bind(socket, reinterpret_cast<const sockaddr*>(&local), address_size_) != 0) {
    return false;
  }
  if (local_port_ == 0) {
    sockaddr_storage bound{};
    int bound_size = sizeof(bound);
    if (srt_getsockname(socket, reinterpret_cast<sockaddr*>(&bound), &bound_size) == 0) {
      local_port_ = ntohs(address_.ss_family == AF_INET
                              ? reinterpret_cast<const sockaddr_in*>(&bound)->sin_port
                              : reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
    }
  }
  return true;
}

// Follows a caller's connection: connected, refused, or closed by the server.
void SrtLoadGenerator::Poll(Caller& c, int64_t now_ms) {
  const SRT_SOCKSTATUS status = srt_getsockstate(c.socket);
  if (c.state == Caller::State::kConnecting) {
    if (status == SRTS_CONNECTED) {
      c.state = Caller::State::kSending;
      c.report.connected = c.report.published = true;
      c.report.connect_ms = c.report.publish_ms = now_ms - c.start_ms;
      c.sending_since_ms = now_ms;
    } else if (status == SRTS_BROKEN || status == SRTS_CLOSED || status == SRTS_NONEXIST) {
      Fail(c, absl::StrCat("SRT connection refused: ",
                           srt_rejectreason_str(srt_getrejectreason(c.socket))));
    } else if (now_ms - c.start_ms > options_.publish_timeout_ms) {
      Fail(c, absl::StrCat("not connected within ", options_.publish_timeout_ms, " ms"));
    }
    return;
  }
  if (c.state == Caller::State::kSending && status != SRTS_CONNECTED) {
    Fail(c, absl::StrCat("closed by the server after ", now_ms - c.sending_since_ms,
                         " ms of sending"));
  }
}

// Sends every message that became due; a full send buffer leaves the rest
// for the next tick (the lag is what the stall tracker sees).
void SrtLoadGenerator::Send(Caller& c, int64_t now_ms) {
  const int64_t elapsed_ms = now_ms - c.sending_since_ms;
  const int64_t loop_ms = plan_.loop_duration_ms();
  auto due_ms = [&] {
    return static_cast<int64_t>(c.report.loops) * loop_ms + plan_.due_ms(c.next);
  };
  while (due_ms() <= elapsed_ms) {
    const std::span<const uint8_t> message = plan_.Shifted(
        c.next, static_cast<int64_t>(c.report.loops) * plan_.loop_duration_90khz(), scratch_);
    const int sent = srt_sendmsg(c.socket, reinterpret_cast<const char*>(message.data()),
                                 static_cast<int>(message.size()), -1, 0);
    if (sent == SRT_ERROR) {
      if (srt_getlasterror(nullptr) == SRT_EASYNCSND) break;
      Fail(c, absl::StrCat("SRT send: ", srt_getlasterror_str()));
      return;
    }
    c.report.bytes_sent += message.size();
    progress_bytes_ += message.size();
    ++c.report.send_calls;
    c.report.media_ms = due_ms();
    if (++c.next == plan_.message_count()) {
      c.next = 0;
      ++c.report.loops;
    }
  }
  c.stalls.OnLag(now_ms, std::max<int64_t>(0, elapsed_ms - due_ms()));
}

void SrtLoadGenerator::Fail(Caller& c, const std::string& error) {
  c.report.error = error;
  Finish(c, NowMs());
}

void SrtLoadGenerator::Finish(Caller& c, int64_t now_ms) {
  if (c.state == Caller::State::kSending) c.report.publishing_ms = now_ms - c.sending_since_ms;
  c.state = Caller::State::kDone;
  if (c.socket != SRT_INVALID_SOCK) srt_close(c.socket);
  c.socket = SRT_INVALID_SOCK;
}

void SrtLoadGenerator::PrintProgress(int64_t now_ms) {
  int started = 0, sending = 0, failed = 0, stalled = 0;
  for (const Caller& c : callers_) {
    started += c.state != Caller::State::kWaiting;
    sending += c.state == Caller::State::kSending;
    failed += !c.report.error.empty();
    stalled += c.stalls.stalled();
  }
  std::fprintf(
      stderr, "loadgen t=%.1fs started %d/%d publishing %d failed %d stalled now %d sent %.1f MB\n",
      static_cast<double>(now_ms) / 1000, started, options_.streams, sending, failed, stalled,
      static_cast<double>(progress_bytes_) / 1e6);
}

LoadReport SrtLoadGenerator::Run() {
  if (options_.handle_signals) {
    std::signal(SIGINT, OnStopSignal);
    std::signal(SIGTERM, OnStopSignal);
  }
  srt_startup();
  run_start_ = SteadyClock::now();
  callers_.reserve(static_cast<size_t>(options_.streams));
  for (int i = 0; i < options_.streams; ++i) {
    const int index = options_.first_index + i;
    callers_.emplace_back(index, StreamName(options_.stream_pattern, index),
                          RampStartMs(i, options_.ramp_per_s), options_.stall_ms);
  }
  const int64_t ramp_ms = RampStartMs(options_.streams - 1, options_.ramp_per_s);
  const int64_t end_ms =
      options_.duration_s > 0 ? ramp_ms + static_cast<int64_t>(options_.duration_s * 1000) : -1;
  const auto progress_ms = static_cast<int64_t>(options_.progress_s * 1000);
  int64_t next_progress_ms = progress_ms;
  int64_t max_tick_late_ms = 0;
  SteadyClock::time_point next_tick = run_start_;
  while (true) {
    std::this_thread::sleep_until(next_tick);
    const int64_t now_ms = NowMs();
    max_tick_late_ms = std::max<int64_t>(
        max_tick_late_ms,
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - next_tick)
            .count());
    if (stop_requested_.load(std::memory_order_relaxed) ||
        signal_stop.load(std::memory_order_relaxed) || (end_ms >= 0 && now_ms >= end_ms)) {
      break;
    }
    for (Caller& c : callers_) {
      if (c.state == Caller::State::kWaiting && c.start_ms <= now_ms) Connect(c, now_ms);
      if (c.state == Caller::State::kConnecting || c.state == Caller::State::kSending) {
        Poll(c, now_ms);
      }
      if (c.state == Caller::State::kSending) Send(c, now_ms);
    }
    if (progress_ms > 0 && now_ms >= next_progress_ms) {
      next_progress_ms += progress_ms;
      PrintProgress(now_ms);
    }
    next_tick += std::chrono::milliseconds(options_.tick_ms);
    if (next_tick < SteadyClock::now()) next_tick = SteadyClock::now();  // late: no burst
  }
  const int64_t end_now_ms = NowMs();
  LoadReport report;
  report.url = absl::StrCat("srt://", options_.host, ":", options_.port);
  report.profile = "srt";
  report.streams = options_.streams;
  report.tick_ms = options_.tick_ms;
  report.stall_threshold_ms = options_.stall_ms;
  report.max_tick_late_ms = max_tick_late_ms;
  for (Caller& c : callers_) {
    if (c.state != Caller::State::kDone && c.state != Caller::State::kWaiting) {
      Finish(c, end_now_ms);
    }
    c.report.stalls = c.stalls.stalls();
    c.report.stalled_ms = c.stalls.stalled_ms(end_now_ms);
    c.report.max_lag_ms = c.stalls.max_lag_ms();
    report.per_stream.push_back(c.report);
  }
  srt_cleanup();
  report.wall_s = std::chrono::duration<double>(SteadyClock::now() - run_start_).count();
  AddProcessUsage(report);
  return report;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LoadGenerator>> CreateSrtLoadGenerator(LoadOptions options,
                                                                      const TsPlan& plan) {
  auto invalid = [](const std::string& what) { return absl::InvalidArgumentError(what); };
  if (absl::Status common = CheckCommonOptions(options); !common.ok()) return common;
  sockaddr_storage address{};
  int address_size = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (::inet_pton(AF_INET, options.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(options.port);
    address_size = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, options.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(options.port);
    address_size = sizeof(sockaddr_in6);
  } else {
    return invalid("SRT host \"" + options.host + "\" is not an IP address");
  }
  return std::make_unique<SrtLoadGenerator>(std::move(options), plan, address, address_size);
}

}  // namespace livesnap::loadgen
