// File: snapshot/internal/snapshot_writer.h
//
// What a capture worker does with a captured image: for each storage mode
// of the stream's template, allocate the sequence number (sequence mode),
// expand the object key, and queue the JPEG on the bucket's ReliableUploader
// (lane "domain/app/stream", the overwrite object coalescable) with a note
// that lets the upload's completion record the snapshot and send its
// callbacks (SnapshotRecorder). Queuing never waits for the store.
//
//   WriteOutcome outcome = writer.Write(job, image);
//
// Thread-safety: thread-safe (stateless apart from its dependencies, which
// are thread-safe).
#pragma once

#include "absl/status/status.h"
#include "catalog/catalog.h"
#include "snapshot/frame_capturer.h"
#include "snapshot/internal/capture_job.h"

namespace livesnap::snapshot::internal {

struct WriteOutcome {
  int objects_queued = 0;
  int objects_failed = 0;  // not named, not numbered or refused by the uploader
};

class SnapshotWriter {
 public:
  explicit SnapshotWriter(catalog::Catalog& catalog) : catalog_(catalog) {}

  WriteOutcome Write(const CaptureJob& job, const CapturedImage& image);

 private:
  absl::Status Queue(const CaptureJob& job, const CapturedImage& image, bool overlay);

  catalog::Catalog& catalog_;
};

}  // namespace livesnap::snapshot::internal
