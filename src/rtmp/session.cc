#include "rtmp/session.h"

#include <algorithm>
#include <random>

#include "base/byte_reader.h"
#include "base/status.h"

namespace livesnap::rtmp {

namespace {

// Chunk stream ids the server sends commands on (any value >= 3 works; these
// are the ones peers such as nginx-rtmp and SRS use). Control messages go on 2.
constexpr uint32_t kCommandChunkStream = 3;
constexpr uint32_t kStatusChunkStream = 5;

void FillRandom(std::span<uint8_t> bytes) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
}

std::string_view StringArg(const std::vector<amf0::Value>& values, size_t index) {
  if (index < values.size() && values[index].IsString()) return values[index].AsString();
  return {};
}

std::string StringProperty(const amf0::Value* object, std::string_view key) {
  if (object == nullptr) return {};
  const amf0::Value* value = object->Find(key);
  if (value == nullptr || !value->IsString()) return {};
  return std::string(value->AsString());
}

// The reader's limits until the stream publishes.
ChunkReaderLimits PrePublishLimits(const SessionOptions& options) {
  ChunkReaderLimits limits = options.chunk_limits;
  limits.max_message_size = std::min(limits.max_message_size, options.pre_publish_max_message_size);
  return limits;
}

}  // namespace

Session::Session(SessionDelegate& delegate, SessionOptions options)
    : delegate_(delegate), options_(options), reader_(PrePublishLimits(options)) {}

absl::Status Session::OnBytes(std::span<const uint8_t> data, std::vector<uint8_t>& out) {
  if (state_ == State::kClosing) return absl::OkStatus();
  bytes_received_ += data.size();
  if (state_ == State::kAwaitingC0C1 || state_ == State::kAwaitingC2) {
    LS_RETURN_IF_ERROR(OnHandshakeBytes(data, out), "handshake");
    if (data.empty()) return absl::OkStatus();
  }
  messages_.clear();
  absl::Status read_status = reader_.Feed(data, messages_);
  // Messages completed before a framing error are still handled: a publisher
  // that breaks the stream mid-way ends its publish cleanly.
  for (const Message& message : messages_) {
    LS_RETURN_IF_ERROR(OnMessage(message, out), "message type " + std::to_string(message.type_id));
    if (state_ == State::kClosing) return absl::OkStatus();
  }
  LS_RETURN_IF_ERROR(read_status, "chunk stream");
  MaybeAcknowledge(out);
  return absl::OkStatus();
}

absl::Status Session::OnHandshakeBytes(std::span<const uint8_t>& data, std::vector<uint8_t>& out) {
  const size_t needed = state_ == State::kAwaitingC0C1 ? 1 + kHandshakeSize : kHandshakeSize;
  const size_t take = std::min(needed - handshake_buffer_.size(), data.size());
  handshake_buffer_.insert(handshake_buffer_.end(), data.begin(), data.begin() + take);
  data = data.subspan(take);
  if (handshake_buffer_.size() < needed) return absl::OkStatus();

  if (state_ == State::kAwaitingC0C1) {
    flavor_ = DetectHandshakeFlavor(std::span(handshake_buffer_).subspan(1));
    LS_ASSIGN_OR_RETURN(std::vector<uint8_t> reply,
                        MakeServerHandshake(handshake_buffer_, 0, FillRandom), "C0+C1");
    out.insert(out.end(), reply.begin(), reply.end());
    state_ = State::kAwaitingC2;
    handshake_buffer_.clear();
    return OnHandshakeBytes(data, out);
  }
  // C2 echoes S1; peers differ in what they put there, so it is not checked.
  state_ = State::kConnected;
  handshake_buffer_.clear();
  handshake_buffer_.shrink_to_fit();
  return absl::OkStatus();
}

absl::Status Session::OnMessage(const Message& message, std::vector<uint8_t>& out) {
  switch (message.type_id) {
    case kSetChunkSize:
    case kAbort:
    case kAcknowledgement:
    case kSetPeerBandwidth:
      return absl::OkStatus();  // chunk sizes are applied by the reader
    case kWindowAckSize: {
      absl::StatusOr<uint32_t> window_size = ReadWindowAckSize(message);
      if (!window_size.ok()) return window_size.status();
      peer_window_ack_size_ = *window_size;
      return absl::OkStatus();
    }
    case kUserControl:
      if (std::optional<Message> pong = PingResponseTo(message)) Send(*pong, out);
      return absl::OkStatus();
    case kCommandAmf0:
      return OnCommand(message.payload, message.stream_id, out);
    case kCommandAmf3:  // an AMF3 command message starts with a 0 byte, then AMF0
      if (message.payload.empty()) return absl::InvalidArgumentError("empty AMF3 command");
      return OnCommand(std::span(message.payload).subspan(1), message.stream_id, out);
    case kDataAmf0:
      return OnData(message.payload);
    case kDataAmf3:
      if (message.payload.empty()) return absl::OkStatus();
      return OnData(std::span(message.payload).subspan(1));
    case kVideo:
      if (state_ != State::kPublishing || message.payload.empty()) return absl::OkStatus();
      return delegate_.OnVideo(message.timestamp, message.payload);
    case kAudio:
      if (state_ != State::kPublishing || message.payload.empty()) return absl::OkStatus();
      return delegate_.OnAudio(message.timestamp, message.payload);
    case kAggregate:
      return OnAggregate(message);
    default:
      return absl::OkStatus();  // shared objects and the like: not for publishers
  }
}

