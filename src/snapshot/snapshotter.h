// File: snapshot/snapshotter.h
//
// The snapshot pipeline. Subscribed to the MediaHub, it binds every new
// publish to its template (exact AppName, else "*", resolved once: a change
// applies from the next push), schedules captures on media time, and hands
// due keyframes to a bounded pool of capture workers that decode, encode,
// store, record and notify. Ingest never waits for any of that: a due
// keyframe is copied into the capture queue and the ingest thread goes on.
// Streams without a template cost nothing beyond one lookup at publish.
//
// The newest image of each live bound stream is also kept in memory
// (Latest), for the stream wall: the API serves it without reading storage.
//
//   auto snapshotter = Snapshotter::Create(options, catalog, stores, notifier, metrics, clock);
//   hub.AddSubscriber(snapshotter->get());
//   ...
//   std::optional<LatestImage> wall = (*snapshotter)->Latest(key);  // any thread
//   (*snapshotter)->Stop();  // finishes queued captures, joins the workers
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
#include "notify/notifier.h"
#include "storage/object_store.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace livesnap::snapshot {

struct SnapshotterOptions {
  int workers = 2;        // capture threads, 1..256
  int jpeg_quality = 80;  // 1..100
  size_t max_pending_per_stream = 32;
  int store_attempts = 3;  // per object, for transient (Unavailable) store errors
};

// Bucket name (OssBucket) -> its store. The stores outlive the Snapshotter.
using StoreMap = std::map<std::string, storage::ObjectStore*, std::less<>>;

// The newest snapshot of a live stream.
struct LatestImage {
  std::shared_ptr<const std::vector<uint8_t>> jpeg;  // shared and immutable
  int width = 0;
  int height = 0;
  int64_t capture_unix_ms = 0;  // when its keyframe arrived
};

class Snapshotter : public media::StreamSubscriber {
 public:
  // `notifier` may be null (no callbacks are sent). InvalidArgument for
  // options out of range.
  static absl::StatusOr<std::unique_ptr<Snapshotter>> Create(
      SnapshotterOptions options, catalog::Catalog& catalog, StoreMap stores,
      notify::Notifier* notifier, prometheus::Registry& metrics, const Clock& clock);
  ~Snapshotter() override = default;

  // The newest image captured from the stream's current publish; nullopt
  // when the stream is not live, has no template, or has no image yet.
  // Whether storing it succeeded does not matter here.
  virtual std::optional<LatestImage> Latest(const media::StreamKey& key) const = 0;

  virtual void Stop() = 0;
};

}  // namespace livesnap::snapshot
