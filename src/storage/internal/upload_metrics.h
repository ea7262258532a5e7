// File: storage/internal/upload_metrics.h
//
// The Prometheus series of one ReliableUploader, registered under the label
// store=<name> (see reliable_uploader.h for what each one counts):
//
//   UploadMetrics metrics = UploadMetrics::Register(registry, "snaps");
//   metrics.ok->Increment();
//
// Registering the same name twice gives the same series.
// Thread-safety: the series are thread-safe; the struct is a plain value.
#pragma once

#include <string>
#include <string_view>

namespace prometheus {
class Counter;
template <typename T>
class Family;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace livesnap::storage::internal {

struct UploadMetrics {
  static UploadMetrics Register(prometheus::Registry& registry, const std::string& store);

  // livesnap_upload_failures_total{store, reason}, made on first use.
  prometheus::Counter& Failures(std::string_view reason) const;

  std::string store;
  prometheus::Family<prometheus::Counter>* failures;
  prometheus::Counter* ok;
  prometheus::Counter* failed;
  prometheus::Counter* superseded;
  prometheus::Counter* refused;
  prometheus::Counter* retries;
  prometheus::Counter* spilled;
  prometheus::Counter* bytes;
  prometheus::Gauge* queued;
  prometheus::Gauge* memory_bytes;
  prometheus::Gauge* spool_bytes;
  prometheus::Gauge* failing;
  prometheus::Histogram* put_seconds;
  prometheus::Histogram* delay_seconds;
};

}  // namespace livesnap::storage::internal
