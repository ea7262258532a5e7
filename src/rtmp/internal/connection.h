// File: rtmp/internal/connection.h
//
// One accepted TCP connection: socket I/O on its loop, a Session for the
// protocol, and the Publication while it publishes.
//
// Reads cost per wakeup, and encoders write in small pieces (FFmpeg sends
// every chunk header apart from its payload: ~240 writes a second for a
// 2 Mbit/s stream, which arrive as ~50 reads a second). Once a stream
// publishes, the socket therefore wakes the loop only when read_batch_bytes
// have arrived (SO_RCVLOWAT), and the connection's timer picks up what lies
// below that every read_sweep_ms: media reaches the hub at most
// read_sweep_ms late, which snapshots do not notice, in a quarter of the
// reads.
//
// On the RTMPS listener the connection first runs a TLS handshake (within
// the RTMP handshake's timeout) and then reads through TLS, without read
// batching (TLS keeps what it has decrypted where SO_RCVLOWAT cannot see it).
//
// Thread-safety: every member runs on the connection's loop (its socket's
// executor); Close() may be called from any thread (it posts).
#pragma once

#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/log_limiter.h"
#include "ingest/admission_limits.h"
#include "media/hub.h"
#include "media/publication.h"
#include "rtmp/flv_demuxer.h"
#include "rtmp/session.h"

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace livesnap::rtmp::internal {

// The limit rules every ingest protocol shares (ingest/).
using ingest::AdmissionTicket;
using ingest::kLimitCount;
using ingest::Limit;
using ingest::LimitName;

struct ServerCounters {
  prometheus::Counter* accepted = nullptr;
  prometheus::Counter* refused_over_limit = nullptr;
  prometheus::Counter* protocol_errors = nullptr;
  prometheus::Counter* handshake_timeouts = nullptr;
  prometheus::Counter* idle_timeouts = nullptr;
  prometheus::Counter* publishes_refused = nullptr;
  prometheus::Counter* tls_handshake_failures = nullptr;
  prometheus::Gauge* active = nullptr;
  prometheus::Counter* reads = nullptr;       // reads that returned bytes
  prometheus::Counter* read_bytes = nullptr;  // the bytes they returned
  // Clients refused or closed by each limit, indexed by Limit.
  std::array<prometheus::Counter*, kLimitCount> limited{};
};

struct ConnectionConfig {
  SessionOptions session;
  int handshake_timeout_ms = 10'000;
  int idle_timeout_ms = 30'000;
  double publishes_per_second_per_ip = 10;  // for the refusal's description
  // Read batching once publishing (see RtmpServerOptions); 0 bytes: off.
  int read_batch_bytes = 16 * 1024;
  int read_sweep_ms = 100;
  LogLimiter* log_limiter = nullptr;  // for lines a flood of clients could repeat
};

class Connection : public std::enable_shared_from_this<Connection>, private SessionDelegate {
 public:
  using OnClosed = std::function<void(Connection*)>;

  // `ticket` holds the connection's admission slots until it is destroyed;
  // with `tls`, the client speaks RTMP over TLS (RTMPS).
  Connection(asio::ip::tcp::socket socket, std::unique_ptr<AdmissionTicket> ticket,
             const ConnectionConfig& config, media::MediaHub& hub, const ServerCounters& counters,
             OnClosed on_closed, std::shared_ptr<asio::ssl::context> tls = nullptr);
  ~Connection() override;

  void Start();
  void Close(media::StopReason reason);  // thread-safe
  asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  // Waits until the socket is readable (with read batching: until
  // read_batch_bytes have arrived, SO_RCVLOWAT), then drains it.
  void WaitReadable();
  void OnReadable(const asio::error_code& error);
  // Reads what the socket holds, a bounded number of times; false once the
  // connection is closing.
  bool Drain();
  // Feeds `size` bytes of read_buffer_ to the session; false once closing.
  bool Consume(size_t size);
  void StartReadBatching();
  // RTMPS: the TLS handshake, then reads through TLS.
  void StartTls();
  void ReadTls();
  void Flush();
  void ArmTimer();
  void OnTimer();
  void CloseNow(media::StopReason reason, const std::string& why);

  // SessionDelegate
  absl::Status OnPublish(const ingest::PublishTarget& target) override;
  void OnMetadata(const amf0::Value& metadata) override;
  absl::Status OnVideo(uint32_t timestamp_ms, std::span<const uint8_t> payload) override;
  absl::Status OnAudio(uint32_t timestamp_ms, std::span<const uint8_t> payload) override;
  void OnUnpublish() override;
  void OnPublishRefused(const absl::Status& reason) override;

  // Counts a limit hit and logs `what` (at most a few lines a minute per limit).
  void LimitHit(Limit limit, const std::string& what);

  asio::ip::tcp::socket socket_;
  std::shared_ptr<asio::ssl::context> tls_context_;                 // null: plain RTMP
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;  // over socket_
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
  std::optional<FlvDemuxer> flv_;  // of publication_, set with it

  std::vector<uint8_t> read_buffer_;
  std::vector<uint8_t> pending_;  // produced by the session, not yet writing
  std::vector<uint8_t> writing_;  // owned by the write in flight
  bool write_in_flight_ = false;
  bool close_after_flush_ = false;
  bool closed_ = false;
  bool counted_active_ = false;  // Start incremented the active gauge
  bool batching_reads_ = false;  // SO_RCVLOWAT is set; OnTimer sweeps what lies below it
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_read_;
};

}  // namespace livesnap::rtmp::internal
