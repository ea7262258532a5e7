// File: snapshot/internal/snapshot_writer.h
//
// What a capture worker does with a captured image: for each storage mode
// of the stream's template, name the object and queue the JPEG on the
// bucket's ReliableUploader (lane "domain/app/stream", the overwrite object
// coalescable) with a note that lets the upload's completion record the
// snapshot and send its callbacks (SnapshotRecorder). Queuing never waits
// for the store.
//
// A sequence object first needs its number from the catalog: that goes
// through the CatalogBacklog (lane "s:domain/app/stream"), so it is
// allocated at once while the catalog answers, and otherwise once it is
// back, in capture order, with the image held in memory meanwhile: never a
// number reused or skipped, and no worker waiting on a catalog that is
// down. The overwrite object needs no catalog and is queued at once.
//
//   writer.Write(job, image);
//
// What is not queued (not named, refused by the uploader, given up by the
// backlog) is logged and counted by the recorder as not stored.
//
// Thread-safety: thread-safe (stateless apart from its dependencies, which
// are thread-safe).
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "snapshot/catalog_backlog.h"
#include "snapshot/frame_capturer.h"
#include "snapshot/internal/capture_job.h"
#include "snapshot/snapshot_recorder.h"

namespace livesnap::snapshot::internal {

class SnapshotWriter {
 public:
  SnapshotWriter(CatalogBacklog& backlog, SnapshotRecorder& recorder)
      : backlog_(backlog), recorder_(recorder) {}

  void Write(const CaptureJob& job, CapturedImage image);

 private:
  // One capture's image and what naming and recording it needs, shared by
  // its two objects; the sequence one may wait for its number.
  struct Capture {
    std::shared_ptr<StreamBinding> binding;
    int64_t dts_ms = 0;
    int64_t arrival_unix_ms = 0;
    CapturedImage image;
  };

  void WriteSequence(std::shared_ptr<const Capture> capture);
  // Names and queues one object; `sequence` is -1 for the overwrite object.
  absl::Status Queue(const Capture& capture, bool overlay, int64_t sequence);
  void NotStored(const Capture& capture, bool overlay, const absl::Status& why);

  CatalogBacklog& backlog_;
  SnapshotRecorder& recorder_;
};

}  // namespace livesnap::snapshot::internal
