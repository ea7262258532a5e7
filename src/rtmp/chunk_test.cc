// ChunkReader and ChunkWriter: the examples of RTMP spec 5.3.2 byte for
// byte, every header type, chunk-size changes, extended timestamps, Abort,
// the limits, and the writer and reader agreeing on anything.
#include <gtest/gtest.h>

#include <random>

#include "absl/status/statusor.h"
#include "rtmp/chunk_reader.h"
#include "rtmp/chunk_writer.h"

namespace livesnap::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

void Append(Bytes& out, std::initializer_list<uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}
void AppendFill(Bytes& out, size_t n, uint8_t value) { out.insert(out.end(), n, value); }

absl::StatusOr<std::vector<Message>> ReadAll(const Bytes& bytes, ChunkReaderLimits limits = {}) {
  ChunkReader reader(limits);
  std::vector<Message> messages;
  absl::Status s = reader.Feed(bytes, messages);
  if (!s.ok()) return s;
  return messages;
}

// Spec 5.3.2.1: audio messages on one chunk stream, same length and type,
// type 0 then type 2 then type 3 headers.
TEST(ChunkReaderTest, SpecExampleOneTypeZeroTwoThree) {
  Bytes b;
  Append(b, {0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x20, 0x08, 0x39, 0x30, 0x00, 0x00});
  AppendFill(b, 32, 0xA1);
  Append(b, {0x83, 0x00, 0x00, 0x14});  // type 2, delta 20
  AppendFill(b, 32, 0xA2);
  Append(b, {0xC3});  // type 3: the same delta again
  AppendFill(b, 32, 0xA3);
  Append(b, {0xC3});
  AppendFill(b, 32, 0xA4);
  auto messages = ReadAll(b);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 4u);
  const uint32_t expected_ts[] = {1000, 1020, 1040, 1060};
  for (size_t i = 0; i < 4; ++i) {
    const Message& m = (*messages)[i];
    EXPECT_EQ(m.chunk_stream_id, 3u);
    EXPECT_EQ(m.type_id, kAudio);
    EXPECT_EQ(m.stream_id, 12345u);
    EXPECT_EQ(m.timestamp, expected_ts[i]);
    EXPECT_EQ(m.payload, Bytes(32, static_cast<uint8_t>(0xA1 + i)));
  }
}

// Spec 5.3.2.2: a 307-byte message in chunks of 128 (type 0, type 3, type 3).
TEST(ChunkReaderTest, SpecExampleTwoContinuationChunks) {
  Bytes b;
  Append(b, {0x04, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x33, 0x09, 0x39, 0x30, 0x00, 0x00});
  AppendFill(b, 128, 1);
  Append(b, {0xC4});
  AppendFill(b, 128, 2);
  Append(b, {0xC4});
  AppendFill(b, 51, 3);
  auto messages = ReadAll(b);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 1u);
  const Message& m = messages->front();
  EXPECT_EQ(m.payload.size(), 307u);
  EXPECT_EQ(m.payload[127], 1);
  EXPECT_EQ(m.payload[128], 2);
  EXPECT_EQ(m.payload[306], 3);
  EXPECT_EQ(m.timestamp, 1000u);
}

TEST(ChunkReaderTest, TypeOneChangesLengthAndType) {
  Bytes b;
  Append(b, {0x05, 0, 0, 10, 0, 0, 2, 20, 1, 0, 0, 0, 0xAA, 0xBB});
  Append(b, {0x45, 0, 0, 5, 0, 0, 3, 18, 1, 2, 3});  // type 1: delta 5, 3 bytes, type 18
  auto messages = ReadAll(b);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[1].type_id, kDataAmf0);
  EXPECT_EQ((*messages)[1].timestamp, 15u);
  EXPECT_EQ((*messages)[1].stream_id, 1u);  // kept from the type-0 header
  EXPECT_EQ((*messages)[1].payload, (Bytes{1, 2, 3}));
}

TEST(ChunkReaderTest, TwoAndThreeByteBasicHeaders) {
  for (uint32_t csid : {2u, 63u, 64u, 319u, 320u, 65599u}) {
    ChunkWriter writer;
    Bytes b;
    writer.Write(csid, kVideo, 1, 40, Bytes(300, 7), b);
    const size_t basic = csid <= 63 ? 1 : csid <= 319 ? 2 : 3;
    EXPECT_EQ(b.size(), basic + 11 + 300 + 2 * basic) << csid;
    auto messages = ReadAll(b);
    ASSERT_TRUE(messages.ok()) << csid << ": " << messages.status();
    ASSERT_EQ(messages->size(), 1u);
    EXPECT_EQ(messages->front().chunk_stream_id, csid);
    EXPECT_EQ(messages->front().payload.size(), 300u);
  }
}

