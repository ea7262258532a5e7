// Fuzzes the chunk stream reader on what a publisher sends after the
// handshake: the bytes are fed whole and again in pieces whose sizes the
// input picks, and both readings must agree (the reader keeps its state
// across any split). Seeds: a real ffmpeg push (corpus chunk/).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtmp/chunk_reader.h"

using namespace livesnap::rtmp;

namespace {

ChunkReaderLimits Limits() {
  ChunkReaderLimits limits;
  limits.max_chunk_size = 1 << 16;
  limits.max_message_size = 1 << 20;
  return limits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  ChunkReader whole(Limits());
  std::vector<Message> whole_messages;
  const bool whole_ok = whole.Feed(input, whole_messages).ok();

  ChunkReader pieces(Limits());
  std::vector<Message> piece_messages;
  bool pieces_ok = true;
  size_t piece = size > 0 ? 1 + data[0] % 97 : 1;
  for (size_t at = 0; at < size && pieces_ok; at += piece) {
    pieces_ok = pieces.Feed(input.subspan(at, std::min(piece, size - at)), piece_messages).ok();
  }
  if (whole_ok != pieces_ok || whole_messages.size() != piece_messages.size()) std::abort();
  for (size_t i = 0; i < whole_messages.size(); ++i) {
    const Message& a = whole_messages[i];
    const Message& b = piece_messages[i];
    if (a.chunk_stream_id != b.chunk_stream_id || a.type_id != b.type_id ||
        a.stream_id != b.stream_id || a.timestamp != b.timestamp || a.payload != b.payload ||
        a.payload.size() > Limits().max_message_size) {
      std::abort();
    }
  }
  return 0;
}
