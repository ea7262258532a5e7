#include "rtmp/chunk_writer.h"

#include <algorithm>

namespace livesnap::rtmp {

namespace {

constexpr uint32_t kExtendedTimestampMarker = 0xFFFFFF;

void PutBasicHeader(std::vector<uint8_t>& out, int fmt, uint32_t csid) {
  const auto f = static_cast<uint8_t>(fmt << 6);
  if (csid >= 2 && csid <= 63) {
    out.push_back(static_cast<uint8_t>(f | csid));
  } else if (csid >= 64 && csid <= 319) {
    out.push_back(f);
    out.push_back(static_cast<uint8_t>(csid - 64));
  } else {
    out.push_back(static_cast<uint8_t>(f | 1));
    out.push_back(static_cast<uint8_t>((csid - 64) & 0xff));
    out.push_back(static_cast<uint8_t>((csid - 64) >> 8));
  }
}

void PutU24(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void PutU32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  PutU24(out, v);
}

}  // namespace

ChunkWriter::ChunkStream* ChunkWriter::FindStream(uint32_t id) {
  for (ChunkStream& stream : streams_) {
    if (stream.id == id) return &stream;
  }
  return nullptr;
}

uint32_t ChunkWriter::PutFirstHeader(uint32_t chunk_stream_id, uint8_t type_id, uint32_t stream_id,
                                     uint32_t timestamp, uint32_t length,
                                     std::vector<uint8_t>& out) {
  ChunkStream* stream = FindStream(chunk_stream_id);
  int fmt = 0;
  uint32_t field = timestamp;
  if (stream != nullptr && stream->stream_id == stream_id && timestamp >= stream->timestamp) {
    field = timestamp - stream->timestamp;
    if (stream->length != length || stream->type_id != type_id) {
      fmt = 1;
    } else if (!stream->delta_valid || stream->delta != field) {
      fmt = 2;
    } else {
      fmt = 3;
    }
  }
  if (stream == nullptr) {
    stream = &streams_.emplace_back();
    stream->id = chunk_stream_id;
  }
  stream->timestamp = timestamp;
  stream->delta = field;
  stream->delta_valid = fmt != 0;
  stream->length = length;
  stream->type_id = type_id;
  stream->stream_id = stream_id;

  const bool extended = field >= kExtendedTimestampMarker;
  PutBasicHeader(out, fmt, chunk_stream_id);
  if (fmt <= 2) PutU24(out, extended ? kExtendedTimestampMarker : field);
  if (fmt <= 1) {
    PutU24(out, length);
    out.push_back(type_id);
  }
  if (fmt == 0) {  // message stream id, little-endian
    for (int shift = 0; shift < 32; shift += 8)
      out.push_back(static_cast<uint8_t>(stream_id >> shift));
  }
  if (extended) PutU32(out, field);
  return field;
}

void ChunkWriter::Write(uint32_t chunk_stream_id, uint8_t type_id, uint32_t stream_id,
                        uint32_t timestamp, std::span<const uint8_t> payload,
                        std::vector<uint8_t>& out) {
  const uint32_t field = PutFirstHeader(chunk_stream_id, type_id, stream_id, timestamp,
                                        static_cast<uint32_t>(payload.size()), out);
  const bool extended = field >= kExtendedTimestampMarker;
  size_t offset = 0;
  do {
    const size_t take = std::min<size_t>(chunk_size_, payload.size() - offset);
    out.insert(out.end(), payload.begin() + static_cast<ptrdiff_t>(offset),
               payload.begin() + static_cast<ptrdiff_t>(offset + take));
    offset += take;
    if (offset < payload.size()) {
      PutBasicHeader(out, 3, chunk_stream_id);
      if (extended) PutU32(out, field);
    }
  } while (offset < payload.size());
}

void ChunkWriter::WriteGather(uint32_t chunk_stream_id, uint8_t type_id, uint32_t stream_id,
                              uint32_t timestamp, std::span<const uint8_t> payload,
                              std::vector<uint8_t>& headers, std::vector<ChunkPiece>& pieces) {
  size_t header_offset = headers.size();
  const uint32_t field = PutFirstHeader(chunk_stream_id, type_id, stream_id, timestamp,
                                        static_cast<uint32_t>(payload.size()), headers);
  const bool extended = field >= kExtendedTimestampMarker;
  size_t offset = 0;
  do {
    const size_t take = std::min<size_t>(chunk_size_, payload.size() - offset);
    pieces.push_back(
        {header_offset, headers.size() - header_offset, payload.subspan(offset, take)});
    offset += take;
    if (offset < payload.size()) {
      header_offset = headers.size();
      PutBasicHeader(headers, 3, chunk_stream_id);
      if (extended) PutU32(headers, field);
    }
  } while (offset < payload.size());
}

}  // namespace livesnap::rtmp
