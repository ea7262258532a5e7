// File: rtmp/server.h
//
// The RTMP ingest server: accepts publishers on an Asio event loop (one or a
// few threads, never a thread per connection), runs a Session per connection
// and publishes each accepted stream into the MediaHub. Limits and timeouts
// close only the offending connection, with a log line and a counter.
//
//   auto server = RtmpServer::Create(options, hub, metrics);
//   (*server)->Start();  ...  (*server)->Stop();  // graceful
//
// Thread-safety: Create/Start/Stop from one controlling thread; the rest
// runs on the server's own loop threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "media/hub.h"
#include "rtmp/session.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace livesnap::rtmp {

// Limits close or refuse only the client over them, each with a log line
// (a few a minute per limit at most) and livesnap_rtmp_limited_total{limit}.
struct RtmpServerOptions {
  std::string listen_host = "0.0.0.0";
  uint16_t port = 1935;  // 0 picks a free port (tests)
  int io_threads = 1;
  int max_connections = 5000;
  // Per client IPv4 address or IPv6 /64. Relays and load balancers connect
  // from one address for many encoders: raise it for them.
  int max_connections_per_ip = 128;
  int max_handshakes_in_flight = 512;       // accepted, RTMP handshake not done
  double publishes_per_second_per_ip = 10;  // token bucket, 10 s of burst
  // What partial (incomplete) messages of all connections may hold together.
  uint64_t partial_message_budget_bytes = 256ull << 20;
  int handshake_timeout_ms = 10'000;
  int idle_timeout_ms = 30'000;
  // Once a stream publishes, its socket wakes the loop only when this many
  // bytes have arrived (SO_RCVLOWAT), and what lies below is read every
  // read_sweep_ms: a real-time ffmpeg push at 2 Mbit/s is read in a quarter
  // of the reads (rtmp_ingest_test), for at most read_sweep_ms of ingest
  // latency. 0: wake at every arrival.
  int read_batch_bytes = 16 * 1024;
  int read_sweep_ms = 100;
  SessionOptions session;  // chunk_limits.budget is set by the server
  // RTMPS (RTMP over TLS) on its own listener, with the limits and timeouts
  // above (handshake_timeout_ms covers the TLS handshake too). Off while
  // tls_port is -1; 0 picks a free port (tests).
  std::string tls_listen_host = "0.0.0.0";
  int tls_port = -1;
  std::string tls_cert_file;  // PEM certificate chain
  std::string tls_key_file;   // PEM private key
};

class RtmpServer {
 public:
  // Binds and listens (fails with Unavailable naming host:port); serves after Start.
  static absl::StatusOr<std::unique_ptr<RtmpServer>> Create(RtmpServerOptions options,
                                                            media::MediaHub& hub,
                                                            prometheus::Registry& metrics);
  virtual ~RtmpServer() = default;

  virtual void Start() = 0;
  // Stops accepting, ends every publish (StopReason::kShutdown), closes every
  // connection and joins the loop threads. Idempotent.
  virtual void Stop() = 0;
  virtual uint16_t port() const = 0;
  virtual uint16_t tls_port() const = 0;  // 0 without RTMPS
  virtual size_t connection_count() const = 0;
  // Reads the RTMPS certificate and key files again: handshakes that start
  // afterwards use them; open connections and live streams are untouched.
  // A failure (FailedPrecondition without RTMPS, InvalidArgument for bad
  // files) keeps the certificate in use.
  virtual absl::Status ReloadTlsCertificate() = 0;
};

}  // namespace livesnap::rtmp
