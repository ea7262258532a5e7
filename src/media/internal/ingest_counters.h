// File: media/internal/ingest_counters.h
//
// The Prometheus counters MediaHub and its Publications update. Counters
// are atomic; the struct is built once per hub and read-only after that.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <array>

#include "media/stream.h"

namespace livesnap::media::internal {

struct IngestCounters {
  explicit IngestCounters(prometheus::Registry& registry);
  IngestCounters(prometheus::Family<prometheus::Counter>& publishes,
                 prometheus::Family<prometheus::Counter>& frames, prometheus::Registry& registry);

  prometheus::Counter& publishes_accepted;
  prometheus::Counter& publishes_refused;
  prometheus::Counter& bytes;
  prometheus::Counter& video_frames;
  prometheus::Counter& keyframes;
  prometheus::Counter& audio_frames;
  prometheus::Counter& malformed_tags;
  std::array<prometheus::Counter*, 5> stops_by_reason{};  // indexed by StopReason
};

}  // namespace livesnap::media::internal
