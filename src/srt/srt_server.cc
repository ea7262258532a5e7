#include "srt/srt_server.h"

#include <arpa/inet.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <srt/access_control.h>
#include <srt/srt.h>

#include <array>
#include <asio/ip/address.hpp>
#include <chrono>
#include <cstring>
#include <map>
#include <span>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/log_limiter.h"
#include "ingest/admission_limits.h"
#include "ingest/message_budget.h"
#include "media/publication.h"
#include "srt/stream_id.h"
#include "srt/ts_demuxer.h"

namespace livesnap::srt {
namespace {

constexpr int kEpollWaitMs = 100;
constexpr int kMaxEventsPerWait = 256;
constexpr size_t kLiveMessageBytes = 1500;  // one SRT live-mode payload is at most 1456
// A connection's datagrams are gathered into one buffer of this size and
// handed to its demuxer together (a 2 Mbit/s stream sends ~5 KB in 20 ms).
constexpr size_t kReadBufferBytes = 64 * 1024;

std::string AddressText(const sockaddr* address) {
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
    port = ntohs(v4->sin_port);
    return absl::StrCat(host, ":", port);
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    port = ntohs(v6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {  // an IPv4 caller on the dual-stack socket
      ::inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], host, sizeof(host));
      return absl::StrCat(host, ":", port);
    }
    ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
  }
  return absl::StrCat("[", host, "]:", port);
}

std::string LastError() { return srt_getlasterror_str(); }

asio::ip::address AddressOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    return asio::ip::address_v4(ntohl(v4->sin_addr.s_addr));
  }
  asio::ip::address_v6::bytes_type bytes{};
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    std::memcpy(bytes.data(), &v6->sin6_addr, bytes.size());
  }
  return asio::ip::address_v6(bytes);
}

// The [srt] key of a limit: RTMP's names, but for the budget, which holds
// PES packets here.
std::string_view SrtLimitName(ingest::Limit limit) {
  return limit == ingest::Limit::kPartialMessageBudget ? "pes_budget_bytes"
                                                       : ingest::LimitName(limit);
}

// libsrt's own log lines (a wrong passphrase, a rejected handshake, an empty
// accept queue) go to the debug log, not to stderr.
void LogFromSrt(void* /*opaque*/, int /*level*/, const char* /*file*/, int /*line*/,
                const char* area, const char* message) {
  std::string_view text = message == nullptr ? "" : message;
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.find("Incorrect passphrase") != std::string_view::npos) {
    spdlog::warn("SRT caller refused: wrong passphrase ({})", text);
    return;
  }
  spdlog::debug("libsrt {}: {}", area == nullptr ? "" : area, text);
}

}  // namespace

class SrtServer::Impl {
 public:
  Impl(const SrtServerOptions& options, media::MediaHub& hub, prometheus::Registry& metrics)
      : options_(options),
        hub_(hub),
        refused_(prometheus::BuildCounter()
                     .Name("livesnap_srt_refused_total")
                     .Help("SRT callers refused, by reason")
                     .Register(metrics)),
        closed_(prometheus::BuildCounter()
                    .Name("livesnap_srt_closed_total")
                    .Help("SRT publishes ended, by cause")
                    .Register(metrics)),
        active_(prometheus::BuildGauge()
                    .Name("livesnap_srt_connections")
                    .Help("SRT connections publishing now")
                    .Register(metrics)
                    .Add({})),
        budget_(options.pes_budget_bytes),
        admission_(
            ingest::AdmissionOptions{options.max_connections, options.max_connections_per_ip,
                                     options.max_connections, options.publishes_per_second_per_ip},
            SystemClock::Instance()),
        log_limiter_(SystemClock::Instance()) {
    auto& limited = prometheus::BuildCounter()
                        .Name("livesnap_srt_limited_total")
                        .Help("SRT callers refused or closed by a limit, by the [srt] key of it")
                        .Register(metrics);
    for (int i = 1; i < ingest::kLimitCount; ++i) {
      const auto limit = static_cast<ingest::Limit>(i);
      if (limit == ingest::Limit::kHandshakesInFlight) continue;  // libsrt's handshakes
      limited_[static_cast<size_t>(i)] =
          &limited.Add({{"limit", std::string(SrtLimitName(limit))}});
    }
  }

