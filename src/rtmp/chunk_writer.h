// File: rtmp/chunk_writer.h
//
// Splits messages into RTMP chunks (RTMP spec 5.3) with header compression
// per chunk stream: type 0 for the first message of a chunk stream, a new
// message stream or a timestamp going backwards; type 1 when the length or
// type changes; type 2 when only the timestamp delta changes; type 3 when
// the delta repeats one sent in a type-1/2 header (never right after a type
// 0, whose reading differs between peers). Timestamps or deltas of 0xFFFFFF
// and above go in the extended field, repeated on every type-3 chunk of the
// message as the spec, ffmpeg and librtmp do.
//
//   ChunkWriter writer;
//   writer.Write(MakeSetChunkSize(4096), out);
//   writer.set_chunk_size(4096);  // after sending Set Chunk Size
//   writer.Write(3, kCommandAmf0, 0, 0, payload, out);
//
// WriteGather produces the same bytes for scatter-gather I/O: the headers go
// into a buffer and each chunk's payload stays a view of the caller's bytes,
// so one tag body can be sent by many connections without being copied.
//
// Thread-safety: not thread-safe; one per connection direction.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "rtmp/message.h"

namespace livesnap::rtmp {

class ChunkWriter {
 public:
  static constexpr uint32_t kDefaultChunkSize = 128;

  // Appends the chunks of one message to `out`. REQUIRES: chunk_stream_id
  // in 2..65599, payload shorter than 2^24 bytes.
  void Write(uint32_t chunk_stream_id, uint8_t type_id, uint32_t stream_id, uint32_t timestamp,
             std::span<const uint8_t> payload, std::vector<uint8_t>& out);
  void Write(const Message& message, std::vector<uint8_t>& out) {
    Write(message.chunk_stream_id, message.type_id, message.stream_id, message.timestamp,
          message.payload, out);
  }

  // One chunk as WriteGather lays it out: its header is
  // headers[header_offset, header_offset + header_size), then `payload`, a
  // view into the message's payload.
  struct ChunkPiece {
    size_t header_offset = 0;
    size_t header_size = 0;
    std::span<const uint8_t> payload;
  };
  // Write without copying the payload: appends the chunk headers to
  // `headers` and one piece per chunk to `pieces`; header then payload of
  // each piece, in order, are exactly the bytes Write would append. The
  // payload must outlive the pieces. Same REQUIRES as Write.
  void WriteGather(uint32_t chunk_stream_id, uint8_t type_id, uint32_t stream_id,
                   uint32_t timestamp, std::span<const uint8_t> payload,
                   std::vector<uint8_t>& headers, std::vector<ChunkPiece>& pieces);

  // The chunk size for the messages written after this call; the peer must
  // have been sent the matching Set Chunk Size first. REQUIRES: 1..2^31-1.
  void set_chunk_size(uint32_t chunk_size) { chunk_size_ = chunk_size; }
  uint32_t chunk_size() const { return chunk_size_; }

 private:
  struct ChunkStream {
    uint32_t id = 0;
    uint32_t timestamp = 0;
    uint32_t delta = 0;        // of the last type-1/2 header
    bool delta_valid = false;  // the last header was type 1, 2 or 3
    uint32_t length = 0;
    uint8_t type_id = 0;
    uint32_t stream_id = 0;
  };

  ChunkStream* FindStream(uint32_t id);
  // Appends the first chunk's header and updates the chunk stream's state;
  // returns the timestamp field, which continuation chunks repeat when it
  // is extended.
  uint32_t PutFirstHeader(uint32_t chunk_stream_id, uint8_t type_id, uint32_t stream_id,
                          uint32_t timestamp, uint32_t length, std::vector<uint8_t>& out);

  uint32_t chunk_size_ = kDefaultChunkSize;
  std::vector<ChunkStream> streams_;  // few: linear search is the fastest
};

}  // namespace livesnap::rtmp
