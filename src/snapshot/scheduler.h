// File: snapshot/scheduler.h
//
// Decides which keyframes of a stream become snapshots, on media time
// (DESIGN.md "Snapshot timing"):
// - the first decodable keyframe is snapshot 0 and anchors t0;
// - snapshot k is due at t0 + k * interval and taken from the first keyframe
//   at or after that time; due times that fall in one GOP collapse into one
//   snapshot, so a keyframe is never used twice and there is never a burst;
// - a timestamp jump (a step back of more than a second, or a gap of more
//   than `jump_threshold_ms` between consecutive frames) re-anchors t0;
// - a capture that failed makes the next keyframe due again.
//
//   SnapshotScheduler scheduler(5000);
//   for each decodable frame: if (scheduler.OnFrame(dts, keyframe)) capture it;
//
// Thread-safety: not thread-safe; one per stream, driven by its ingest thread.
#pragma once

#include <cstdint>

namespace livesnap::snapshot {

class SnapshotScheduler {
 public:
  static constexpr int64_t kBackwardJumpMs = 1000;
  static constexpr int64_t kDefaultForwardJumpMs = 10'000;

  explicit SnapshotScheduler(int64_t interval_ms,
                             int64_t jump_threshold_ms = kDefaultForwardJumpMs);

  // Called for every decodable video frame in arrival order. Returns true
  // when this frame (necessarily a keyframe) should be captured.
  bool OnFrame(int64_t dts_ms, bool keyframe);

  // The capture taken at `dts_ms` produced no image: make the next keyframe
  // due, unless a later capture has been scheduled since.
  void OnCaptureFailed(int64_t dts_ms);

  int64_t interval_ms() const { return interval_ms_; }
  // Number of times t0 was re-anchored after a jump (for stats and tests).
  int64_t reanchors() const { return reanchors_; }

 private:
  const int64_t interval_ms_;
  const int64_t jump_threshold_ms_;
  bool anchored_ = false;
  int64_t t0_ms_ = 0;
  int64_t next_due_ms_ = 0;
  int64_t last_dts_ms_ = 0;
  bool has_last_ = false;
  int64_t last_capture_dts_ms_ = 0;
  int64_t reanchors_ = 0;
};

}  // namespace livesnap::snapshot