  ~Impl() { Stop(); }

  absl::Status Start(uint16_t* port);
  void Stop();

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Connection {
    SRTSOCKET socket = SRT_INVALID_SOCK;
    std::string peer;
    std::string tag;                                  // "[domain/app/stream]"
    std::unique_ptr<ingest::AdmissionTicket> ticket;  // its admission slots
    std::unique_ptr<media::Publication> publication;
    std::unique_ptr<TsDemuxer> ts;
    SteadyTime last_data;
  };

  static int OnHandshake(void* self, SRTSOCKET socket, int hs_version, const sockaddr* peer,
                         const char* stream_id);
  void Run();
  void AcceptAll();
  void Admit(SRTSOCKET socket, const sockaddr_storage& peer);
  void Read(Connection& connection);
  bool Demux(Connection& connection, std::span<const uint8_t> bytes);
  void CloseIdle();
  // Counts a limit hit and logs `what` (a few lines a minute per limit).
  void LimitHit(ingest::Limit limit, const std::string& what);
  void Close(SRTSOCKET socket, media::StopReason reason, std::string_view cause,
             const std::string& why);

  const SrtServerOptions options_;
  media::MediaHub& hub_;
  prometheus::Family<prometheus::Counter>& refused_;
  prometheus::Family<prometheus::Counter>& closed_;
  prometheus::Gauge& active_;
  std::array<prometheus::Counter*, ingest::kLimitCount> limited_{};
  ingest::MessageBudget budget_;
  ingest::AdmissionLimits admission_;
  LogLimiter log_limiter_;
  SteadyTime idle_checked_at_ = std::chrono::steady_clock::now();
  SRTSOCKET listener_ = SRT_INVALID_SOCK;
  int eid_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  std::map<SRTSOCKET, std::unique_ptr<Connection>> connections_;  // the loop thread's
  std::vector<char> buffer_ = std::vector<char>(kReadBufferBytes);
};

absl::Status SrtServer::Impl::Start(uint16_t* port) {
  if (!options_.passphrase.empty() &&
      (options_.passphrase.size() < 10 || options_.passphrase.size() > 79)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "srt.passphrase has ", options_.passphrase.size(), " characters; it must have 10..79"));
  }
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(options_.port);
  std::string host = options_.listen_host;
  if (host.empty() || host == "0.0.0.0" || host == "::") {
    address.sin6_addr = in6addr_any;
  } else {
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
      host = "::ffff:" + host;
    }
    if (::inet_pton(AF_INET6, host.c_str(), &address.sin6_addr) != 1) {
      return absl::InvalidArgumentError("srt.listen host \"" + options_.listen_host +
                                        "\" is not an IP address");
    }
  }
  listener_ = srt_create_socket();
  if (listener_ == SRT_INVALID_SOCK)
    return absl::InternalError("srt_create_socket: " + LastError());
  const int no = 0, yes = 1;
  const int latency_ms = options_.latency_ms;
  const bool ok =
      srt_setsockflag(listener_, SRTO_IPV6ONLY, &no, sizeof(no)) == 0 &&
      srt_setsockflag(listener_, SRTO_RCVSYN, &no, sizeof(no)) == 0 &&
      srt_setsockflag(listener_, SRTO_SNDSYN, &no, sizeof(no)) == 0 &&
      srt_setsockflag(listener_, SRTO_RCVLATENCY, &latency_ms, sizeof(latency_ms)) == 0 &&
      srt_setsockflag(listener_, SRTO_ENFORCEDENCRYPTION, &yes, sizeof(yes)) == 0 &&
      (options_.passphrase.empty() ||
       srt_setsockflag(listener_, SRTO_PASSPHRASE, options_.passphrase.data(),
                       static_cast<int>(options_.passphrase.size())) == 0);
  if (!ok) return absl::InvalidArgumentError("SRT listener options: " + LastError());
  if (srt_bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("SRT bind to ", options_.listen_host, ":", options_.port, ": ", LastError()));
  }
  if (srt_listen_callback(listener_, &Impl::OnHandshake, this) != 0 ||
      srt_listen(listener_, 128) != 0) {
    return absl::UnavailableError("SRT listen: " + LastError());
  }
  sockaddr_storage bound{};
  int bound_size = sizeof(bound);
  srt_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &bound_size);
  *port = ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
  eid_ = srt_epoll_create();
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (eid_ < 0 || srt_epoll_add_usock(eid_, listener_, &events) != 0) {
    return absl::InternalError("srt_epoll: " + LastError());
  }
  srt_epoll_set(eid_, SRT_EPOLL_ENABLE_EMPTY);
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

