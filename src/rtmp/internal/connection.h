// File: rtmp/internal/connection.h
//
// One accepted TCP connection: socket I/O on its loop, a Session for the
// protocol, and the Publication while it publishes.
//
// Thread-safety: every member runs on the connection's loop (its socket's
// executor); Close() may be called from any thread (it posts).
#pragma once

#include <array>
#include <asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "media/hub.h"
#include "media/publication.h"
#include "rtmp/internal/admission_limits.h"
#include "rtmp/internal/log_limiter.h"
#include "rtmp/session.h"

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace livesnap::rtmp::internal {

struct ServerCounters {
  prometheus::Counter* accepted = nullptr;
  prometheus::Counter* refused_over_limit = nullptr;
  prometheus::Counter* protocol_errors = nullptr;
  prometheus::Counter* handshake_timeouts = nullptr;
  prometheus::Counter* idle_timeouts = nullptr;
  prometheus::Counter* publishes_refused = nullptr;
  prometheus::Gauge* active = nullptr;
  // Clients refused or closed by each limit, indexed by Limit.
  std::array<prometheus::Counter*, kLimitCount> limited{};
};

struct ConnectionConfig {
  SessionOptions session;
  int handshake_timeout_ms = 10'000;
  int idle_timeout_ms = 30'000;
  double publishes_per_second_per_ip = 10;  // for the refusal's description
  LogLimiter* log_limiter = nullptr;        // for lines a flood of clients could repeat
};

class Connection : public std::enable_shared_from_this<Connection>, private SessionDelegate {
 public:
  using OnClosed = std::function<void(Connection*)>;

  // `ticket` holds the connection's admission slots until it is destroyed.
  Connection(asio::ip::tcp::socket socket, std::unique_ptr<AdmissionTicket> ticket,
             const ConnectionConfig& config, media::MediaHub& hub, const ServerCounters& counters,
             OnClosed on_closed);
  ~Connection() override;

  void Start();
  void Close(media::StopReason reason);  // thread-safe
  asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  void ReadSome();
  void OnRead(const asio::error_code& error, size_t size);
  void Flush();
  void ArmTimer();
  void OnTimer();
  void CloseNow(media::StopReason reason, const std::string& why);

  // SessionDelegate
  absl::Status OnPublish(const PublishTarget& target) override;
  void OnMetadata(const amf0::Value& metadata) override;
  absl::Status OnVideo(uint32_t timestamp_ms, std::span<const uint8_t> payload) override;
  absl::Status OnAudio(uint32_t timestamp_ms, std::span<const uint8_t> payload) override;
  void OnUnpublish() override;
  void OnPublishRefused(const absl::Status& reason) override;

  // Counts a limit hit and logs `what` (at most a few lines a minute per limit).
  void LimitHit(Limit limit, const std::string& what);

  asio::ip::tcp::socket socket_;
  std::unique_ptr<AdmissionTicket> ticket_;
  asio::steady_timer timer_;
  const ConnectionConfig& config_;
  media::MediaHub& hub_;
  const ServerCounters& counters_;
  OnClosed on_closed_;
  Session session_;
  std::string peer_;
  std::string tag_;  // "[domain/app/stream]" once publishing, else "[peer]"
  std::unique_ptr<media::Publication> publication_;

  std::vector<uint8_t> read_buffer_;
  std::vector<uint8_t> pending_;  // produced by the session, not yet writing
  std::vector<uint8_t> writing_;  // owned by the write in flight
  bool write_in_flight_ = false;
  bool close_after_flush_ = false;
  bool closed_ = false;
  bool counted_active_ = false;  // Start incremented the active gauge
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_read_;
};

}  // namespace livesnap::rtmp::internal
