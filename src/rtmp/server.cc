#include "rtmp/server.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <asio.hpp>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/clock.h"
#include "base/log_limiter.h"
#include "base/status.h"
#include "ingest/admission_limits.h"
#include "ingest/message_budget.h"
#include "rtmp/internal/connection.h"
#include "rtmp/internal/tls_context.h"

namespace livesnap::rtmp {

namespace {

using internal::Connection;

internal::ServerCounters MakeCounters(prometheus::Registry& registry) {
  auto& connections = prometheus::BuildCounter()
                          .Name("livesnap_rtmp_connections_total")
                          .Help("RTMP connections, by outcome")
                          .Register(registry);
  auto& errors = prometheus::BuildCounter()
                     .Name("livesnap_rtmp_connection_errors_total")
                     .Help("RTMP connections closed by the server, by cause")
                     .Register(registry);
  auto& limited =
      prometheus::BuildCounter()
          .Name("livesnap_rtmp_limited_total")
          .Help("RTMP clients refused or closed by a limit, by the [rtmp] key of the limit")
          .Register(registry);
  auto& active = prometheus::BuildGauge()
                     .Name("livesnap_rtmp_connections_active")
                     .Help("Open RTMP connections")
                     .Register(registry);
  internal::ServerCounters counters;
  counters.reads = &prometheus::BuildCounter()
                        .Name("livesnap_rtmp_reads_total")
                        .Help("Socket reads that returned bytes (read batching makes them fewer)")
                        .Register(registry)
                        .Add({});
  counters.read_bytes = &prometheus::BuildCounter()
                             .Name("livesnap_rtmp_read_bytes_total")
                             .Help("Bytes read from RTMP sockets")
                             .Register(registry)
                             .Add({});
  counters.accepted = &connections.Add({{"outcome", "accepted"}});
  counters.refused_over_limit = &connections.Add({{"outcome", "refused_over_limit"}});
  counters.protocol_errors = &errors.Add({{"cause", "protocol"}});
  counters.handshake_timeouts = &errors.Add({{"cause", "handshake_timeout"}});
  counters.idle_timeouts = &errors.Add({{"cause", "idle_timeout"}});
  counters.publishes_refused = &errors.Add({{"cause", "publish_refused"}});
  counters.tls_handshake_failures = &errors.Add({{"cause", "tls_handshake"}});
  counters.active = &active.Add({});
  for (int i = 1; i < ingest::kLimitCount; ++i) {
    const auto limit = static_cast<ingest::Limit>(i);
    counters.limited[i] = &limited.Add({{"limit", std::string(ingest::LimitName(limit))}});
  }
  return counters;
}

class AsioRtmpServer final : public RtmpServer {
 public:
  AsioRtmpServer(RtmpServerOptions options, media::MediaHub& hub, prometheus::Registry& metrics)
      : options_(std::move(options)),
        hub_(hub),
        counters_(MakeCounters(metrics)),
        budget_(options_.partial_message_budget_bytes),
        admission_(
            ingest::AdmissionOptions{options_.max_connections, options_.max_connections_per_ip,
                                     options_.max_handshakes_in_flight,
                                     options_.publishes_per_second_per_ip},
            SystemClock::Instance()),
        log_limiter_(SystemClock::Instance()),
        loops_(static_cast<size_t>(std::max(1, options_.io_threads))),
        acceptor_(loops_[0]),
        tls_acceptor_(loops_[0]) {
    connection_config_.session = options_.session;
    connection_config_.session.chunk_limits.budget = &budget_;
    connection_config_.handshake_timeout_ms = options_.handshake_timeout_ms;
    connection_config_.idle_timeout_ms = options_.idle_timeout_ms;
    connection_config_.publishes_per_second_per_ip = options_.publishes_per_second_per_ip;
    connection_config_.log_limiter = &log_limiter_;
    connection_config_.read_batch_bytes = options_.read_batch_bytes;
    connection_config_.read_sweep_ms = options_.read_sweep_ms;
  }

  ~AsioRtmpServer() override { Stop(); }

  absl::Status Listen() {
    LS_RETURN_IF_ERROR(Bind(acceptor_, "RTMP", options_.listen_host, options_.port), "");
    port_ = acceptor_.local_endpoint().port();
    if (options_.tls_port < 0) return absl::OkStatus();
    if (options_.tls_port > 65535) {
      return absl::InvalidArgumentError("RTMPS port " + std::to_string(options_.tls_port));
    }
    LS_ASSIGN_OR_RETURN(
        tls_, internal::TlsContext::Create(options_.tls_cert_file, options_.tls_key_file), "");
    LS_RETURN_IF_ERROR(Bind(tls_acceptor_, "RTMPS", options_.tls_listen_host,
                            static_cast<uint16_t>(options_.tls_port)),
                       "");
    tls_port_ = tls_acceptor_.local_endpoint().port();
    return absl::OkStatus();
  }