// Runs on a libsrt thread during the caller's handshake: a stream id that
// names no storable stream is refused before the connection exists.
int SrtServer::Impl::OnHandshake(void* self, SRTSOCKET socket, int /*hs_version*/,
                                 const sockaddr* peer, const char* stream_id) {
  auto* impl = static_cast<Impl*>(self);
  const std::string id = stream_id == nullptr ? "" : stream_id;
  absl::StatusOr<ingest::PublishTarget> target = ParseStreamId(id, impl->options_.default_domain);
  if (target.ok()) return 0;
  impl->refused_.Add({{"reason", "stream_id"}}).Increment();
  spdlog::warn("SRT caller {} refused: bad stream id: {}", AddressText(peer),
               std::string(target.status().message()));
  srt_setrejectreason(socket, SRT_REJX_BAD_REQUEST);
  return -1;
}

void SrtServer::Impl::Run() {
  pthread_setname_np(pthread_self(), "ls-srt-io");  // per-thread CPU in top -H
  const auto read_batch = std::chrono::milliseconds(options_.read_batch_ms);
  std::array<SRT_EPOLL_EVENT, kMaxEventsPerWait> events;
  while (!stopping_.load(std::memory_order_relaxed)) {
    const int n =
        srt_epoll_uwait(eid_, events.data(), static_cast<int>(events.size()), kEpollWaitMs);
    const SteadyTime woken_at = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      const SRT_EPOLL_EVENT& event = events[static_cast<size_t>(i)];
      if (event.fd == listener_) {
        AcceptAll();
        continue;
      }
      auto it = connections_.find(event.fd);
      if (it == connections_.end()) continue;
      if (event.events & SRT_EPOLL_IN) Read(*it->second);
      if (connections_.contains(event.fd) && (event.events & SRT_EPOLL_ERR)) {
        Close(event.fd, media::StopReason::kDisconnected, "disconnected", "connection closed");
      }
    }
    CloseIdle();
    // Read batching: while data flows, wake at most every read_batch_ms, so
    // each wake-up drains several datagrams of every connection instead of
    // one (libsrt holds them; its receiver latency is far longer).
    if (n > 0 && read_batch.count() > 0) std::this_thread::sleep_until(woken_at + read_batch);
  }
}

// At most a few times a second: a connection that delivered nothing for
// idle_timeout_ms (libsrt's keepalives do not count) is closed.
void SrtServer::Impl::CloseIdle() {
  const SteadyTime now = std::chrono::steady_clock::now();
  const auto timeout = std::chrono::milliseconds(options_.idle_timeout_ms);
  if (now - idle_checked_at_ < std::min(timeout / 4, std::chrono::milliseconds(1000))) return;
  idle_checked_at_ = now;
  std::vector<SRTSOCKET> idle;
  for (const auto& [socket, c] : connections_) {
    if (now - c->last_data > timeout) idle.push_back(socket);
  }
  for (SRTSOCKET socket : idle) {
    const Connection& c = *connections_.at(socket);
    spdlog::warn("{} SRT publish from {} closed: no data for {} ms (srt.idle_timeout_ms)", c.tag,
                 c.peer, options_.idle_timeout_ms);
    Close(socket, media::StopReason::kIdleTimeout, "idle_timeout", "");
  }
}

