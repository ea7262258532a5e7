#include "api/internal/health.h"

#include "absl/strings/str_cat.h"

namespace livesnap::api::internal {

std::string HealthReport::Summary() const {
  std::string summary;
  for (const HealthProblem& problem : problems) {
    if (!summary.empty()) summary += "; ";
    absl::StrAppend(&summary, problem.component, ": ", problem.message);
  }
  return summary;
}

Json HealthReport::ProblemsJson() const {
  Json list = Json::array();
  for (const HealthProblem& problem : problems) {
    list.push_back({{"Component", problem.component},
                    {"Reason", problem.reason},
                    {"Message", problem.message}});
  }
  return list;
}

HealthReport CheckHealth(catalog::Catalog& catalog, const HealthFn& more) {
  HealthReport report;
  absl::StatusOr<std::vector<catalog::Bucket>> probe = catalog.ListBuckets();
  if (!probe.ok()) {
    report.problems.push_back(
        {.component = "catalog",
         .reason = "unreachable",
         .message = absl::StrCat("catalog unreachable: ", std::string(probe.status().message()))});
  }
  if (more) {
    for (HealthProblem& problem : more()) report.problems.push_back(std::move(problem));
  }
  return report;
}

}  // namespace livesnap::api::internal
