#include "rtmp/chunk_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace livesnap::rtmp {

namespace {

constexpr size_t kMessageHeaderSize[4] = {11, 7, 3, 0};
constexpr uint32_t kExtendedTimestampMarker = 0xFFFFFF;
// Buffers grow with the message, not with the length a header announces:
// doubling from this size, capped at the message length.
constexpr size_t kMinBufferBytes = 4096;

uint32_t U24(const uint8_t* p) { return uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2]; }
uint32_t U32(const uint8_t* p) { return uint32_t{p[0]} << 24 | U24(p + 1); }
uint32_t U32LittleEndian(const uint8_t* p) {
  return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
}

}  // namespace

ChunkReader::ChunkReader(ChunkReaderLimits limits) : limits_(limits) {}

ChunkReader::~ChunkReader() {
  for (ChunkStream& stream : streams_) Release(stream);
}

absl::Status ChunkReader::Feed(std::span<const uint8_t> data, std::vector<Message>& messages) {
  if (!failed_.ok()) return failed_;
  failed_ = Parse(data, messages);
  return failed_;
}

bool ChunkReader::FillHeader(std::span<const uint8_t>& data) {
  const size_t take = std::min(header_needed_ - header_size_, data.size());
  std::copy_n(data.begin(), take, header_ + header_size_);
  header_size_ += take;
  data = data.subspan(take);
  return header_size_ == header_needed_;
}

absl::Status ChunkReader::Parse(std::span<const uint8_t> data, std::vector<Message>& messages) {
  while (!data.empty()) {
    switch (step_) {
      case Step::kBasicHeader:
        if (header_size_ == 0) {
          const uint8_t low = data[0] & 0x3f;
          fmt_ = data[0] >> 6;
          basic_size_ = low == 0 ? 2 : low == 1 ? 3 : 1;
          header_needed_ = basic_size_;
        }
        if (!FillHeader(data)) break;
        if (absl::Status s = OnBasicHeader(); !s.ok()) return s;
        if (header_needed_ == header_size_) {  // type 3: no message header
          if (absl::Status s = OnMessageHeader(messages); !s.ok()) return s;
        }
        break;
      case Step::kMessageHeader:
        if (!FillHeader(data)) break;
        if (absl::Status s = OnMessageHeader(messages); !s.ok()) return s;
        break;
      case Step::kExtendedTimestamp:
        if (!FillHeader(data)) break;
        if (absl::Status s = OnExtendedTimestamp(messages); !s.ok()) return s;
        break;
      case Step::kPayload: {
        ChunkStream& stream = streams_[current_];
        const size_t take = std::min<size_t>(chunk_left_, data.size());
        if (absl::Status s = Buffer(stream, data.first(take)); !s.ok()) return s;
        data = data.subspan(take);
        chunk_left_ -= static_cast<uint32_t>(take);
        if (chunk_left_ > 0) break;
        step_ = Step::kBasicHeader;
        header_size_ = 0;
        if (stream.payload.size() == stream.length) {
          if (absl::Status s = CompleteMessage(messages); !s.ok()) return s;
        }
        break;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ChunkReader::OnBasicHeader() {
  uint32_t csid = header_[0] & 0x3f;
  if (basic_size_ == 2) csid = 64 + header_[1];
  if (basic_size_ == 3) csid = 64 + header_[1] + 256 * uint32_t{header_[2]};

  ChunkStream* stream = FindStream(csid);
  if (stream == nullptr) {
    if (fmt_ != 0) {
      return absl::InvalidArgumentError(absl::StrCat("chunk stream ", csid, ": type-", fmt_,
                                                     " header without a preceding type-0 header"));
    }
    if (streams_.size() >= limits_.max_chunk_streams) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "chunk stream ", csid, ": more than ", limits_.max_chunk_streams, " chunk streams"));
    }
    stream = &streams_.emplace_back();
    stream->id = csid;
  }
  current_ = static_cast<size_t>(stream - streams_.data());
  if (fmt_ != 3 && stream->in_message) {
    return absl::InvalidArgumentError(
        absl::StrCat("chunk stream ", csid, ": type-", fmt_, " header while a message is ",
                     stream->length - stream->payload.size(), " bytes short"));
  }
  header_needed_ = basic_size_ + kMessageHeaderSize[fmt_];
  step_ = Step::kMessageHeader;
  return absl::OkStatus();
}

absl::Status ChunkReader::OnMessageHeader(std::vector<Message>& messages) {
  ChunkStream& stream = streams_[current_];
  const uint8_t* h = header_ + basic_size_;
  new_message_ = !stream.in_message;
  bool extended = stream.extended;  // type 3 repeats the previous header's choice
  if (fmt_ <= 2) {
    const uint32_t field = U24(h);
    extended = field == kExtendedTimestampMarker;
    stream.timestamp_field = field;
    if (fmt_ <= 1) {
      const uint32_t length = U24(h + 3);
      if (length > limits_.max_message_size) {
        return absl::ResourceExhaustedError(
            absl::StrCat("chunk stream ", stream.id, ": message of ", length,
                         " bytes over the limit of ", limits_.max_message_size));
      }
      stream.length = length;
      stream.type_id = h[6];
    }
    if (fmt_ == 0) stream.stream_id = U32LittleEndian(h + 7);
    stream.has_header = true;
  }
  stream.extended = extended;
  if (extended) {
    header_needed_ += 4;
    step_ = Step::kExtendedTimestamp;
    return absl::OkStatus();
  }
  return StartChunk(messages);
}

absl::Status ChunkReader::OnExtendedTimestamp(std::vector<Message>& messages) {
  ChunkStream& stream = streams_[current_];
  const uint32_t value = U32(header_ + header_size_ - 4);
  if (new_message_) {
    stream.timestamp_field = value;
    return StartChunk(messages);
  }
  // A continuation chunk. Most peers repeat the extended timestamp here (as
  // the spec asks), some do not: four bytes that are neither the field nor
  // the message timestamp are the start of the chunk's payload.
  const uint32_t chunk =
      std::min<uint32_t>(chunk_size_, stream.length - static_cast<uint32_t>(stream.payload.size()));
  if (chunk >= 4 && value != stream.timestamp_field && value != stream.timestamp) {
    const std::span<const uint8_t> payload_start(header_ + header_size_ - 4, 4);
    if (absl::Status s = Buffer(stream, payload_start); !s.ok()) return s;
    chunk_left_ = chunk - 4;
    step_ = Step::kPayload;
    if (chunk_left_ == 0) {
      step_ = Step::kBasicHeader;
      header_size_ = 0;
      if (stream.payload.size() == stream.length) return CompleteMessage(messages);
    }
    return absl::OkStatus();
  }
  return StartChunk(messages);
}

absl::Status ChunkReader::StartChunk(std::vector<Message>& messages) {
  ChunkStream& stream = streams_[current_];
  if (new_message_) {
    if (fmt_ == 0) {
      stream.timestamp = stream.timestamp_field;
    } else {
      stream.timestamp += stream.timestamp_field;  // wraps modulo 2^32
    }
    stream.in_message = true;
    stream.payload.clear();
  }
  chunk_left_ =
      std::min<uint32_t>(chunk_size_, stream.length - static_cast<uint32_t>(stream.payload.size()));
  header_size_ = 0;
  if (chunk_left_ > 0) {
    step_ = Step::kPayload;
    return absl::OkStatus();
  }
  step_ = Step::kBasicHeader;  // a zero-length message is complete at its header
  return CompleteMessage(messages);
}

absl::Status ChunkReader::CompleteMessage(std::vector<Message>& messages) {
  ChunkStream& stream = streams_[current_];
  Message& message = messages.emplace_back();
  message.chunk_stream_id = stream.id;
  message.type_id = stream.type_id;
  message.stream_id = stream.stream_id;
  message.timestamp = stream.timestamp;
  buffered_bytes_ -= stream.payload.size();
  message.payload = std::move(stream.payload);
  stream.payload = {};
  stream.in_message = false;
  Release(stream);
  if (message.type_id == kSetChunkSize || message.type_id == kAbort) {
    return ApplyControl(message);
  }
  return absl::OkStatus();
}

absl::Status ChunkReader::ApplyControl(const Message& message) {
  if (message.payload.size() < 4) {
    return absl::InvalidArgumentError(
        absl::StrCat(message.type_id == kSetChunkSize ? "Set Chunk Size" : "Abort", " message of ",
                     message.payload.size(), " bytes (4 expected)"));
  }
  const uint32_t value = U32(message.payload.data());
  if (message.type_id == kAbort) {
    if (ChunkStream* stream = FindStream(value); stream != nullptr) {
      buffered_bytes_ -= stream->payload.size();
      stream->in_message = false;
      stream->payload = {};
      Release(*stream);
    }
    return absl::OkStatus();
  }
  if (value == 0 || (value & 0x80000000u) != 0 || value > limits_.max_chunk_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("Set Chunk Size ", value, " out of range 1..", limits_.max_chunk_size));
  }
  chunk_size_ = value;
  return absl::OkStatus();
}

