// File: snapshot/internal/capture_job.h
//
// What the pipeline knows about one bound stream, and one unit of capture
// work. A StreamBinding is shared by the stream's sink (ingest thread) and
// the jobs in flight (workers); only failed_capture_dts_ms changes after
// construction, and it is atomic.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "media/codec.h"
#include "media/stream.h"
#include "storage/reliable_uploader.h"

namespace livesnap::snapshot::internal {

struct StreamBinding {
  media::StreamKey key;
  uint64_t publish_id = 0;  // unique per publish within the process
  std::string tag;          // "[domain/app/stream]" for logs
  catalog::SnapshotTemplate tmpl;
  std::optional<catalog::NotifyConfig> notify;
  std::string callback_auth_key;                  // signs the template's Callback; empty: unsigned
  storage::ReliableUploader* uploader = nullptr;  // of the template's bucket
  // Media time of a capture that produced no image, for the scheduler to
  // retry at the next keyframe; -1 when none is pending.
  std::atomic<int64_t> failed_capture_dts_ms{-1};
};

struct CaptureJob {
  StreamBinding* lane = nullptr;  // the queue lane; `binding` keeps it alive
  std::shared_ptr<StreamBinding> binding;
  std::shared_ptr<const media::VideoConfig> config;
  std::vector<uint8_t> keyframe;
  int64_t dts_ms = 0;
  int64_t arrival_unix_ms = 0;  // when the keyframe arrived: the snapshot's capture time
  bool overwrite = false;
  bool sequence = false;
};

}  // namespace livesnap::snapshot::internal