void SrtServer::Impl::LimitHit(ingest::Limit limit, const std::string& what) {
  if (prometheus::Counter* counter = limited_[static_cast<size_t>(limit)]; counter != nullptr) {
    counter->Increment();
  }
  uint64_t dropped = 0;
  if (!log_limiter_.Allow(SrtLimitName(limit), dropped)) return;
  spdlog::warn("{} (limit srt.{}{})", what, SrtLimitName(limit),
               dropped == 0 ? "" : "; " + std::to_string(dropped) + " similar lines not logged");
}

void SrtServer::Impl::AcceptAll() {
  while (true) {
    sockaddr_storage peer{};
    int peer_size = sizeof(peer);
    const SRTSOCKET socket = srt_accept(listener_, reinterpret_cast<sockaddr*>(&peer), &peer_size);
    if (socket == SRT_INVALID_SOCK) return;  // SRT_EASYNCRCV: none left
    auto connection = std::make_unique<Connection>();
    connection->socket = socket;
    connection->peer = AddressText(reinterpret_cast<const sockaddr*>(&peer));
    connection->last_data = std::chrono::steady_clock::now();
    connections_.emplace(socket, std::move(connection));
    Admit(socket, peer);
  }
}

void SrtServer::Impl::Admit(SRTSOCKET socket, const sockaddr_storage& peer) {
  Connection& c = *connections_.at(socket);
  ingest::Admission admission = admission_.Admit(AddressOf(peer));
  if (!admission.ticket) {
    LimitHit(admission.refused, absl::StrCat("SRT caller ", c.peer, " refused: ", admission.count,
                                             " already counted against the limit"));
    Close(socket, media::StopReason::kProtocolError, "", "");
    return;
  }
  c.ticket = std::move(admission.ticket);
  c.ticket->HandshakeDone();  // libsrt did it
  std::array<char, 513> id{};
  int id_size = static_cast<int>(id.size()) - 1;
  srt_getsockflag(socket, SRTO_STREAMID, id.data(), &id_size);
  absl::StatusOr<ingest::PublishTarget> target =
      ParseStreamId(std::string_view(id.data(), static_cast<size_t>(std::max(id_size, 0))),
                    options_.default_domain);
  if (!target.ok()) {  // checked in the handshake already
    Close(socket, media::StopReason::kProtocolError, "", "");
    return;
  }
  media::StreamInfo info;
  info.key = {target->domain, target->app, target->stream};
  info.query = target->stream_query;
  info.client_addr = c.peer;
  info.protocol = "srt";
  c.tag = "[" + info.key.ToString() + "]";
  if (!c.ticket->TryPublish()) {
    LimitHit(ingest::Limit::kPublishRate,
             absl::StrCat(c.tag, " SRT publish from ", c.peer, " refused: too many publishes from ",
                          c.ticket->source(), "; retry later"));
    Close(socket, media::StopReason::kProtocolError, "", "");
    return;
  }
  absl::StatusOr<std::unique_ptr<media::Publication>> publication = hub_.Publish(std::move(info));
  if (!publication.ok()) {
    refused_.Add({{"reason", "admission"}}).Increment();
    spdlog::warn("{} SRT publish refused from {}: {}", c.tag, c.peer,
                 publication.status().ToString());
    Close(socket, media::StopReason::kProtocolError, "", "");
    return;
  }
  c.publication = *std::move(publication);
  c.ts = std::make_unique<TsDemuxer>(c.publication.get(), &budget_);
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  srt_epoll_add_usock(eid_, socket, &events);
  active_.Increment();
  spdlog::info("{} publish started from {} (srt)", c.tag, c.peer);
}

