#include "snapshot/scheduler.h"

namespace livesnap::snapshot {

SnapshotScheduler::SnapshotScheduler(int64_t interval_ms, int64_t jump_threshold_ms)
    : interval_ms_(interval_ms > 0 ? interval_ms : 1), jump_threshold_ms_(jump_threshold_ms) {}

bool SnapshotScheduler::OnFrame(int64_t dts_ms, bool keyframe) {
  if (has_last_ && anchored_ &&
      (dts_ms < last_dts_ms_ - kBackwardJumpMs || dts_ms > last_dts_ms_ + jump_threshold_ms_)) {
    anchored_ = false;
    ++reanchors_;
  }
  last_dts_ms_ = dts_ms;
  has_last_ = true;
  if (!keyframe) return false;
  if (!anchored_) {
    anchored_ = true;
    t0_ms_ = dts_ms;
    next_due_ms_ = dts_ms + interval_ms_;
    last_capture_dts_ms_ = dts_ms;
    return true;
  }
  if (dts_ms < next_due_ms_) return false;
  // Every due time up to this keyframe is served by it.
  const int64_t k = (dts_ms - t0_ms_) / interval_ms_ + 1;
  next_due_ms_ = t0_ms_ + k * interval_ms_;
  last_capture_dts_ms_ = dts_ms;
  return true;
}

void SnapshotScheduler::OnCaptureFailed(int64_t dts_ms) {
  if (!anchored_ || dts_ms != last_capture_dts_ms_) return;
  // Due again from just after the failed keyframe: the next keyframe serves.
  next_due_ms_ = dts_ms + 1;
}

}  // namespace livesnap::snapshot
