// File: api/internal/health.h
//
// What /healthz answers: "ok", or "degraded" with one problem per failing
// part (the catalog, a store, the disk), each with a reason a monitor can
// match on and a message an operator can act on:
//
//   HealthReport report = CheckHealth(catalog, options.health);
//   if (!report.problems.empty()) ... 503 with report.Summary() and ProblemsJson(report)
//
// Thread-safety: stateless; `catalog` and `more` must be thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/api_server.h"
#include "api/internal/actions.h"
#include "catalog/catalog.h"

namespace livesnap::api::internal {

struct HealthReport {
  std::vector<HealthProblem> problems;  // empty: healthy

  // "component: message; component: message" for the error's Message.
  std::string Summary() const;
  // [{Component, Reason, Message}, ...]
  Json ProblemsJson() const;
};

// Probes the catalog with one read, then adds what `more` reports (may be empty).
HealthReport CheckHealth(catalog::Catalog& catalog, const HealthFn& more);

}  // namespace livesnap::api::internal
