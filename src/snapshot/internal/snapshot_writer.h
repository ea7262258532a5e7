// File: snapshot/internal/snapshot_writer.h
//
// What happens to a captured image: each mode's object key is expanded,
// the JPEG is stored (transient store errors retried), the snapshot is
// recorded in the catalog, and the callbacks are queued.
//
// Thread-safety: thread-safe (stateless apart from its dependencies, which
// are thread-safe).
#pragma once

#include "absl/status/status.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "notify/notifier.h"
#include "snapshot/frame_capturer.h"
#include "snapshot/internal/capture_job.h"

namespace livesnap::snapshot::internal {

struct WriteOutcome {
  int objects_stored = 0;
  int objects_failed = 0;
};

class SnapshotWriter {
 public:
  SnapshotWriter(catalog::Catalog& catalog, notify::Notifier* notifier, int store_attempts)
      : catalog_(catalog), notifier_(notifier), store_attempts_(store_attempts) {}

  WriteOutcome Write(const CaptureJob& job, const CapturedImage& image);

 private:
  absl::Status WriteOne(const CaptureJob& job, const CapturedImage& image, bool overlay);
  absl::Status PutWithRetry(storage::ObjectStore& store, const std::string& key,
                            const std::vector<uint8_t>& jpeg);
  void Notify(const CaptureJob& job, const catalog::SnapshotRecord& record);

  catalog::Catalog& catalog_;
  notify::Notifier* notifier_;
  const int store_attempts_;
};

}  // namespace livesnap::snapshot::internal