// Drains the connection's datagrams into buffer_ and hands them to its
// demuxer a bufferful at a time (TS is a byte stream: messages concatenate).
void SrtServer::Impl::Read(Connection& c) {
  c.last_data = std::chrono::steady_clock::now();  // woken for data
  while (true) {
    size_t filled = 0;
    int n = 1;
    while (filled + kLiveMessageBytes <= buffer_.size() &&
           (n = srt_recvmsg(c.socket, buffer_.data() + filled,
                            static_cast<int>(kLiveMessageBytes))) > 0) {
      filled += static_cast<size_t>(n);
    }
    if (filled > 0 &&
        !Demux(c, std::span(reinterpret_cast<const uint8_t*>(buffer_.data()), filled))) {
      return;
    }
    if (n > 0) continue;  // the buffer filled up: more may be waiting
    if (n < 0 && srt_getlasterror(nullptr) == SRT_EASYNCRCV) return;  // drained
    Close(c.socket, media::StopReason::kDisconnected, "disconnected", "connection closed");
    return;
  }
}

// Feeds bytes to the connection's demuxer; false when that closed it.
bool SrtServer::Impl::Demux(Connection& c, std::span<const uint8_t> bytes) {
  const absl::Status status = c.ts->OnBytes(bytes);
  if (status.ok()) return true;
  if (c.ts->over_budget()) {
    LimitHit(ingest::Limit::kPartialMessageBudget,
             absl::StrCat(c.tag, " SRT publish from ", c.peer, " closed: ", status.message()));
    Close(c.socket, media::StopReason::kProtocolError, "over_budget", "");
    return false;
  }
  spdlog::warn("{} SRT publish from {} closed: {}", c.tag, c.peer, status.ToString());
  Close(c.socket, media::StopReason::kProtocolError, "malformed", "");
  return false;
}

void SrtServer::Impl::Close(SRTSOCKET socket, media::StopReason reason, std::string_view cause,
                            const std::string& why) {
  auto it = connections_.find(socket);
  if (it == connections_.end()) return;
  std::unique_ptr<Connection> c = std::move(it->second);
  connections_.erase(it);
  if (c->publication != nullptr) {
    c->ts.reset();
    c->publication->Stop(reason);
    c->publication.reset();
    active_.Decrement();
    if (!cause.empty()) closed_.Add({{"cause", std::string(cause)}}).Increment();
    if (!why.empty()) spdlog::debug("{} SRT connection from {} closed: {}", c->tag, c->peer, why);
    srt_epoll_remove_usock(eid_, socket);
  }
  srt_close(socket);
}

void SrtServer::Impl::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  while (!connections_.empty()) {
    Close(connections_.begin()->first, media::StopReason::kShutdown, "shutdown", "");
  }
  if (eid_ >= 0) srt_epoll_release(eid_);
  if (listener_ != SRT_INVALID_SOCK) srt_close(listener_);
  eid_ = -1;
  listener_ = SRT_INVALID_SOCK;
}

absl::StatusOr<std::unique_ptr<SrtServer>> SrtServer::Create(const SrtServerOptions& options,
                                                             media::MediaHub& hub,
                                                             prometheus::Registry& metrics) {
  if (srt_startup() < 0) return absl::InternalError("srt_startup: " + LastError());
  srt_setloghandler(nullptr, &LogFromSrt);
  srt_setlogflags(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME | SRT_LOGF_DISABLE_SEVERITY |
                  SRT_LOGF_DISABLE_EOL);
  auto impl = std::make_unique<Impl>(options, hub, metrics);
  uint16_t port = 0;
  if (absl::Status started = impl->Start(&port); !started.ok()) {
    impl.reset();
    srt_cleanup();
    return started;
  }
  return std::unique_ptr<SrtServer>(new SrtServer(std::move(impl), port));
}

SrtServer::SrtServer(std::unique_ptr<Impl> impl, uint16_t port)
    : impl_(std::move(impl)), port_(port) {}

SrtServer::~SrtServer() {
  Stop();
  impl_.reset();
  srt_cleanup();
}

void SrtServer::Stop() { impl_->Stop(); }

}  // namespace livesnap::srt
