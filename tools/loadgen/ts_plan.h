// File: tools/loadgen/ts_plan.h
//
// An MPEG-TS file (e.g. `ffmpeg -i clip.flv -c copy -f mpegts clip.ts`) cut
// into the messages an SRT encoder sends (seven 188-byte packets, 1316
// bytes), each with the media time it is due at: the last PCR before it, as
// a paced sender reads the clock. Every timestamp in a message (PCR, PTS,
// DTS) is known by its place, so a later pass over the file can shift them
// by the loop's duration and the stream's clock runs on across loops, as
// the RTMP replay plan's does.
//
//   LS_ASSIGN_OR_RETURN(TsPlan plan, TsPlan::Create(ReadFile("clip.ts")), "clip");
//   std::array<uint8_t, TsPlan::kMessageBytes> scratch;
//   send(plan.Shifted(i, loop * plan.loop_duration_90khz(), scratch));
//
// Thread-safety: immutable after Create; shared by every stream.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace livesnap::loadgen {

class TsPlan {
 public:
  static constexpr size_t kPacketBytes = 188;
  static constexpr size_t kPacketsPerMessage = 7;
  static constexpr size_t kMessageBytes = kPacketBytes * kPacketsPerMessage;

  // InvalidArgument for data that is not whole TS packets in sync, or that
  // holds no PCR or no timed PES.
  static absl::StatusOr<TsPlan> Create(std::string ts);

  size_t message_count() const { return due_ms_.size(); }
  // Media time the message is due at, from the first PCR (0 before it).
  int64_t due_ms(size_t i) const { return due_ms_[i]; }
  std::span<const uint8_t> message(size_t i) const;
  // The message with every PCR, PTS and DTS moved on by `offset_90khz`
  // (modulo 2^33), written into `scratch`; the message itself for offset 0.
  std::span<const uint8_t> Shifted(size_t i, int64_t offset_90khz,
                                   std::array<uint8_t, kMessageBytes>& scratch) const;

  // One pass over the file: from the first PES time to one frame (the last
  // step between PES times) past the last, of the stream with the most PES
  // (the video, a PES per frame).
  int64_t loop_duration_90khz() const { return loop_duration_90khz_; }
  int64_t loop_duration_ms() const { return loop_duration_90khz_ / 90; }
  uint64_t loop_bytes() const { return data_.size(); }

 private:
  enum class StampKind : uint8_t { kPcr, kPesTime };
  struct Stamp {
    uint32_t offset;  // in data_
    StampKind kind;
  };

  TsPlan() = default;

  std::string data_;
  std::vector<int64_t> due_ms_;         // per message
  std::vector<uint32_t> stamps_begin_;  // per message, + one past the end: index in stamps_
  std::vector<Stamp> stamps_;
  int64_t loop_duration_90khz_ = 0;
};

// The 33-bit time of a PES PTS/DTS field (5 bytes) and a PCR base (the first
// 33 of its 48 bits); and the same fields rewritten to `time_90khz`, their
// other bits kept.
int64_t ReadPesTime(const uint8_t* field);
void WritePesTime(uint8_t* field, int64_t time_90khz);
int64_t ReadPcrBase(const uint8_t* field);
void WritePcrBase(uint8_t* field, int64_t time_90khz);

}  // namespace livesnap::loadgen
