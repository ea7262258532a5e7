// File: ingest/message_budget.h
//
// The memory that partial (incomplete) messages may hold together, over
// every connection of a server: RTMP messages being reassembled from chunks
// (rtmp::ChunkReader), PES packets being reassembled from MPEG-TS packets
// (srt::TsDemuxer). A reader takes from the budget before it grows a buffer
// and gives back when the message completes, is aborted or the reader goes;
// a reader refused more is closed by its owner.
// So no set of clients, however many, can make partial messages hold more
// than the limit.
//
// The last eighth of the limit is kept for readers that hold little (under
// limit/64 bytes, e.g. an encoder between two frames), so a few clients that
// hold large messages unfinished cannot starve ordinary publishers of the
// memory for their next frame.
//
//   MessageBudget budget(256 << 20);
//   if (!budget.TryTake(grow_bytes, held_bytes)) close();  ...  budget.Give(bytes);
//
// Thread-safety: thread-safe (lock-free).
#pragma once

#include <atomic>
#include <cstdint>

namespace livesnap::ingest {

class MessageBudget {
 public:
  explicit MessageBudget(uint64_t limit_bytes) : limit_bytes_(limit_bytes) {}
  MessageBudget(const MessageBudget&) = delete;
  MessageBudget& operator=(const MessageBudget&) = delete;

  // Takes `bytes` for a reader that already holds `held_bytes` of the
  // budget; false (nothing taken) when that would pass the limit, or the
  // share of the limit open to a reader holding that much.
  bool TryTake(uint64_t bytes, uint64_t held_bytes);
  // Gives back bytes taken before.
  void Give(uint64_t bytes);

  uint64_t used_bytes() const { return used_bytes_.load(std::memory_order_relaxed); }
  uint64_t limit_bytes() const { return limit_bytes_; }

 private:
  const uint64_t limit_bytes_;
  std::atomic<uint64_t> used_bytes_{0};
};

}  // namespace livesnap::ingest
