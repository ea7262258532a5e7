// File: ingest/admission_limits.h
//
// The limits an ingest server (RTMP, SRT) applies before it spends anything
// on a client, so that no single source can exhaust the server:
//   - connections open at once, in all and per source;
//   - connections still in the protocol's handshake (RTMP: accepted, not yet
//     through C2), in all: idle or half-open sockets hold these slots until
//     the handshake timeout, so they are capped apart from established ones;
//   - publishes per second per source (a token bucket holding
//     kPublishBurstSeconds seconds' worth), so one source cannot churn
//     publishes and the work each one starts.
// A source is a client IPv4 address, or the /64 prefix of an IPv6 one (what
// one IPv6 host or subscriber usually gets).
//
//   AdmissionLimits limits(options, clock);
//   Admission a = limits.Admit(address);
//   if (!a.ticket) refuse(a.refused);               // LimitName(a.refused)
//   ... a.ticket->HandshakeDone(); ... if (!a.ticket->TryPublish()) refuse ...
//   // destroying the ticket gives the connection's slots back
//
// Thread-safety: thread-safe; tickets may be used and destroyed on any
// thread, but each by one thread at a time. Tickets must not outlive the
// AdmissionLimits.
#pragma once

#include <asio/ip/address.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace livesnap::ingest {

struct AdmissionOptions {
  int max_connections = 5000;
  int max_connections_per_ip = 128;
  int max_handshakes_in_flight = 512;
  double publishes_per_second_per_ip = 10;
};

// What a refusal was for; LimitName gives the value of the `limit` metric
// label, the [rtmp] key of the limit.
enum class Limit {
  kNone,
  kMaxConnections,
  kConnectionsPerIp,
  kHandshakesInFlight,
  kPublishRate,
  kPartialMessageBudget,  // applied by the message readers (MessageBudget), counted here
};
inline constexpr int kLimitCount = 6;
std::string_view LimitName(Limit limit);

// The source a client is counted under (see above).
std::string SourceOf(const asio::ip::address& address);

class AdmissionLimits;

class AdmissionTicket {
 public:
  ~AdmissionTicket();
  AdmissionTicket(const AdmissionTicket&) = delete;
  AdmissionTicket& operator=(const AdmissionTicket&) = delete;

  // The handshake is through: frees its handshake slot (idempotent).
  void HandshakeDone();
  // Takes a publish token of the source; false when its rate is spent.
  bool TryPublish();
  const std::string& source() const { return source_; }

 private:
  friend class AdmissionLimits;
  AdmissionTicket(AdmissionLimits& limits, std::string source)
      : limits_(limits), source_(std::move(source)) {}

  AdmissionLimits& limits_;
  const std::string source_;
  bool in_handshake_ = true;
};

struct Admission {
  std::unique_ptr<AdmissionTicket> ticket;  // null when refused
  Limit refused = Limit::kNone;
  int count = 0;  // when refused: what was counted against the limit
};

class AdmissionLimits {
 public:
  static constexpr double kPublishBurstSeconds = 10;

  AdmissionLimits(AdmissionOptions options, const Clock& clock);
  AdmissionLimits(const AdmissionLimits&) = delete;
  AdmissionLimits& operator=(const AdmissionLimits&) = delete;

  // A new connection from `address`: a ticket holding a connection and a
  // handshake slot, or the limit that refused it.
  Admission Admit(const asio::ip::address& address);

  int connections() const;
  int handshakes_in_flight() const;
  size_t sources_tracked() const;  // sources with state (for tests)

 private:
  friend class AdmissionTicket;
  struct Source {
    int connections = 0;
    double tokens = 0;
    int64_t tokens_at_ms = 0;
  };

  void Release(const std::string& source, bool in_handshake);
  void EndHandshake();
  bool TakePublishToken(const std::string& source);
  void Refill(Source& source, int64_t now_ms) const;
  void Prune(int64_t now_ms);  // drops idle sources with a full bucket; mu_ held

  const AdmissionOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Source> sources_;  // guarded by mu_
  int connections_ = 0;                              // guarded by mu_
  int handshakes_ = 0;                               // guarded by mu_
  int64_t pruned_at_ms_ = 0;                         // guarded by mu_
};

}  // namespace livesnap::ingest
