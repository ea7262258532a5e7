#include "tests/support/registry_metrics.h"

#include <algorithm>

namespace livesnap::testing {
namespace {

bool HasLabels(const prometheus::ClientMetric& metric,
               const std::map<std::string, std::string>& labels) {
  return std::all_of(labels.begin(), labels.end(), [&](const auto& wanted) {
    return std::any_of(metric.label.begin(), metric.label.end(), [&](const auto& label) {
      return label.name == wanted.first && label.value == wanted.second;
    });
  });
}

}  // namespace

double MetricValue(prometheus::Registry& registry, const std::string& name,
                   const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      if (!HasLabels(metric, labels)) continue;
      switch (family.type) {
        case prometheus::MetricType::Counter:
          return metric.counter.value;
        case prometheus::MetricType::Gauge:
          return metric.gauge.value;
        case prometheus::MetricType::Histogram:
          return static_cast<double>(metric.histogram.sample_count);
        default:
          return -1;
      }
    }
  }
  return -1;
}

}  // namespace livesnap::testing
