// File: rtmp/session.h
//
// The server side of one RTMP connection as a state machine over bytes: the
// handshake, the chunk stream and the publish command flow (connect,
// releaseStream, FCPublish, createStream, publish, @setDataFrame, FCUnpublish,
// deleteStream) with the replies real encoders wait for. It does no I/O: the
// caller feeds received bytes and sends what the session appends to `out`.
// What the publisher sends reaches a SessionDelegate.
//
//   Session session(delegate, {});
//   absl::Status s = session.OnBytes(received, out);  // send `out`, then
//   if (!s.ok() || session.should_close()) close();   // after flushing `out`
//
// Thread-safety: not thread-safe; one per connection.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "ingest/publish_target.h"
#include "rtmp/amf0.h"
#include "rtmp/chunk_reader.h"
#include "rtmp/chunk_writer.h"
#include "rtmp/handshake.h"
#include "rtmp/message.h"

namespace livesnap::rtmp {

class SessionDelegate {
 public:
  virtual ~SessionDelegate() = default;
  // The client asks to publish `target`. OK accepts (NetStream.Publish.Start);
  // an error refuses with its message as the status description:
  // AlreadyExists as NetStream.Publish.BadName, anything else as
  // NetStream.Publish.Rejected. A refused session closes.
  virtual absl::Status OnPublish(const ingest::PublishTarget& target) = 0;
  // onMetaData (via @setDataFrame or directly): an object or ECMA array.
  virtual void OnMetadata(const amf0::Value& metadata) = 0;
  // Audio/video message bodies (FLV tag bodies) of the published stream. An
  // error closes the connection.
  virtual absl::Status OnVideo(uint32_t timestamp_ms, std::span<const uint8_t> payload) = 0;
  virtual absl::Status OnAudio(uint32_t timestamp_ms, std::span<const uint8_t> payload) = 0;
  // The client ended the publish (FCUnpublish, deleteStream or closeStream).
  virtual void OnUnpublish() = 0;
  // A publish refused before OnPublish was asked, because the names could
  // never be stored (NetStream.Publish.BadName; `reason` says why).
  virtual void OnPublishRefused(const absl::Status& reason) { (void)reason; }
};

struct SessionOptions {
  // chunk_limits.max_message_size applies while publishing; until then (a
  // connect or publish command is a few hundred bytes) messages are capped
  // at pre_publish_max_message_size.
  ChunkReaderLimits chunk_limits;
  uint32_t pre_publish_max_message_size = 64 * 1024;
  uint32_t out_chunk_size = 4096;
  uint32_t window_ack_size = 2'500'000;
  uint32_t peer_bandwidth = 2'500'000;
};

class Session {
 public:
  enum class State { kAwaitingC0C1, kAwaitingC2, kConnected, kPublishing, kClosing };

  Session(SessionDelegate& delegate, SessionOptions options);

  // Consumes bytes received from the client; appends bytes to send to `out`.
  // An error means the connection must close (flushing `out` first).
  absl::Status OnBytes(std::span<const uint8_t> data, std::vector<uint8_t>& out);

  State state() const { return state_; }
  bool should_close() const { return state_ == State::kClosing; }
  bool handshake_done() const { return state_ >= State::kConnected; }
  HandshakeFlavor handshake_flavor() const { return flavor_; }
  uint64_t bytes_received() const { return bytes_received_; }
  // The chunk stream failed because the server-wide partial-message budget
  // had no room (see MessageBudget).
  bool over_budget() const { return reader_.over_budget(); }

 private:
  absl::Status OnHandshakeBytes(std::span<const uint8_t>& data, std::vector<uint8_t>& out);
  absl::Status OnMessage(const Message& message, std::vector<uint8_t>& out);
  absl::Status OnCommand(std::span<const uint8_t> payload, uint32_t stream_id,
                         std::vector<uint8_t>& out);
  absl::Status OnData(std::span<const uint8_t> payload);
  absl::Status OnAggregate(const Message& message);
  absl::Status OnConnect(double transaction, const amf0::Value* command_object,
                         std::vector<uint8_t>& out);
  absl::Status OnPublishCommand(double transaction, const std::vector<amf0::Value>& args,
                                uint32_t stream_id, std::vector<uint8_t>& out);
  void EndPublish();
  void Send(const Message& message, std::vector<uint8_t>& out);
  void SendCommand(uint32_t chunk_stream_id, uint32_t stream_id,
                   const std::vector<amf0::Value>& values, std::vector<uint8_t>& out);
  void SendStatus(uint32_t stream_id, std::string_view level, std::string_view code,
                  std::string_view description, std::vector<uint8_t>& out);
  void MaybeAcknowledge(std::vector<uint8_t>& out);

  SessionDelegate& delegate_;
  const SessionOptions options_;
  State state_ = State::kAwaitingC0C1;
  HandshakeFlavor flavor_ = HandshakeFlavor::kPlain;
  std::vector<uint8_t> handshake_buffer_;
  ChunkReader reader_;
  ChunkWriter writer_;
  std::vector<Message> messages_;  // reused between OnBytes calls

  bool connected_ = false;  // connect was answered
  std::string tc_url_;
  std::string app_;
  uint32_t next_stream_id_ = 1;
  uint32_t publish_stream_id_ = 0;

  uint64_t bytes_received_ = 0;
  uint64_t bytes_acknowledged_ = 0;
  uint32_t peer_window_ack_size_ = 0;  // 0 until the client sets one
};

}  // namespace livesnap::rtmp
