// File: tests/support/prometheus_text.h
//
// Reads one sample out of Prometheus text exposition (what /metrics serves),
// so tests can assert on counters:
//
//   double failed = MetricValue(metrics, "livesnap_captures_total{result=\"failed\"}");
//
// Thread-safety: pure functions.
#pragma once

#include <string>

namespace livesnap::testing {

// The value of the line "<sample> <value>" (sample = name{labels} exactly as
// served, apart from the node_id label livesnapd adds to every sample, which
// `sample` leaves out); -1 when there is no such line.
double MetricValue(const std::string& text, const std::string& sample);

}  // namespace livesnap::testing
