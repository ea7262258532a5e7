#include "storage/internal/upload_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace livesnap::storage::internal {

UploadMetrics UploadMetrics::Register(prometheus::Registry& registry, const std::string& store) {
  const prometheus::Labels store_label = {{"store", store}};
  auto with = [&](std::string name, std::string value) {
    prometheus::Labels labels = store_label;
    labels.emplace(std::move(name), std::move(value));
    return labels;
  };
  auto& uploads = prometheus::BuildCounter()
                      .Name("livesnap_uploads_total")
                      .Help("Snapshot uploads by how they ended")
                      .Register(registry);
  return UploadMetrics{
      .store = store,
      .failures = &prometheus::BuildCounter()
                       .Name("livesnap_upload_failures_total")
                       .Help("Failed store Put calls by reason (no_space, timeout, denied, "
                             "unavailable, refused)")
                       .Register(registry),
      .ok = &uploads.Add(with("result", "ok")),
      .failed = &uploads.Add(with("result", "failed")),
      .superseded = &uploads.Add(with("result", "superseded")),
      .refused = &uploads.Add(with("result", "refused")),
      .retries = &prometheus::BuildCounter()
                      .Name("livesnap_upload_retries_total")
                      .Help("Upload attempts after a transient failure")
                      .Register(registry)
                      .Add(store_label),
      .spilled = &prometheus::BuildCounter()
                      .Name("livesnap_uploads_spilled_total")
                      .Help("Uploads moved from memory to the spool directory")
                      .Register(registry)
                      .Add(store_label),
      .bytes = &prometheus::BuildCounter()
                    .Name("livesnap_upload_bytes_total")
                    .Help("Bytes stored by successful uploads")
                    .Register(registry)
                    .Add(store_label),
      .queued = &prometheus::BuildGauge()
                     .Name("livesnap_uploads_queued")
                     .Help("Uploads accepted and not yet completed")
                     .Register(registry)
                     .Add(store_label),
      .memory_bytes = &prometheus::BuildGauge()
                           .Name("livesnap_upload_memory_bytes")
                           .Help("Bytes of waiting uploads held in memory")
                           .Register(registry)
                           .Add(store_label),
      .spool_bytes = &prometheus::BuildGauge()
                          .Name("livesnap_upload_spool_bytes")
                          .Help("Bytes of waiting uploads held in the spool directory")
                          .Register(registry)
                          .Add(store_label),
      .failing = &prometheus::BuildGauge()
                      .Name("livesnap_store_failing")
                      .Help("1 while the store's last upload attempt failed")
                      .Register(registry)
                      .Add(store_label),
      .put_seconds = &prometheus::BuildHistogram()
                          .Name("livesnap_upload_seconds")
                          .Help("Duration of successful store Put calls")
                          .Register(registry)
                          .Add(store_label,
                               prometheus::Histogram::BucketBoundaries{
                                   0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}),
      .delay_seconds = &prometheus::BuildHistogram()
                            .Name("livesnap_upload_delay_seconds")
                            .Help("Time from Enqueue to stored")
                            .Register(registry)
                            .Add(store_label,
                                 prometheus::Histogram::BucketBoundaries{
                                     0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 7200}),
  };
}

prometheus::Counter& UploadMetrics::Failures(std::string_view reason) const {
  return failures->Add({{"store", store}, {"reason", std::string(reason)}});
}

}  // namespace livesnap::storage::internal
