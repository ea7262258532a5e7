// File: snapshot/internal/latest_images.h
//
// The newest snapshot of every live stream bound to a template, kept in
// memory for the stream wall. A publish opens its slot; each captured image
// replaces the slot's image; the end of the publish removes the slot, so a
// stream that stopped has no latest image, and a capture finishing after
// that (or belonging to an earlier publish of the same key) changes nothing.
//
//   latest.Open(key, publish_id);
//   latest.Update(key, publish_id, image);   // capture workers
//   std::optional<LatestImage> now = latest.Get(key);
//   latest.Close(key, publish_id);
//
// Thread-safety: thread-safe; mu_ guards the map. The JPEG bytes are shared,
// immutable, so Get copies no image.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "media/stream.h"
#include "snapshot/snapshotter.h"

namespace livesnap::snapshot::internal {

class LatestImages {
 public:
  void Open(const media::StreamKey& key, uint64_t publish_id);
  void Update(const media::StreamKey& key, uint64_t publish_id, LatestImage image);
  void Close(const media::StreamKey& key, uint64_t publish_id);
  std::optional<LatestImage> Get(const media::StreamKey& key) const;

 private:
  struct Slot {
    uint64_t publish_id = 0;
    std::optional<LatestImage> image;
  };
  mutable std::mutex mu_;
  std::map<media::StreamKey, Slot> slots_;  // guarded by mu_
};

}  // namespace livesnap::snapshot::internal