absl::Status ChunkReader::Buffer(ChunkStream& stream, std::span<const uint8_t> bytes) {
  // Each message is within the limit; together, interleaved partial
  // messages may hold a little more (audio beside a large video frame), but
  // not one full message on each of many chunk streams.
  const uint64_t limit = 2 * uint64_t{limits_.max_message_size};
  if (buffered_bytes_ + bytes.size() > limit) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "chunk stream ", stream.id, ": partial messages would hold more than ", limit, " bytes"));
  }
  if (absl::Status s = Grow(stream, stream.payload.size() + bytes.size()); !s.ok()) return s;
  buffered_bytes_ += bytes.size();
  stream.payload.insert(stream.payload.end(), bytes.begin(), bytes.end());
  return absl::OkStatus();
}

absl::Status ChunkReader::Grow(ChunkStream& stream, size_t needed) {
  if (needed <= stream.reserved) return absl::OkStatus();
  const size_t target =
      std::min<size_t>(stream.length, std::max({needed, 2 * stream.reserved, kMinBufferBytes}));
  if (limits_.budget != nullptr) {
    const uint64_t more = target - stream.reserved;
    if (!limits_.budget->TryTake(more, budget_held_)) {
      over_budget_ = true;
      return absl::ResourceExhaustedError(
          absl::StrCat("chunk stream ", stream.id, ": the partial-message budget of ",
                       limits_.budget->limit_bytes(), " bytes (all connections) has no room for ",
                       more, " more bytes of a ", stream.length,
                       "-byte message (this connection holds ", budget_held_, ")"));
    }
    budget_held_ += more;
  }
  stream.payload.reserve(target);
  stream.reserved = target;
  return absl::OkStatus();
}

void ChunkReader::Release(ChunkStream& stream) {
  if (limits_.budget != nullptr && stream.reserved > 0) {
    limits_.budget->Give(stream.reserved);
    budget_held_ -= stream.reserved;
  }
  stream.reserved = 0;
}

ChunkReader::ChunkStream* ChunkReader::FindStream(uint32_t id) {
  for (ChunkStream& stream : streams_) {
    if (stream.id == id) return &stream;
  }
  return nullptr;
}

}  // namespace livesnap::rtmp
