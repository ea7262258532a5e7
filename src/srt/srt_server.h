// File: srt/srt_server.h
//
// The SRT listener (libsrt, live mode): encoders push MPEG-TS
// (`ffmpeg ... -f mpegts 'srt://host:port?streamid=#!::h=<domain>,r=<app>/<stream>,m=publish'`).
// A caller's stream id is checked during the handshake (srt/stream_id.h: a
// bad one is refused with SRT_REJX_BAD_REQUEST and a log line); once
// connected, the publish goes through the media hub's admission (known
// domain, push authentication, one live publish per stream in the cluster)
// like an RTMP publish, and its TS is demuxed into the hub
// (srt/ts_demuxer.h). A refused publish or malformed TS closes that
// connection only.
//
// Every connection is non-blocking on one epoll (srt_epoll) served by one
// thread ("ls-srt-io"), which wakes at most every read_batch_ms while data
// flows and reads a connection's datagrams a bufferful at a time; libsrt
// adds its own few threads per UDP port, not per connection.
// Encryption (AES, SRTO_PASSPHRASE) and the receiver latency come from the
// options; a caller with another passphrase is refused by libsrt.
//
// The limits are RTMP's rules (ingest/), each closing only the connection
// over it with a log line (a few a minute per limit) and
// livesnap_srt_limited_total{limit="<[srt] key>"}: connections in all and
// per source address, publishes per second per source, and the memory the
// partial PES packets of all connections hold together. A connection that
// delivers no data for idle_timeout_ms is closed
// (livesnap_srt_closed_total{cause="idle_timeout"}).
//
//   LS_ASSIGN_OR_RETURN(auto srt, SrtServer::Create(options, hub, metrics), "SRT");
//   ...
//   srt->Stop();  // ends every publish (kShutdown)
//
// Thread-safety: Create, Stop and port() from one owner thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "media/hub.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace livesnap::srt {

struct SrtServerOptions {
  std::string listen_host = "0.0.0.0";
  uint16_t port = 0;           // 0: any free port (tests)
  std::string default_domain;  // for stream ids without h=
  std::string passphrase;      // empty: no encryption; else 10..79 characters
  int latency_ms = 120;        // SRTO_RCVLATENCY
  int max_connections = 5000;
  int max_connections_per_ip = 128;  // per IPv4 address or IPv6 /64
  double publishes_per_second_per_ip = 10;
  int idle_timeout_ms = 30'000;              // no data for this long: closed
  uint64_t pes_budget_bytes = 256ull << 20;  // partial PES of all connections
  // While data flows, the loop wakes at most every read_batch_ms and drains
  // every ready connection (0: at every datagram's wake-up).
  int read_batch_ms = 20;
};

class SrtServer {
 public:
  // InvalidArgument for a bad passphrase length or address; Unavailable when
  // the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<SrtServer>> Create(const SrtServerOptions& options,
                                                           media::MediaHub& hub,
                                                           prometheus::Registry& metrics);
  ~SrtServer();  // Stop()
  SrtServer(const SrtServer&) = delete;
  SrtServer& operator=(const SrtServer&) = delete;

  // Closes the listener and every connection; their publishes stop with
  // kShutdown. Later calls do nothing.
  void Stop();
  uint16_t port() const { return port_; }

  class Impl;

 private:
  explicit SrtServer(std::unique_ptr<Impl> impl, uint16_t port);

  std::unique_ptr<Impl> impl_;
  uint16_t port_;
};

}  // namespace livesnap::srt
