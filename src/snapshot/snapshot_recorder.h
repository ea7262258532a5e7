// File: snapshot/snapshot_recorder.h
//
// The end of a snapshot's way. The pipeline queues each snapshot object on
// its store's ReliableUploader with a note (internal/snapshot_note.h) as the
// upload's metadata; the recorder is every uploader's completion callback.
// When an upload completes stored, it adds the snapshot's catalog record
// (what DescribeLiveStreamSnapshotInfo returns; an overwrite record replaces
// the previous one of its object) and queues its callbacks. So a snapshot is
// recorded and announced only once it is in the store, and the catalog is
// written on the uploaders' threads: a slow catalog never holds up a capture
// worker, let alone ingest. The record goes through the CatalogBacklog (lane
// "r:domain/app/stream"): while the catalog cannot be reached it waits in
// memory and is written, and announced, once the catalog is back. Uploads
// restored from a spool after a restart complete here like any other.
//
//   SnapshotRecorder recorder(backlog, notifier.get(), registry, clock);
//   auto uploader = ReliableUploader::Create(options, store, recorder.Callback(), registry, clock);
//
// Metrics, one count per snapshot object (sequence or overwrite):
//   livesnap_snapshots_total{result="stored"}         in the store and recorded
//   livesnap_snapshots_total{result="record_failed"}  in the store; the catalog refused its
//                                                     record, or the backlog gave it up
//   livesnap_snapshots_total{result="store_failed"}   never stored: refused by the store, not
//                                                     queued, or not named or numbered
//   livesnap_snapshots_skipped_total{kind="overwrite_coalesced"}  an overwrite image replaced by
//       a newer one before it was stored (waiting for a capture worker or for the store)
//   livesnap_snapshots_skipped_total{kind="sequence_dropped"}     a sequence capture dropped by
//       a full capture queue
//   livesnap_snapshot_latency_seconds  keyframe arrival to stored and recorded
//
// Thread-safety: thread-safe. The backlog, notifier and clock must outlive it.
#pragma once

#include "base/clock.h"
#include "catalog/catalog.h"
#include "notify/notifier.h"
#include "snapshot/catalog_backlog.h"
#include "storage/reliable_uploader.h"

namespace prometheus {
class Counter;
class Histogram;
class Registry;
}  // namespace prometheus

namespace livesnap::snapshot {

namespace internal {
struct SnapshotNote;
}  // namespace internal

class SnapshotRecorder {
 public:
  // `notifier` may be null: no callbacks are sent.
  SnapshotRecorder(CatalogBacklog& backlog, notify::Notifier* notifier,
                   prometheus::Registry& metrics, const Clock& clock);
  SnapshotRecorder(const SnapshotRecorder&) = delete;
  SnapshotRecorder& operator=(const SnapshotRecorder&) = delete;

  // The completion of one snapshot upload.
  void OnUploadDone(const storage::UploadResult& result);
  // OnUploadDone as an uploader's callback; the recorder must outlive the uploader.
  storage::UploadCallback Callback();

  // Outcomes decided before an upload exists, reported by the pipeline.
  void CountNotStored(int objects);
  void CountOverwritesCoalesced(int objects);
  void CountSequenceDropped(int captures);

 private:
  // The record is in the catalog: count it and send its callbacks.
  void Recorded(const internal::SnapshotNote& note, int attempts);
  void Notify(const internal::SnapshotNote& note);

  CatalogBacklog& backlog_;
  notify::Notifier* const notifier_;
  const Clock& clock_;
  prometheus::Counter* stored_;
  prometheus::Counter* record_failed_;
  prometheus::Counter* store_failed_;
  prometheus::Counter* overwrite_coalesced_;
  prometheus::Counter* sequence_dropped_;
  prometheus::Histogram* latency_;
};

}  // namespace livesnap::snapshot
