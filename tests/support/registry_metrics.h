// File: tests/support/registry_metrics.h
//
// Reads one metric out of a prometheus::Registry, for unit tests of the
// modules that count into one (the integration tests read /metrics with
// prometheus_text.h, which gives the same answer for a missing sample):
//
//   double failed = MetricValue(registry, "livesnap_callbacks_total", {{"result", "failed"}});
//
// Thread-safety: as prometheus::Registry::Collect.
#pragma once

#include <prometheus/registry.h>

#include <map>
#include <string>

namespace livesnap::testing {

// The value of the first sample of family `name` that carries every label
// of `labels` (other labels may be there too): a counter's or gauge's value,
// a histogram's sample count. -1 when the family or such a sample is
// missing.
double MetricValue(prometheus::Registry& registry, const std::string& name,
                   const std::map<std::string, std::string>& labels = {});

}  // namespace livesnap::testing
