#include "ingest/admission_limits.h"

#include <algorithm>

namespace livesnap::ingest {

std::string_view LimitName(Limit limit) {
  switch (limit) {
    case Limit::kNone:
      return "none";
    case Limit::kMaxConnections:
      return "max_connections";
    case Limit::kConnectionsPerIp:
      return "max_connections_per_ip";
    case Limit::kHandshakesInFlight:
      return "max_handshakes_in_flight";
    case Limit::kPublishRate:
      return "publishes_per_second_per_ip";
    case Limit::kPartialMessageBudget:
      return "partial_message_budget_bytes";
  }
  return "unknown";
}

std::string SourceOf(const asio::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  const asio::ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
  asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

AdmissionTicket::~AdmissionTicket() { limits_.Release(source_, in_handshake_); }

void AdmissionTicket::HandshakeDone() {
  if (!in_handshake_) return;
  in_handshake_ = false;
  limits_.EndHandshake();
}

bool AdmissionTicket::TryPublish() { return limits_.TakePublishToken(source_); }

AdmissionLimits::AdmissionLimits(AdmissionOptions options, const Clock& clock)
    : options_(options), clock_(clock) {}

Admission AdmissionLimits::Admit(const asio::ip::address& address) {
  std::string source = SourceOf(address);
  const int64_t now_ms = clock_.MonotonicMs();
  std::lock_guard lock(mu_);
  Prune(now_ms);
  if (connections_ >= options_.max_connections) {
    return {nullptr, Limit::kMaxConnections, connections_};
  }
  if (handshakes_ >= options_.max_handshakes_in_flight) {
    return {nullptr, Limit::kHandshakesInFlight, handshakes_};
  }
  auto [it, inserted] = sources_.try_emplace(source);
  Source& s = it->second;
  if (inserted) {
    s.tokens = options_.publishes_per_second_per_ip * kPublishBurstSeconds;
    s.tokens_at_ms = now_ms;
  }
  if (s.connections >= options_.max_connections_per_ip) {
    return {nullptr, Limit::kConnectionsPerIp, s.connections};
  }
  ++s.connections;
  ++connections_;
  ++handshakes_;
  return {std::unique_ptr<AdmissionTicket>(new AdmissionTicket(*this, std::move(source))),
          Limit::kNone, 0};
}

void AdmissionLimits::Release(const std::string& source, bool in_handshake) {
  std::lock_guard lock(mu_);
  --connections_;
  if (in_handshake) --handshakes_;
  auto it = sources_.find(source);
  if (it != sources_.end()) --it->second.connections;
}

void AdmissionLimits::EndHandshake() {
  std::lock_guard lock(mu_);
  --handshakes_;
}

void AdmissionLimits::Refill(Source& source, int64_t now_ms) const {
  const double capacity = options_.publishes_per_second_per_ip * kPublishBurstSeconds;
  const double earned = static_cast<double>(now_ms - source.tokens_at_ms) / 1000 *
                        options_.publishes_per_second_per_ip;
  source.tokens = std::min(capacity, source.tokens + earned);
  source.tokens_at_ms = now_ms;
}

bool AdmissionLimits::TakePublishToken(const std::string& source) {
  const int64_t now_ms = clock_.MonotonicMs();
  std::lock_guard lock(mu_);
  auto it = sources_.find(source);
  if (it == sources_.end()) return false;  // cannot happen while a ticket holds it
  Refill(it->second, now_ms);
  if (it->second.tokens < 1) return false;
  it->second.tokens -= 1;
  return true;
}

// A source is kept while it has connections, or its bucket is not full yet
// (else closing every connection would give a fresh burst); at most one
// sweep a second, so the map holds no more than the sources seen within the
// refill time.
void AdmissionLimits::Prune(int64_t now_ms) {
  if (now_ms - pruned_at_ms_ < 1000) return;
  pruned_at_ms_ = now_ms;
  const double capacity = options_.publishes_per_second_per_ip * kPublishBurstSeconds;
  for (auto it = sources_.begin(); it != sources_.end();) {
    Refill(it->second, now_ms);
    if (it->second.connections == 0 && it->second.tokens >= capacity) {
      it = sources_.erase(it);
    } else {
      ++it;
    }
  }
}

int AdmissionLimits::connections() const {
  std::lock_guard lock(mu_);
  return connections_;
}

int AdmissionLimits::handshakes_in_flight() const {
  std::lock_guard lock(mu_);
  return handshakes_;
}

size_t AdmissionLimits::sources_tracked() const {
  std::lock_guard lock(mu_);
  return sources_.size();
}

}  // namespace livesnap::ingest
