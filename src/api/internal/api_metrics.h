// File: api/internal/api_metrics.h
//
// The API's Prometheus metrics, registered in the shared registry:
//   livesnap_api_requests_total{action, code}            requests answered
//   livesnap_api_request_duration_seconds{action}        time to answer
// `action` is the RPC action (or "unknown" for a name that is not one, so a
// caller cannot grow the label set) or the route ("http:healthz", ...);
// `code` is "OK" or the error code.
//   livesnap_api_clients_cut_total{reason}               connections closed or
//     refused by a limit: timeout, too_large, malformed, per_ip_limit,
//     max_connections
//
// Thread-safety: Observe may be called from any thread.
#pragma once

#include <string_view>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
}  // namespace prometheus

namespace livesnap::api::internal {

class ApiMetrics {
 public:
  explicit ApiMetrics(prometheus::Registry& registry);
  void Observe(std::string_view action, std::string_view code, double seconds);
  void Cut(std::string_view reason);

 private:
  prometheus::Family<prometheus::Counter>& cut_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
};

}  // namespace livesnap::api::internal
