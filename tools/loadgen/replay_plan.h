// File: tools/loadgen/replay_plan.h
//
// How a pre-encoded FLV file becomes an endless live stream. The header
// (onMetaData, sent as @setDataFrame the way encoders do, and the codec
// sequence headers) goes once at timestamp 0; the media tags then repeat,
// loop k shifted by k times the file's duration, so timestamps run on
// continuously and the server sees one stream, never a jump back.
//
//   LS_ASSIGN_OR_RETURN(ReplayPlan plan, ReplayPlan::Create(*std::move(file)), "clip");
//   ReplayCursor cursor(plan);
//   while (cursor.DueBy(elapsed_ms)) { send(cursor.tag(), cursor.timestamp_ms()); cursor.Advance();
//   }
//
// Pacing is real time: a tag is due once the stream has been publishing for
// its timestamp (media time starts at 0 when the publish starts).
//
// Thread-safety: ReplayPlan is immutable and shared by every stream; a
// ReplayCursor belongs to one stream.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "rtmp/flv_file.h"

namespace livesnap::loadgen {

struct ReplayTag {
  uint8_t type = 0;           // 8 audio, 9 video, 18 data
  uint32_t timestamp_ms = 0;  // within one loop, from 0
  std::span<const uint8_t> body;
  bool keyframe = false;  // a video frame a decoder can start at
};

class ReplayPlan {
 public:
  // InvalidArgument when the file has no audio or video frames.
  static absl::StatusOr<ReplayPlan> Create(rtmp::FlvFile file);

  // The tags are views into the plan's own buffers: moves keep them valid,
  // copies would not.
  ReplayPlan(ReplayPlan&&) = default;
  ReplayPlan& operator=(ReplayPlan&&) = default;
  ReplayPlan(const ReplayPlan&) = delete;
  ReplayPlan& operator=(const ReplayPlan&) = delete;

  // Sent once, at timestamp 0, before the loop.
  const std::vector<ReplayTag>& header() const { return header_; }
  // One loop, in file order, timestamps rebased so the earliest is 0.
  const std::vector<ReplayTag>& loop() const { return loop_; }
  // The shift between consecutive loops: the last video timestamp plus one
  // frame duration (the median spacing of video frames), so a 10 s, 30 fps
  // clip loops every 10000 ms and keyframes keep their spacing across the
  // loop. Audio past that (AAC padding) is left out of the loop. Without
  // video: the last timestamp + 1.
  int64_t loop_duration_ms() const { return loop_duration_ms_; }
  uint64_t loop_bytes() const { return loop_bytes_; }  // tag bodies of one loop
  int loop_keyframes() const { return loop_keyframes_; }

 private:
  explicit ReplayPlan(rtmp::FlvFile file) : file_(std::move(file)) {}

  rtmp::FlvFile file_;
  std::vector<uint8_t> metadata_;  // @setDataFrame + the file's onMetaData
  std::vector<ReplayTag> header_;
  std::vector<ReplayTag> loop_;
  int64_t loop_duration_ms_ = 0;
  uint64_t loop_bytes_ = 0;
  int loop_keyframes_ = 0;
};

// A stream's position in the endless replay.
class ReplayCursor {
 public:
  explicit ReplayCursor(const ReplayPlan& plan) : plan_(&plan) {}

  const ReplayTag& tag() const { return plan_->loop()[index_]; }
  // Media time of tag(): loop() * loop_duration_ms() + tag().timestamp_ms.
  int64_t timestamp_ms() const {
    return static_cast<int64_t>(loop_) * plan_->loop_duration_ms() + tag().timestamp_ms;
  }
  // Whether tag() should have been sent once the stream has published for
  // `elapsed_ms`.
  bool DueBy(int64_t elapsed_ms) const { return timestamp_ms() <= elapsed_ms; }
  // How far sending is behind real time: elapsed_ms - timestamp_ms() when
  // tag() is due, else 0.
  int64_t LagMs(int64_t elapsed_ms) const {
    return DueBy(elapsed_ms) ? elapsed_ms - timestamp_ms() : 0;
  }
  void Advance() {
    if (++index_ == plan_->loop().size()) {
      index_ = 0;
      ++loop_;
    }
  }
  uint64_t loop() const { return loop_; }

 private:
  const ReplayPlan* plan_;
  size_t index_ = 0;
  uint64_t loop_ = 0;
};

}  // namespace livesnap::loadgen
