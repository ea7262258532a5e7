#include "rtmp/message.h"

#include "base/byte_reader.h"

namespace livesnap::rtmp {

namespace {

void PutU32(std::vector<uint8_t>& out, uint32_t value) {
  out.push_back(static_cast<uint8_t>(value >> 24));
  out.push_back(static_cast<uint8_t>(value >> 16));
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

Message Control(uint8_t type_id) {
  Message message;
  message.chunk_stream_id = kProtocolControlChunkStream;
  message.type_id = type_id;
  return message;
}

Message ControlU32(uint8_t type_id, uint32_t value) {
  Message message = Control(type_id);
  PutU32(message.payload, value);
  return message;
}

}  // namespace

Message MakeSetChunkSize(uint32_t chunk_size) { return ControlU32(kSetChunkSize, chunk_size); }

Message MakeAbort(uint32_t chunk_stream_id) { return ControlU32(kAbort, chunk_stream_id); }

Message MakeAcknowledgement(uint32_t sequence_number) {
  return ControlU32(kAcknowledgement, sequence_number);
}

Message MakeWindowAckSize(uint32_t window_size) { return ControlU32(kWindowAckSize, window_size); }

Message MakeSetPeerBandwidth(uint32_t window_size, uint8_t limit_type) {
  Message message = ControlU32(kSetPeerBandwidth, window_size);
  message.payload.push_back(limit_type);
  return message;
}

Message MakeUserControl(uint16_t event, uint32_t value) {
  Message message = Control(kUserControl);
  message.payload.push_back(static_cast<uint8_t>(event >> 8));
  message.payload.push_back(static_cast<uint8_t>(event));
  PutU32(message.payload, value);
  return message;
}

absl::StatusOr<uint32_t> ReadWindowAckSize(const Message& message) {
  ByteReader r(message.payload);
  uint32_t window_size = 0;
  if (!r.ReadU32(window_size)) {
    return absl::InvalidArgumentError("Window Acknowledgement Size shorter than 4 bytes");
  }
  return window_size;
}

std::optional<Message> PingResponseTo(const Message& user_control) {
  ByteReader r(user_control.payload);
  uint16_t event = 0;
  uint32_t value = 0;
  if (r.ReadU16(event) && event == kPingRequest && r.ReadU32(value)) {
    return MakeUserControl(kPingResponse, value);
  }
  return std::nullopt;
}

}  // namespace livesnap::rtmp