TEST(ChunkReaderTest, InterleavedChunkStreams) {
  Bytes b;
  Append(b, {0x06, 0, 0, 0, 0, 0, 200, 9, 1, 0, 0, 0});  // video, 200 bytes
  AppendFill(b, 128, 0x11);
  Append(b, {0x04, 0, 0, 0, 0, 0, 10, 8, 1, 0, 0, 0});  // audio, whole, in between
  AppendFill(b, 10, 0x22);
  Append(b, {0xC6});
  AppendFill(b, 72, 0x12);
  auto messages = ReadAll(b);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].type_id, kAudio);
  EXPECT_EQ((*messages)[1].type_id, kVideo);
  EXPECT_EQ((*messages)[1].payload.size(), 200u);
  EXPECT_EQ((*messages)[1].payload.back(), 0x12);
}

TEST(ChunkReaderTest, SetChunkSizeAppliesFromTheNextChunkEvenMidMessage) {
  Bytes b;
  // A 400-byte video message: first chunk at the default 128...
  Append(b, {0x06, 0, 0, 0, 0, 0x01, 0x90, 9, 1, 0, 0, 0});
  AppendFill(b, 128, 1);
  // ...then Set Chunk Size 4096 on chunk stream 2...
  Append(b, {0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x10, 0x00});
  // ...and the remaining 272 bytes in one chunk.
  Append(b, {0xC6});
  AppendFill(b, 272, 2);
  ChunkReader reader;
  std::vector<Message> messages;
  ASSERT_TRUE(reader.Feed(b, messages).ok());
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].type_id, kSetChunkSize);  // still reported
  EXPECT_EQ(reader.chunk_size(), 4096u);
  EXPECT_EQ(messages[1].payload.size(), 400u);
  EXPECT_EQ(messages[1].payload.back(), 2);
}

TEST(ChunkReaderTest, ExtendedTimestampOnTypeZeroAndItsContinuationChunks) {
  const uint32_t ts = 0x12345678;
  Bytes b;
  Append(b, {0x06, 0xFF, 0xFF, 0xFF, 0, 0, 200, 9, 1, 0, 0, 0, 0x12, 0x34, 0x56, 0x78});
  AppendFill(b, 128, 1);
  Append(b, {0xC6, 0x12, 0x34, 0x56, 0x78});  // repeated, as the spec and ffmpeg do
  AppendFill(b, 72, 2);
  // A type-3 header starting a new message after an extended type-1 delta.
  Append(b, {0x46, 0xFF, 0xFF, 0xFF, 0, 0, 4, 9, 0x01, 0x00, 0x00, 0x00, 9, 9, 9, 9});
  Append(b, {0xC6, 0x01, 0x00, 0x00, 0x00, 8, 8, 8, 8});
  auto messages = ReadAll(b);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 3u);
  EXPECT_EQ((*messages)[0].timestamp, ts);
  EXPECT_EQ((*messages)[0].payload, [] {
    Bytes p(128, 1);
    p.insert(p.end(), 72, 2);
    return p;
  }());
  EXPECT_EQ((*messages)[1].timestamp, ts + 0x01000000);
  EXPECT_EQ((*messages)[1].payload, (Bytes{9, 9, 9, 9}));
  EXPECT_EQ((*messages)[2].timestamp, ts + 2 * 0x01000000);
}

TEST(ChunkReaderTest, ContinuationChunksWithoutTheRepeatedExtendedTimestamp) {
  Bytes b;
  Append(b, {0x06, 0xFF, 0xFF, 0xFF, 0, 0, 200, 9, 1, 0, 0, 0, 0x01, 0x00, 0x00, 0x00});
  AppendFill(b, 128, 1);
  Append(b, {0xC6});  // some peers leave the field out here
  AppendFill(b, 72, 2);
  auto messages = ReadAll(b);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ(messages->front().payload.size(), 200u);
  EXPECT_EQ(messages->front().payload.back(), 2);
  EXPECT_EQ(messages->front().timestamp, 0x01000000u);
}

