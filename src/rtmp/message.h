// File: rtmp/message.h
//
// An RTMP message as the chunk stream carries it (RTMP spec 6.1): a type id,
// the message stream it belongs to, a 32-bit millisecond timestamp and the
// payload, plus the chunk stream it travels on. Also the builders for the
// protocol control messages (spec 5.4) and User Control messages (6.2),
// which always travel on chunk stream 2 and message stream 0, and the
// reading of the two a server and a client answer alike.
//
//   Message ack = MakeAcknowledgement(bytes_received);
//   writer.Write(ack, out);
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"

namespace livesnap::rtmp {

// Message type ids (RTMP spec 5.4, 7.1).
inline constexpr uint8_t kSetChunkSize = 1;
inline constexpr uint8_t kAbort = 2;
inline constexpr uint8_t kAcknowledgement = 3;
inline constexpr uint8_t kUserControl = 4;
inline constexpr uint8_t kWindowAckSize = 5;
inline constexpr uint8_t kSetPeerBandwidth = 6;
inline constexpr uint8_t kAudio = 8;
inline constexpr uint8_t kVideo = 9;
inline constexpr uint8_t kDataAmf3 = 15;
inline constexpr uint8_t kSharedObjectAmf3 = 16;
inline constexpr uint8_t kCommandAmf3 = 17;
inline constexpr uint8_t kDataAmf0 = 18;
inline constexpr uint8_t kSharedObjectAmf0 = 19;
inline constexpr uint8_t kCommandAmf0 = 20;
inline constexpr uint8_t kAggregate = 22;

// User Control event types (RTMP spec 7.1.7).
inline constexpr uint16_t kStreamBegin = 0;
inline constexpr uint16_t kStreamEof = 1;
inline constexpr uint16_t kStreamDry = 2;
inline constexpr uint16_t kSetBufferLength = 3;
inline constexpr uint16_t kStreamIsRecorded = 4;
inline constexpr uint16_t kPingRequest = 6;
inline constexpr uint16_t kPingResponse = 7;

// The chunk stream reserved for protocol control messages (spec 5.4).
inline constexpr uint32_t kProtocolControlChunkStream = 2;

struct Message {
  uint32_t chunk_stream_id = kProtocolControlChunkStream;  // 2..65599
  uint8_t type_id = 0;
  uint32_t stream_id = 0;  // message stream id; 0 for control and NetConnection commands
  uint32_t timestamp = 0;  // ms, wraps at 2^32
  std::vector<uint8_t> payload;
};

// Protocol control messages (chunk stream 2, message stream 0).
Message MakeSetChunkSize(uint32_t chunk_size);
Message MakeAbort(uint32_t chunk_stream_id);
Message MakeAcknowledgement(uint32_t sequence_number);
Message MakeWindowAckSize(uint32_t window_size);
// limit_type: 0 hard, 1 soft, 2 dynamic.
Message MakeSetPeerBandwidth(uint32_t window_size, uint8_t limit_type);
// A User Control event with one 32-bit value (the stream id of StreamBegin,
// the timestamp of PingRequest/PingResponse).
Message MakeUserControl(uint16_t event, uint32_t value);

// The window size a peer's Window Acknowledgement Size message sets;
// InvalidArgument when its payload is shorter than 4 bytes.
absl::StatusOr<uint32_t> ReadWindowAckSize(const Message& message);
// The PingResponse a User Control PingRequest asks for (its timestamp
// echoed); nullopt for any other event, or one too short to read.
std::optional<Message> PingResponseTo(const Message& user_control);

}  // namespace livesnap::rtmp