  void Start() override {
    for (auto& loop : loops_) work_.emplace_back(asio::make_work_guard(loop));
    Accept(acceptor_, false);
    if (tls_) Accept(tls_acceptor_, true);
    for (auto& loop : loops_) {
      threads_.emplace_back([&loop] {
        pthread_setname_np(pthread_self(), "ls-rtmp-io");  // per-thread CPU in top -H
        loop.run();
      });
    }
    spdlog::info("RTMP listening on {}:{} ({} loop thread{})", options_.listen_host, port_,
                 loops_.size(), loops_.size() == 1 ? "" : "s");
    if (tls_) {
      spdlog::info("RTMPS listening on {}:{} (certificate {})", options_.tls_listen_host, tls_port_,
                   options_.tls_cert_file);
    }
  }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    asio::post(loops_[0], [this] {
      asio::error_code ignored;
      acceptor_.close(ignored);
      tls_acceptor_.close(ignored);
    });
    {
      std::lock_guard lock(mu_);
      for (auto& [ptr, connection] : connections_) connection->Close(media::StopReason::kShutdown);
    }
    work_.clear();  // loops return once every connection has closed
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  uint16_t port() const override { return port_; }
  uint16_t tls_port() const override { return tls_port_; }

  absl::Status ReloadTlsCertificate() override {
    if (!tls_) return absl::FailedPreconditionError("RTMPS is off (no rtmp.tls_listen)");
    return tls_->Reload();
  }

  size_t connection_count() const override {
    std::lock_guard lock(mu_);
    return connections_.size();
  }

 private:
  void Accept(asio::ip::tcp::acceptor& acceptor, bool tls) {
    asio::io_context& loop = loops_[next_loop_++ % loops_.size()];
    acceptor.async_accept(
        loop, [this, &acceptor, tls](const asio::error_code& error, asio::ip::tcp::socket socket) {
          if (error) {
            if (error != asio::error::operation_aborted) {
              spdlog::warn("{} accept failed: {}", tls ? "RTMPS" : "RTMP", error.message());
              Accept(acceptor, tls);
            }
            return;
          }
          OnAccepted(std::move(socket), tls);
          Accept(acceptor, tls);
        });
  }

  // The same admission limits for RTMP and RTMPS clients.
  void OnAccepted(asio::ip::tcp::socket socket, bool tls) {
    std::shared_ptr<Connection> connection;
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      ingest::Admission admission = Admit(socket);
      if (!admission.ticket) return;  // the socket closes as it goes out of scope
      connection = std::make_shared<Connection>(
          std::move(socket), std::move(admission.ticket), connection_config_, hub_, counters_,
          [this](Connection* closed) { Forget(closed); }, tls ? tls_->Current() : nullptr);
      connections_.emplace(connection.get(), connection);
    }
    counters_.accepted->Increment();
    // Start on the connection's own loop.
    asio::post(connection->executor(), [connection] { connection->Start(); });
  }

  // Applies the admission limits to a new connection; a refusal is counted
  // and logged (a few lines a minute at most).
  ingest::Admission Admit(const asio::ip::tcp::socket& socket) {
    asio::error_code ec;
    const asio::ip::tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return {};  // already gone
    ingest::Admission admission = admission_.Admit(peer.address());
    if (admission.ticket) return admission;
    counters_.refused_over_limit->Increment();
    counters_.limited[static_cast<size_t>(admission.refused)]->Increment();
    const std::string_view limit = ingest::LimitName(admission.refused);
    uint64_t dropped = 0;
    if (log_limiter_.Allow(limit, dropped)) {
      spdlog::warn(
          "RTMP connection from {} refused: {} already counted against rtmp.{}{}",
          peer.address().to_string(), admission.count, limit,
          dropped == 0 ? "" : " (" + std::to_string(dropped) + " similar lines not logged)");
    }
    return admission;
  }

  static absl::Status Bind(asio::ip::tcp::acceptor& acceptor, const std::string& what,
                           const std::string& host, uint16_t port) {
    asio::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
      return absl::InvalidArgumentError(what + " listen address \"" + host + "\": " + ec.message());
    }
    asio::ip::tcp::endpoint endpoint(address, port);
    const std::string where = host + ":" + std::to_string(port);
    if (acceptor.open(endpoint.protocol(), ec); ec) {
      return absl::UnavailableError(what + " open " + where + ": " + ec.message());
    }
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (acceptor.bind(endpoint, ec); ec) {
      return absl::UnavailableError(what + " bind " + where + ": " + ec.message());
    }
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return absl::UnavailableError(what + " listen " + where + ": " + ec.message());
    }
    return absl::OkStatus();
  }

  void Forget(Connection* connection) {
    std::shared_ptr<Connection> keep;  // destroyed outside the lock
    std::lock_guard lock(mu_);
    auto it = connections_.find(connection);
    if (it == connections_.end()) return;
    keep = std::move(it->second);
    connections_.erase(it);
  }

  const RtmpServerOptions options_;
  media::MediaHub& hub_;
  internal::ServerCounters counters_;
  ingest::MessageBudget budget_;
  ingest::AdmissionLimits admission_;
  LogLimiter log_limiter_;
  internal::ConnectionConfig connection_config_;
  std::deque<asio::io_context> loops_;
  asio::ip::tcp::acceptor acceptor_;
  asio::ip::tcp::acceptor tls_acceptor_;       // open with RTMPS only
  std::unique_ptr<internal::TlsContext> tls_;  // null without RTMPS
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  size_t next_loop_ = 0;  // used on loop 0 only
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  std::atomic<bool> stopped_{false};
  mutable std::mutex mu_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;  // guarded by mu_
};

}  // namespace

absl::StatusOr<std::unique_ptr<RtmpServer>> RtmpServer::Create(RtmpServerOptions options,
                                                               media::MediaHub& hub,
                                                               prometheus::Registry& metrics) {
  auto server = std::make_unique<AsioRtmpServer>(std::move(options), hub, metrics);
  if (absl::Status status = server->Listen(); !status.ok()) return status;
  return server;
}

}  // namespace livesnap::rtmp
