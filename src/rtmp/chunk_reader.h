// File: rtmp/chunk_reader.h
//
// Reassembles RTMP messages from the chunk stream a peer sends (RTMP spec
// 5.3): basic headers of 1 to 3 bytes, message headers of type 0 (absolute
// timestamp), 1 (delta, length, type), 2 (delta) and 3 (none), extended
// timestamps (also on type-3 chunks, where peers repeat them), and chunks of
// many chunk streams interleaved. The reader applies the protocol control
// messages that change framing itself: Set Chunk Size (0, a set top bit or
// more than max_chunk_size is an error) and Abort (drops the partial message
// of a chunk stream); both are still returned so the caller can see them.
//
//   ChunkReader reader({.max_chunk_size = 1 << 24, .max_message_size = 1 << 24});
//   std::vector<Message> messages;
//   absl::Status s = reader.Feed(received, messages);  // any split of the bytes
//
// Feed accepts the bytes in pieces of any size. After an error the reader
// stays failed: every later Feed returns the same error.
//
// Memory: a message buffer grows with the bytes that arrive (never with the
// length a header announces), and with a MessageBudget in the limits, every
// growth is taken from it first and given back when the message completes.
//
// Thread-safety: not thread-safe; one per connection direction.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "ingest/message_budget.h"
#include "rtmp/message.h"

namespace livesnap::rtmp {

struct ChunkReaderLimits {
  uint32_t max_chunk_size = 16 * 1024 * 1024;   // largest Set Chunk Size accepted
  uint32_t max_message_size = 8 * 1024 * 1024;  // largest message length accepted
  size_t max_chunk_streams = 64;                // chunk streams with state at once
  ingest::MessageBudget* budget = nullptr;      // shared by the readers of a server; outlives them
};

class ChunkReader {
 public:
  static constexpr uint32_t kDefaultChunkSize = 128;

  explicit ChunkReader(ChunkReaderLimits limits = {});
  ~ChunkReader();  // gives back what it holds of the budget
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // Parses `data`, appending each completed message to `messages`. Messages
  // completed before an error are appended too. Errors: InvalidArgument for
  // a broken stream (a header that needs a previous one that never came, a
  // bad Set Chunk Size), ResourceExhausted for a message over the limit, too
  // many chunk streams, partial messages holding more than twice
  // max_message_size together, or a budget that refused more (then
  // over_budget() is true); the message names the chunk stream and value.
  absl::Status Feed(std::span<const uint8_t> data, std::vector<Message>& messages);

  uint32_t chunk_size() const { return chunk_size_; }
  // Changes the largest message length accepted from the next message
  // header on (messages already started keep their length).
  void set_max_message_size(uint32_t bytes) { limits_.max_message_size = bytes; }
  uint32_t max_message_size() const { return limits_.max_message_size; }
  bool over_budget() const { return over_budget_; }
  uint64_t budget_held_bytes() const { return budget_held_; }

 private:
  struct ChunkStream {
    uint32_t id = 0;
    bool has_header = false;       // a type-0 header has been seen
    uint32_t timestamp = 0;        // of the current/last message
    uint32_t timestamp_field = 0;  // last delta (or type-0 timestamp), extended resolved
    bool extended = false;         // the last header used an extended timestamp
    uint32_t length = 0;
    uint8_t type_id = 0;
    uint32_t stream_id = 0;
    bool in_message = false;  // a message is partly received
    std::vector<uint8_t> payload;
    size_t reserved = 0;  // capacity of payload taken from the budget
  };

  enum class Step { kBasicHeader, kMessageHeader, kExtendedTimestamp, kPayload };

  absl::Status Parse(std::span<const uint8_t> data, std::vector<Message>& messages);
  bool FillHeader(std::span<const uint8_t>& data);
  absl::Status OnBasicHeader();
  absl::Status OnMessageHeader(std::vector<Message>& messages);
  absl::Status OnExtendedTimestamp(std::vector<Message>& messages);
  absl::Status StartChunk(std::vector<Message>& messages);
  absl::Status CompleteMessage(std::vector<Message>& messages);
  absl::Status ApplyControl(const Message& message);
  absl::Status Buffer(ChunkStream& stream, std::span<const uint8_t> bytes);
  absl::Status Grow(ChunkStream& stream, size_t needed);
  void Release(ChunkStream& stream);
  ChunkStream* FindStream(uint32_t id);

  ChunkReaderLimits limits_;
  uint32_t chunk_size_ = kDefaultChunkSize;
  absl::Status failed_;
  std::vector<ChunkStream> streams_;
  uint64_t buffered_bytes_ = 0;  // in the payloads of partial messages
  uint64_t budget_held_ = 0;     // taken from limits_.budget, over all streams
  bool over_budget_ = false;

  // The chunk being parsed.
  Step step_ = Step::kBasicHeader;
  uint8_t header_[18] = {};  // up to 3 basic + 11 message + 4 extended bytes
  size_t header_size_ = 0;   // bytes of header_ filled
  size_t header_needed_ = 1;
  int fmt_ = 0;
  size_t basic_size_ = 1;
  size_t current_ = 0;        // index in streams_ of the chunk's stream
  bool new_message_ = false;  // this chunk starts a message
  uint32_t chunk_left_ = 0;   // payload bytes of this chunk still to read
};

}  // namespace livesnap::rtmp