TEST(ChunkReaderTest, AbortDropsThePartialMessage) {
  Bytes b;
  Append(b, {0x06, 0, 0, 0, 0, 0, 200, 9, 1, 0, 0, 0});
  AppendFill(b, 128, 1);
  Append(b, {0x02, 0, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0, 0, 0, 0, 6});  // Abort chunk stream 6
  Append(b, {0x86, 0, 0, 40});  // type 2: a new message of the same length/type
  AppendFill(b, 128, 3);
  Append(b, {0xC6});
  AppendFill(b, 72, 4);
  auto messages = ReadAll(b);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].type_id, kAbort);
  EXPECT_EQ((*messages)[1].timestamp, 40u);
  EXPECT_EQ((*messages)[1].payload.front(), 3);
  EXPECT_EQ((*messages)[1].payload.back(), 4);
}

TEST(ChunkReaderTest, ZeroLengthMessageCompletesAtItsHeader) {
  Bytes b;
  Append(b, {0x03, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0});
  Append(b, {0xC3});  // and again, with a type-3 header
  auto messages = ReadAll(b);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_TRUE(messages->front().payload.empty());
}

TEST(ChunkReaderTest, HeaderWithoutAPrecedingTypeZeroIsAnError) {
  for (uint8_t first : {0x43, 0x83, 0xC3}) {
    absl::Status s = ReadAll({first, 0, 0, 0, 0, 0, 4, 9}).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << int{first};
    EXPECT_NE(s.message().find("chunk stream 3"), std::string::npos) << s;
  }
}

TEST(ChunkReaderTest, NewHeaderInTheMiddleOfAMessageIsAnError) {
  Bytes b;
  Append(b, {0x06, 0, 0, 0, 0, 0, 200, 9, 1, 0, 0, 0});
  AppendFill(b, 128, 1);
  Append(b, {0x86, 0, 0, 40});
  EXPECT_FALSE(ReadAll(b).ok());
}

TEST(ChunkReaderTest, SetChunkSizeOutOfRangeIsAnError) {
  ChunkReaderLimits limits;
  limits.max_chunk_size = 65536;
  for (uint32_t size : {0u, 0x80000000u, 65537u, 0xFFFFFFFFu}) {
    ChunkWriter writer;
    Bytes b;
    writer.Write(MakeSetChunkSize(size), b);
    absl::Status s = ReadAll(b, limits).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_NE(s.message().find(std::to_string(size)), std::string::npos) << s;
  }
  ChunkWriter writer;
  Bytes b;
  writer.Write(MakeSetChunkSize(65536), b);
  EXPECT_TRUE(ReadAll(b, limits).ok());
  // A Set Chunk Size shorter than its 4 bytes.
  EXPECT_FALSE(ReadAll({0x02, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 1}).ok());
}

TEST(ChunkReaderTest, MessageOverTheLimitIsRefusedAtItsHeader) {
  ChunkReaderLimits limits;
  limits.max_message_size = 1 << 20;
  absl::Status s = ReadAll({0x06, 0, 0, 0, 0xFF, 0xFF, 0xFF, 9, 1, 0, 0, 0}, limits).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("16777215"), std::string::npos) << s;
}

TEST(ChunkReaderTest, TooManyChunkStreamsIsAnError) {
  ChunkReaderLimits limits;
  limits.max_chunk_streams = 4;
  Bytes b;
  for (uint8_t csid = 3; csid < 8; ++csid) {
    Append(b, {csid, 0, 0, 0, 0, 0, 0, 9, 1, 0, 0, 0});
  }
  EXPECT_EQ(ReadAll(b, limits).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ChunkReaderTest, PartialMessagesTogetherAreLimited) {
  ChunkReaderLimits limits;
  limits.max_message_size = 1000;
  limits.max_chunk_size = 1000;
  Bytes b;
  Append(b, {0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x03, 0xE7});  // chunk size 999
  // Three 1000-byte messages, each left one byte short: 2997 bytes held.
  for (uint8_t csid = 4; csid < 7; ++csid) {
    Append(b, {csid, 0, 0, 0, 0, 0x03, 0xE8, 9, 1, 0, 0, 0});
    AppendFill(b, 999, csid);
  }
  absl::Status s = ReadAll(b, limits).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("chunk stream 6"), std::string::npos) << s;
  // Two such partial messages, completed, are fine.
  Bytes two(b.begin(), b.begin() + 16 + 2 * (12 + 999));
  Append(two, {0xC4, 4, 0xC5, 5});
  auto messages = ReadAll(two, limits);
  ASSERT_TRUE(messages.ok()) << messages.status();
  EXPECT_EQ(messages->size(), 3u);
}

