// File: snapshot/internal/scaler_cache.h
//
// The libswscale context of the last conversion asked for, made again only
// when the source or output changes: making one costs more than using it,
// and a stream's pictures keep their size and format.
//
//   ScalerCache scalers;
//   LS_ASSIGN_OR_RETURN(SwsContext* scaler, scalers.Get(key), "scaler");
//   sws_scale(scaler, ...);
//
// Area averaging when shrinking, bicubic when enlarging; the output is full
// range, the source's range as the key states it.
//
// Thread-safety: not thread-safe; one per worker thread.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "snapshot/internal/av_handles.h"

namespace livesnap::snapshot::internal {

struct ScalerKey {
  int src_width = 0;
  int src_height = 0;
  int src_format = -1;  // AVPixelFormat
  bool src_full_range = false;
  int dst_width = 0;
  int dst_height = 0;
  int dst_format = -1;  // AVPixelFormat
  bool operator==(const ScalerKey&) const = default;
};

class ScalerCache {
 public:
  // A context for `key`, owned by the cache and valid until the next Get.
  // Internal, in libswscale's words, for a conversion it cannot make (the
  // cache is then empty).
  absl::StatusOr<SwsContext*> Get(const ScalerKey& key);

  // Number of contexts made (for tests and benchmarks).
  int64_t inits() const { return inits_; }

 private:
  SwsContextPtr scaler_;
  ScalerKey key_;
  int64_t inits_ = 0;
};

}  // namespace livesnap::snapshot::internal
