#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "api/internal/health.h"
#include "api/internal/routes.h"

namespace livesnap::api::internal {

Outcome HandleHealth(const RouteContext& context, const HttpRequest& request,
                     HttpResponse& response) {
  Outcome outcome{"http:healthz"};
  const HealthReport report = CheckHealth(context.catalog, context.options.health);
  const int live_streams = context.hub == nullptr ? 0 : static_cast<int>(context.hub->live_count());
  if (!report.problems.empty()) {
    outcome.code =
        SendError(context, request, response, Fail(codes::kServiceUnavailable, report.Summary()),
                  {{"Status", "degraded"},
                   {"Problems", report.ProblemsJson()},
                   {"LiveStreams", live_streams}});
    return outcome;
  }
  Json body;
  body["RequestId"] = NewRequestId();
  body["Status"] = "ok";
  body["LiveStreams"] = live_streams;
  response.SetHeader("Cache-Control", "no-store");
  response.SetContent(Dump(body), kJsonType);
  return outcome;
}

Outcome HandleMetrics(const RouteContext& context, HttpResponse& response) {
  if (context.options.health) (void)context.options.health();  // refreshes the gauges it keeps
  const prometheus::TextSerializer serializer;
  response.SetHeader("Cache-Control", "no-store");
  std::vector<prometheus::MetricFamily> families = context.registry.Collect();
  if (!context.options.node_id.empty()) {
    for (prometheus::MetricFamily& family : families) {
      for (prometheus::ClientMetric& metric : family.metric) {
        metric.label.push_back({"node_id", context.options.node_id});
      }
    }
  }
  response.SetContent(serializer.Serialize(families), "text/plain; version=0.0.4; charset=utf-8");
  return Outcome{"http:metrics"};
}

}  // namespace livesnap::api::internal