TEST(ChunkReaderTest, StaysFailedAfterAnError) {
  ChunkReader reader;
  std::vector<Message> messages;
  const Bytes bad = {0x43, 0, 0, 0, 0, 0, 4, 9};
  EXPECT_FALSE(reader.Feed(bad, messages).ok());
  Bytes good = {0x03, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0};
  EXPECT_FALSE(reader.Feed(good, messages).ok());
  EXPECT_TRUE(messages.empty());
}

TEST(ChunkReaderTest, TimestampDeltasWrapModulo32Bits) {
  ChunkWriter writer;
  Bytes b;
  writer.Write(4, kAudio, 1, 0xFFFFFFF0u, Bytes(4, 1), b);
  Bytes tail = {0x84, 0x00, 0x00, 0x20};  // delta 32 across the wrap
  tail.insert(tail.end(), 4, 2);
  b.insert(b.end(), tail.begin(), tail.end());
  auto messages = ReadAll(b);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[1].timestamp, 0x10u);
}

TEST(ChunkWriterTest, CompressesHeadersAsTheSpecDescribes) {
  ChunkWriter writer;
  Bytes b;
  writer.Write(4, kAudio, 1, 1000, Bytes(32, 0), b);
  EXPECT_EQ(b.size(), 12u + 32);
  EXPECT_EQ(b[0] >> 6, 0);
  b.clear();
  writer.Write(4, kAudio, 1, 1020, Bytes(32, 0), b);  // same length and type
  EXPECT_EQ(b[0] >> 6, 2);
  EXPECT_EQ(b.size(), 4u + 32);
  b.clear();
  writer.Write(4, kAudio, 1, 1040, Bytes(32, 0), b);  // same delta too
  EXPECT_EQ(b[0] >> 6, 3);
  EXPECT_EQ(b.size(), 1u + 32);
  b.clear();
  writer.Write(4, kAudio, 1, 1060, Bytes(31, 0), b);  // another length
  EXPECT_EQ(b[0] >> 6, 1);
  b.clear();
  writer.Write(4, kAudio, 1, 1000, Bytes(31, 0), b);  // backwards
  EXPECT_EQ(b[0] >> 6, 0);
  b.clear();
  writer.Write(4, kAudio, 2, 1000, Bytes(31, 0), b);  // another message stream
  EXPECT_EQ(b[0] >> 6, 0);
}

TEST(ChunkWriterTest, RepeatsTheExtendedTimestampOnContinuationChunks) {
  ChunkWriter writer;
  Bytes b;
  writer.Write(6, kVideo, 1, 0x01000000, Bytes(200, 5), b);
  ASSERT_EQ(b.size(), 12u + 4 + 128 + 1 + 4 + 72);
  EXPECT_EQ(b[16 + 128], 0xC6);
  EXPECT_EQ(Bytes(b.begin() + 16 + 128 + 1, b.begin() + 16 + 128 + 5),
            (Bytes{0x01, 0x00, 0x00, 0x00}));
}

// The bytes of WriteGather's pieces, in order.
Bytes Gathered(const Bytes& headers, const std::vector<ChunkWriter::ChunkPiece>& pieces) {
  Bytes wire;
  for (const ChunkWriter::ChunkPiece& piece : pieces) {
    wire.insert(wire.end(), headers.begin() + static_cast<ptrdiff_t>(piece.header_offset),
                headers.begin() + static_cast<ptrdiff_t>(piece.header_offset + piece.header_size));
    wire.insert(wire.end(), piece.payload.begin(), piece.payload.end());
  }
  return wire;
}

