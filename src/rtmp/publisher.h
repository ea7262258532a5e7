// File: rtmp/publisher.h
//
// The client side of an RTMP publish as a state machine over bytes, the
// mirror of Session: C0C1/C2 (plain or Flash-digest), connect with tcUrl,
// releaseStream, FCPublish, createStream and publish, then FLV tag bodies
// sent as audio, video and data messages once the server answers
// NetStream.Publish.Start. It does no I/O: the caller sends what it appends
// to `out` and feeds back what the server sends. Every onStatus and _error
// the server sends is kept, so a caller sees NetStream.Publish.BadName or
// .Rejected as the server worded it.
//
//   Publisher publisher(*PublisherOptionsFromUrl("rtmp://127.0.0.1/live/s1"));
//   publisher.Start(out);                          // send out
//   absl::Status s = publisher.OnBytes(in, out);   // per read; send out
//   if (publisher.publishing()) publisher.SendTag(kVideo, ts_ms, tag_body, out);
//
// Sending copies each tag once, into `out`, and allocates nothing else, so
// one event loop can drive thousands of publishers (tools/ load generator);
// SendTagGather copies nothing of the body, for scatter-gather writes of a
// body many connections share.
//
// Thread-safety: not thread-safe; one per connection.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rtmp/amf0.h"
#include "rtmp/chunk_reader.h"
#include "rtmp/chunk_writer.h"
#include "rtmp/handshake.h"
#include "rtmp/message.h"

namespace livesnap::rtmp {

struct PublisherOptions {
  std::string host;  // where to connect (the URL's host)
  uint16_t port = 1935;
  std::string tc_url;       // "rtmp://host[:port]/app[?query]", sent in connect
  std::string app;          // "app[?query]"
  std::string stream_name;  // "name[?query]", sent in publish
  HandshakeFlavor handshake = HandshakeFlavor::kDigest;
  uint32_t chunk_size = 4096;  // announced with Set Chunk Size before connect
  ChunkReaderLimits limits;    // for what the server sends
  std::string flash_ver = "FMLE/3.0 (compatible; livesnap)";
};

// Splits "rtmp://host[:port]/app[/app2]/stream[?query]" the way ffmpeg does
// (a second path level belongs to the app when a third follows). The port
// defaults to 1935. InvalidArgument naming the URL when it is not rtmp://
// or has no app or stream.
absl::StatusOr<PublisherOptions> PublisherOptionsFromUrl(std::string_view url);

// One onStatus or _error answer of the server.
struct ServerStatus {
  std::string level;  // "status", "warning" or "error"
  std::string code;   // e.g. "NetStream.Publish.Start", "NetStream.Publish.BadName"
  std::string description;
};

class Publisher {
 public:
  enum class State {
    kIdle,             // Start not called yet
    kHandshaking,      // C0C1 sent, waiting for S0S1S2
    kConnecting,       // connect sent
    kCreatingStream,   // releaseStream, FCPublish, createStream sent
    kStartingPublish,  // publish sent, waiting for NetStream.Publish.Start
    kPublishing,       // tags may be sent
    kUnpublished,      // FCUnpublish and deleteStream sent
    kFailed,           // the server refused or broke the protocol
  };

  Publisher(PublisherOptions options, RandomSource fill_random = {});

  // Appends C0 C1. REQUIRES: called once, first.
  void Start(std::vector<uint8_t>& out);

  // Consumes bytes from the server; appends what to send back (C2, the
  // command flow, acknowledgements, ping responses). An error means the
  // publish cannot go on: the server refused it (PermissionDenied with the
  // status code and description, also kept in statuses()) or broke the
  // protocol (InvalidArgument and the like).
  absl::Status OnBytes(std::span<const uint8_t> data, std::vector<uint8_t>& out);

  // Appends an FLV tag body as a message of `type` (kAudio, kVideo or
  // kDataAmf0) on the published stream. FailedPrecondition unless publishing.
  absl::Status SendTag(uint8_t type, uint32_t timestamp_ms, std::span<const uint8_t> body,
                       std::vector<uint8_t>& out);
  // SendTag for scatter-gather I/O (ChunkWriter::WriteGather): the chunk
  // headers go to `headers`, the pieces point into `body`, which must
  // outlive them. Bytes appended to `out` by other calls may go on the wire
  // before or after these, but never inside them.
  absl::Status SendTagGather(uint8_t type, uint32_t timestamp_ms, std::span<const uint8_t> body,
                             std::vector<uint8_t>& headers,
                             std::vector<ChunkWriter::ChunkPiece>& pieces);
  // @setDataFrame onMetaData with `metadata` (an object or ECMA array).
  absl::Status SendMetadata(const amf0::Value& metadata, std::vector<uint8_t>& out);
  // FCUnpublish and deleteStream. FailedPrecondition unless publishing.
  absl::Status Unpublish(std::vector<uint8_t>& out);

  State state() const { return state_; }
  bool publishing() const { return state_ == State::kPublishing; }
  bool failed() const { return state_ == State::kFailed; }
  uint32_t stream_id() const { return stream_id_; }
  const std::vector<ServerStatus>& statuses() const { return statuses_; }
  const PublisherOptions& options() const { return options_; }

 private:
  absl::Status OnHandshakeBytes(std::span<const uint8_t>& data, std::vector<uint8_t>& out);
  absl::Status OnMessage(const Message& message, std::vector<uint8_t>& out);
  absl::Status OnCommand(std::span<const uint8_t> payload, std::vector<uint8_t>& out);
  absl::Status Fail(absl::Status status);
  void SendCommand(uint32_t chunk_stream_id, uint32_t stream_id,
                   std::initializer_list<amf0::Value> values, std::vector<uint8_t>& out);
  double NextTransaction() { return next_transaction_++; }

  const PublisherOptions options_;
  RandomSource fill_random_;
  State state_ = State::kIdle;
  std::vector<uint8_t> c1_;
  std::vector<uint8_t> handshake_buffer_;
  ChunkReader reader_;
  ChunkWriter writer_;
  std::vector<Message> messages_;       // reused between OnBytes calls
  std::vector<uint8_t> command_bytes_;  // reused by SendCommand
  std::vector<ServerStatus> statuses_;

  double next_transaction_ = 1;
  double connect_transaction_ = 0;
  double create_stream_transaction_ = 0;
  uint32_t stream_id_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t bytes_acknowledged_ = 0;
  uint32_t server_window_ack_size_ = 0;  // 0 until the server sets one
};

}  // namespace livesnap::rtmp
