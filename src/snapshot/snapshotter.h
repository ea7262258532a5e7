// File: snapshot/snapshotter.h
//
// The snapshot pipeline. Subscribed to the MediaHub, it binds every new
// publish to its template from the TemplateCache (exact AppName, else "*",
// resolved once, from memory: a change applies from the next push, see
// template_cache.h), schedules captures on media time, and hands due
// keyframes to a bounded pool of capture workers. A worker decodes and
// encodes the keyframe, allocates the sequence number (through the
// CatalogBacklog, which holds it until the catalog answers when it is down)
// and queues each object on its bucket's ReliableUploader
// (internal/snapshot_writer.h); the upload's completion records and
// announces it (SnapshotRecorder). Ingest never waits for any of that: a due
// keyframe is copied into the capture queue and the ingest thread goes on; a
// worker never waits for a store, for a catalog record, or for a catalog
// that is down. Streams without a template cost nothing beyond one
// lookup in memory at publish.
//
// The newest image of each live bound stream is also kept in memory
// (Latest), for the stream wall: the API serves it without reading storage.
//
//   auto snapshotter = Snapshotter::Create(options, templates, backlog, uploaders, recorder,
//                                          metrics, clock);
//   hub.AddSubscriber(snapshotter->get());
//   ...
//   std::optional<LatestImage> wall = (*snapshotter)->Latest(key);  // any thread
//   (*snapshotter)->Stop();  // finishes queued captures (their uploads are queued), joins
//
// Metrics: livesnap_captures_total{result=ok|failed}, livesnap_capture_queue_depth,
// livesnap_snapshot_streams, livesnap_capture_jobs_total{event=queued|finished}
// (equal once every queued keyframe is captured, failed or dropped, and its
// snapshots handed to the catalog backlog and the uploaders); the outcome of
// each object is counted by the SnapshotRecorder.
//
// Thread-safety: OnPublishStart and the sinks run on ingest threads; the
// workers are internal; Latest from any thread. Stop from the controlling
// thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "media/hub.h"
#include "snapshot/catalog_backlog.h"
#include "snapshot/snapshot_recorder.h"
#include "snapshot/template_cache.h"
#include "storage/reliable_uploader.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace livesnap::snapshot {

struct SnapshotterOptions {
  int workers = 2;        // capture threads, 1..256
  int jpeg_quality = 80;  // 1..100
  size_t max_pending_per_stream = 32;
  // All streams' queued keyframes together; over it the longest queues drop
  // their oldest captures (counted as sequence_dropped). At least 1 MiB.
  size_t max_pending_bytes = size_t{64} << 20;
};

// Bucket name (OssBucket) -> the uploader of its store. The uploaders
// outlive the Snapshotter.
using UploaderMap = std::map<std::string, storage::ReliableUploader*, std::less<>>;

// The newest snapshot of a live stream.
struct LatestImage {
  std::shared_ptr<const std::vector<uint8_t>> jpeg;  // shared and immutable
  int width = 0;
  int height = 0;
  int64_t capture_unix_ms = 0;  // when its keyframe arrived
};

class Snapshotter : public media::StreamSubscriber {
 public:
  // `backlog` allocates sequence numbers; `recorder` is the completion
  // callback of every uploader and counts what never reaches one. All
  // references must outlive the Snapshotter. InvalidArgument for options out
  // of range.
  static absl::StatusOr<std::unique_ptr<Snapshotter>> Create(
      SnapshotterOptions options, const TemplateCache& templates, CatalogBacklog& backlog,
      UploaderMap uploaders, SnapshotRecorder& recorder, prometheus::Registry& metrics,
      const Clock& clock);
  ~Snapshotter() override = default;

  // The newest image captured from the stream's current publish; nullopt
  // when the stream is not live, has no template, or has no image yet.
  // Whether storing it succeeded does not matter here.
  virtual std::optional<LatestImage> Latest(const media::StreamKey& key) const = 0;

  virtual void Stop() = 0;
};

}  // namespace livesnap::snapshot