absl::Status Session::OnCommand(std::span<const uint8_t> payload, uint32_t stream_id,
                                std::vector<uint8_t>& out) {
  LS_ASSIGN_OR_RETURN(std::vector<amf0::Value> values, amf0::DecodeAll(payload), "command");
  const std::string_view name = StringArg(values, 0);
  if (name.empty()) return absl::InvalidArgumentError("command without a name");
  const double transaction = values.size() > 1 && values[1].IsNumber() ? values[1].AsNumber() : 0;
  const amf0::Value* command_object = values.size() > 2 ? &values[2] : nullptr;

  if (name == "connect") return OnConnect(transaction, command_object, out);
  if (!connected_) {
    return absl::FailedPreconditionError("command \"" + std::string(name) + "\" before connect");
  }
  if (name == "createStream") {
    SendCommand(kCommandChunkStream, 0,
                {amf0::Value::String("_result"), amf0::Value::Number(transaction),
                 amf0::Value::Null(), amf0::Value::Number(next_stream_id_++)},
                out);
    return absl::OkStatus();
  }
  if (name == "publish") return OnPublishCommand(transaction, values, stream_id, out);
  if (name == "FCUnpublish" || name == "deleteStream" || name == "closeStream") {
    EndPublish();
    if (name == "FCUnpublish" && transaction != 0) {
      SendCommand(
          kCommandChunkStream, 0,
          {amf0::Value::String("_result"), amf0::Value::Number(transaction), amf0::Value::Null()},
          out);
    }
    return absl::OkStatus();
  }
  if (name == "releaseStream" || name == "FCPublish") {
    if (transaction != 0) {
      SendCommand(
          kCommandChunkStream, 0,
          {amf0::Value::String("_result"), amf0::Value::Number(transaction), amf0::Value::Null()},
          out);
    }
    if (name == "FCPublish") {
      SendCommand(kCommandChunkStream, 0,
                  {amf0::Value::String("onFCPublish"), amf0::Value::Number(0), amf0::Value::Null(),
                   amf0::Value::Object(
                       {{"code", amf0::Value::String("NetStream.Publish.Start")},
                        {"description", amf0::Value::String(std::string(StringArg(values, 3)))}})},
                  out);
    }
    return absl::OkStatus();
  }
  if (transaction != 0 && name != "_result" && name != "_error" && name != "_checkbw") {
    // play and other commands livesnap does not serve get a clean refusal.
    SendCommand(
        kCommandChunkStream, 0,
        {amf0::Value::String("_error"), amf0::Value::Number(transaction), amf0::Value::Null(),
         amf0::Value::Object({{"level", amf0::Value::String("error")},
                              {"code", amf0::Value::String("NetConnection.Call.Failed")},
                              {"description", amf0::Value::String("livesnap does not serve \"" +
                                                                  std::string(name) + "\"")}})},
        out);
  }
  return absl::OkStatus();
}

absl::Status Session::OnConnect(double transaction, const amf0::Value* command_object,
                                std::vector<uint8_t>& out) {
  if (command_object == nullptr || !command_object->IsObject()) {
    return absl::InvalidArgumentError("connect without a command object");
  }
  tc_url_ = StringProperty(command_object, "tcUrl");
  app_ = StringProperty(command_object, "app");
  connected_ = true;
  Send(MakeWindowAckSize(options_.window_ack_size), out);
  Send(MakeSetPeerBandwidth(options_.peer_bandwidth, 2), out);
  Send(MakeSetChunkSize(options_.out_chunk_size), out);
  writer_.set_chunk_size(options_.out_chunk_size);
  SendCommand(kCommandChunkStream, 0,
              {amf0::Value::String("_result"), amf0::Value::Number(transaction),
               amf0::Value::Object({{"fmsVer", amf0::Value::String("FMS/3,0,1,123")},
                                    {"capabilities", amf0::Value::Number(31)}}),
               amf0::Value::Object({{"level", amf0::Value::String("status")},
                                    {"code", amf0::Value::String("NetConnection.Connect.Success")},
                                    {"description", amf0::Value::String("Connection succeeded.")},
                                    {"objectEncoding", amf0::Value::Number(0)}})},
              out);
  return absl::OkStatus();
}

