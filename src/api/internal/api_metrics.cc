#include "api/internal/api_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace livesnap::api::internal {

ApiMetrics::ApiMetrics(prometheus::Registry& registry)
    : cut_(prometheus::BuildCounter()
               .Name("livesnap_api_clients_cut_total")
               .Help("API connections closed or refused by a limit (deadline, size, per-address "
                     "cap), by reason")
               .Register(registry)),
      requests_(prometheus::BuildCounter()
                    .Name("livesnap_api_requests_total")
                    .Help("HTTP API requests answered, by action and result code")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("livesnap_api_request_duration_seconds")
                    .Help("Time to answer an HTTP API request, by action")
                    .Register(registry)) {}

void ApiMetrics::Observe(std::string_view action, std::string_view code, double seconds) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  requests_.Add({{"action", std::string(action)}, {"code", std::string(code)}}).Increment();
  duration_.Add({{"action", std::string(action)}}, kBuckets).Observe(seconds);
}

void ApiMetrics::Cut(std::string_view reason) {
  cut_.Add({{"reason", std::string(reason)}}).Increment();
}

}  // namespace livesnap::api::internal