// Two writers fed the same messages, one copying and one gathering, put the
// same bytes on the wire: every header type, extended timestamps, chunk
// size changes, empty and multi-chunk payloads. The pieces point into the
// caller's payload rather than copying it.
TEST(ChunkWriterTest, WriteGatherPutsTheSameBytesOnTheWireAsWrite) {
  std::mt19937 rng(7);
  ChunkWriter copying, gathering;
  Bytes expected, headers;
  std::vector<ChunkWriter::ChunkPiece> pieces;
  std::vector<Bytes> payloads(300);
  uint32_t ts[2] = {0, 0xFFFF00};
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (i == 150) {
      copying.set_chunk_size(1000);
      gathering.set_chunk_size(1000);
    }
    const int kind = static_cast<int>(rng() % 2);
    ts[kind] += rng() % 3 == 0 ? 33 : static_cast<uint32_t>(rng() % 100);
    if (rng() % 40 == 0) ts[kind] += 0x01000000;
    Bytes& payload = payloads[i];
    payload.resize(rng() % 5 == 0 ? 0 : rng() % 2500);
    for (uint8_t& byte : payload) byte = static_cast<uint8_t>(rng());
    const uint32_t csid = kind == 0 ? 4 : 6;
    const uint8_t type = kind == 0 ? kAudio : kVideo;
    copying.Write(csid, type, 1, ts[kind], payload, expected);
    const size_t first_piece = pieces.size();
    gathering.WriteGather(csid, type, 1, ts[kind], payload, headers, pieces);
    ASSERT_GT(pieces.size(), first_piece);
    if (!payload.empty()) {
      EXPECT_EQ(pieces[first_piece].payload.data(), payload.data());
    }
  }
  EXPECT_EQ(Gathered(headers, pieces), expected);
}

TEST(ChunkWriterTest, WriteGatherRepeatsTheExtendedTimestampInContinuationHeaders) {
  ChunkWriter writer;
  Bytes headers;
  std::vector<ChunkWriter::ChunkPiece> pieces;
  const Bytes payload(300, 9);
  writer.WriteGather(6, kVideo, 1, 0x01000000, payload, headers, pieces);
  ASSERT_EQ(pieces.size(), 3u);  // 128 + 128 + 44
  EXPECT_EQ(pieces[0].header_size, 16u);
  EXPECT_EQ(pieces[1].header_size, 5u);
  EXPECT_EQ(headers[pieces[1].header_offset], 0xC6);
  EXPECT_EQ(pieces[2].payload.size(), 44u);
  EXPECT_EQ(headers.size(), 16u + 5 + 5);
}

// Whatever the writer produces (random messages, chunk streams, timestamps
// and a chunk-size change), the reader gives back, fed in random pieces.
TEST(ChunkWriterTest, RoundTripThroughTheReader) {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    ChunkWriter writer;
    std::vector<Message> sent;
    Bytes wire;
    uint32_t ts[3] = {0, 0, 0xFFFF00};
    for (int i = 0; i < 200; ++i) {
      if (i == 100) {
        Message set = MakeSetChunkSize(1 + rng() % 5000);
        writer.Write(set, wire);
        writer.set_chunk_size(static_cast<uint32_t>(set.payload[2] << 8 | set.payload[3]));
        sent.push_back(set);
      }
      Message m;
      const int kind = static_cast<int>(rng() % 3);
      m.chunk_stream_id = kind == 0 ? 4 : kind == 1 ? 6 : 300;
      m.type_id = kind == 0 ? kAudio : kVideo;
      m.stream_id = 1;
      ts[kind] += rng() % 4 == 0 ? 40 : static_cast<uint32_t>(rng() % 100);
      if (rng() % 50 == 0) ts[kind] += 0x01000000;  // extended timestamps now and then
      m.timestamp = ts[kind];
      m.payload.resize(rng() % 4 == 0 ? 0 : rng() % 3000);
      for (uint8_t& byte : m.payload) byte = static_cast<uint8_t>(rng());
      writer.Write(m, wire);
      sent.push_back(std::move(m));
    }
    ChunkReader reader;
    std::vector<Message> received;
    for (size_t at = 0; at < wire.size();) {
      const size_t piece = std::min<size_t>(wire.size() - at, 1 + rng() % 700);
      ASSERT_TRUE(reader.Feed(std::span(wire).subspan(at, piece), received).ok());
      at += piece;
    }
    ASSERT_EQ(received.size(), sent.size());
    for (size_t i = 0; i < sent.size(); ++i) {
      SCOPED_TRACE("round " + std::to_string(round) + " message " + std::to_string(i));
      EXPECT_EQ(received[i].chunk_stream_id, sent[i].chunk_stream_id);
      EXPECT_EQ(received[i].type_id, sent[i].type_id);
      EXPECT_EQ(received[i].stream_id, sent[i].stream_id);
      EXPECT_EQ(received[i].timestamp, sent[i].timestamp);
      EXPECT_EQ(received[i].payload, sent[i].payload);
    }
  }
}

}  // namespace
}  // namespace livesnap::rtmp