absl::Status Session::OnPublishCommand(double transaction, const std::vector<amf0::Value>& args,
                                       uint32_t stream_id, std::vector<uint8_t>& out) {
  (void)transaction;
  if (state_ == State::kPublishing) {
    return absl::FailedPreconditionError("publish while already publishing");
  }
  absl::StatusOr<ingest::PublishTarget> target =
      ingest::ResolvePublishTarget(tc_url_, app_, StringArg(args, 3));
  if (!target.ok()) delegate_.OnPublishRefused(target.status());
  absl::Status accepted = target.ok() ? delegate_.OnPublish(*target) : target.status();
  if (!accepted.ok()) {
    const bool bad_name = accepted.code() == absl::StatusCode::kAlreadyExists ||
                          accepted.code() == absl::StatusCode::kInvalidArgument;
    SendStatus(stream_id, "error",
               bad_name ? "NetStream.Publish.BadName" : "NetStream.Publish.Rejected",
               std::string(accepted.message()), out);
    state_ = State::kClosing;
    return absl::OkStatus();
  }
  publish_stream_id_ = stream_id;
  state_ = State::kPublishing;
  reader_.set_max_message_size(options_.chunk_limits.max_message_size);
  Send(MakeUserControl(kStreamBegin, stream_id), out);
  SendStatus(stream_id, "status", "NetStream.Publish.Start",
             "Start publishing " + target->stream + ".", out);
  return absl::OkStatus();
}

absl::Status Session::OnData(std::span<const uint8_t> payload) {
  absl::StatusOr<std::vector<amf0::Value>> values = amf0::DecodeAll(payload);
  if (!values.ok()) return Annotate(values.status(), "data message");
  size_t index = 0;
  if (StringArg(*values, index) == "@setDataFrame") ++index;
  if (StringArg(*values, index) != "onMetaData") return absl::OkStatus();
  if (index + 1 < values->size() && state_ == State::kPublishing) {
    delegate_.OnMetadata((*values)[index + 1]);
  }
  return absl::OkStatus();
}

// An aggregate message holds FLV tags back to back (type, size, timestamp,
// stream id, body, previous tag size); their timestamps are relative to the
// first one, which the message's own timestamp replaces.
absl::Status Session::OnAggregate(const Message& message) {
  if (state_ != State::kPublishing) return absl::OkStatus();
  ByteReader r(message.payload);
  bool first = true;
  uint32_t base = 0;
  while (!r.empty()) {
    uint8_t type = 0, ts_ext = 0;
    uint32_t size = 0, ts = 0, stream = 0, previous = 0;
    std::span<const uint8_t> body;
    if (!r.ReadU8(type) || !r.ReadU24(size) || !r.ReadU24(ts) || !r.ReadU8(ts_ext) ||
        !r.ReadU24(stream) || !r.ReadBytes(size, body) || !r.ReadU32(previous)) {
      return absl::InvalidArgumentError("aggregate message truncated at offset " +
                                        std::to_string(r.position()));
    }
    ts |= static_cast<uint32_t>(ts_ext) << 24;
    if (first) base = ts, first = false;
    const uint32_t timestamp = message.timestamp + (ts - base);
    if (type == kVideo && !body.empty()) {
      LS_RETURN_IF_ERROR(delegate_.OnVideo(timestamp, body), "aggregate video");
    } else if (type == kAudio && !body.empty()) {
      LS_RETURN_IF_ERROR(delegate_.OnAudio(timestamp, body), "aggregate audio");
    }
  }
  return absl::OkStatus();
}

void Session::EndPublish() {
  if (state_ != State::kPublishing) return;
  state_ = State::kConnected;
  publish_stream_id_ = 0;
  reader_.set_max_message_size(PrePublishLimits(options_).max_message_size);
  delegate_.OnUnpublish();
}

void Session::Send(const Message& message, std::vector<uint8_t>& out) {
  writer_.Write(message, out);
}

void Session::SendCommand(uint32_t chunk_stream_id, uint32_t stream_id,
                          const std::vector<amf0::Value>& values, std::vector<uint8_t>& out) {
  Message message;
  message.chunk_stream_id = chunk_stream_id;
  message.type_id = kCommandAmf0;
  message.stream_id = stream_id;
  for (const amf0::Value& value : values) amf0::Encode(value, message.payload);
  writer_.Write(message, out);
}

void Session::SendStatus(uint32_t stream_id, std::string_view level, std::string_view code,
                         std::string_view description, std::vector<uint8_t>& out) {
  SendCommand(
      kStatusChunkStream, stream_id,
      {amf0::Value::String("onStatus"), amf0::Value::Number(0), amf0::Value::Null(),
       amf0::Value::Object({{"level", amf0::Value::String(std::string(level))},
                            {"code", amf0::Value::String(std::string(code))},
                            {"description", amf0::Value::String(std::string(description))}})},
      out);
}

void Session::MaybeAcknowledge(std::vector<uint8_t>& out) {
  if (peer_window_ack_size_ == 0) return;
  if (bytes_received_ - bytes_acknowledged_ < peer_window_ack_size_) return;
  bytes_acknowledged_ = bytes_received_;
  Send(MakeAcknowledgement(static_cast<uint32_t>(bytes_received_)), out);
}

}  // namespace livesnap::rtmp
