#include "rtmp/publisher.h"

#include <charconv>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/status.h"

namespace livesnap::rtmp {

namespace {

// Chunk streams as ffmpeg uses them: NetConnection commands on 3, audio on
// 4, video on 6, the published stream's commands and data on 8.
constexpr uint32_t kCommandChunkStream = 3;
constexpr uint32_t kAudioChunkStream = 4;
constexpr uint32_t kVideoChunkStream = 6;
constexpr uint32_t kStreamChunkStream = 8;

uint32_t ChunkStreamOf(uint8_t type) {
  return type == kVideo   ? kVideoChunkStream
         : type == kAudio ? kAudioChunkStream
                          : kStreamChunkStream;
}

void DefaultFillRandom(std::span<uint8_t> bytes) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
}

std::string StringAt(const std::vector<amf0::Value>& values, size_t index) {
  return index < values.size() ? values[index].AsString() : std::string();
}

std::string StringProperty(const amf0::Value* object, std::string_view key) {
  if (object == nullptr) return {};
  const amf0::Value* value = object->Find(key);
  return value != nullptr && value->IsString() ? value->AsString() : std::string();
}

}  // namespace

absl::StatusOr<PublisherOptions> PublisherOptionsFromUrl(std::string_view url) {
  constexpr std::string_view kScheme = "rtmp://";
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("RTMP URL \"", std::string(url), "\": ", std::string(why)));
  };
  if (url.substr(0, kScheme.size()) != kScheme) return invalid("not rtmp://");
  const std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return invalid("no app");
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = rest.substr(slash + 1);

  PublisherOptions options;
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    unsigned port = 0;
    const std::string_view digits = authority.substr(colon + 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (error != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535) {
      return invalid("bad port");
    }
    options.port = static_cast<uint16_t>(port);
    options.host = std::string(authority.substr(0, colon));
  } else {
    options.host = std::string(authority);
  }
  if (options.host.empty()) return invalid("no host");

  // app/stream, or app/instance/stream: a third level makes the second
  // part of the app (what ffmpeg does).
  const size_t first = path.find('/');
  if (first == std::string_view::npos || first == 0) return invalid("no app or no stream");
  size_t app_end = first;
  if (const size_t second = path.find('/', first + 1); second != std::string_view::npos) {
    app_end = second;
  }
  options.app = std::string(path.substr(0, app_end));
  options.stream_name = std::string(path.substr(app_end + 1));
  if (options.stream_name.empty()) return invalid("no stream name");
  options.tc_url = absl::StrCat(std::string(kScheme), std::string(authority), "/", options.app);
  return options;
}

Publisher::Publisher(PublisherOptions options, RandomSource fill_random)
    : options_(std::move(options)),
      fill_random_(fill_random ? std::move(fill_random) : RandomSource(DefaultFillRandom)),
      reader_(options_.limits) {}

void Publisher::Start(std::vector<uint8_t>& out) {
  if (state_ != State::kIdle) return;
  std::vector<uint8_t> c0c1 = MakeClientHandshake(options_.handshake, 0, fill_random_);
  out.insert(out.end(), c0c1.begin(), c0c1.end());
  c1_.assign(c0c1.begin() + 1, c0c1.end());
  state_ = State::kHandshaking;
}

absl::Status Publisher::Fail(absl::Status status) {
  state_ = State::kFailed;
  return status;
}

absl::Status Publisher::OnBytes(std::span<const uint8_t> data, std::vector<uint8_t>& out) {
  if (state_ == State::kIdle) return absl::FailedPreconditionError("Start was not called");
  if (state_ == State::kFailed) return absl::FailedPreconditionError("the publish failed");
  bytes_received_ += data.size();
  if (state_ == State::kHandshaking) {
    if (absl::Status s = OnHandshakeBytes(data, out); !s.ok()) {
      return Fail(Annotate(s, "handshake"));
    }
    if (data.empty()) return absl::OkStatus();
  }
  messages_.clear();
  const absl::Status read_status = reader_.Feed(data, messages_);
  for (const Message& message : messages_) {
    if (absl::Status s = OnMessage(message, out); !s.ok()) return Fail(s);
  }
  if (!read_status.ok()) return Fail(Annotate(read_status, "chunk stream from the server"));
  if (server_window_ack_size_ > 0 &&
      bytes_received_ - bytes_acknowledged_ >= server_window_ack_size_) {
    bytes_acknowledged_ = bytes_received_;
    writer_.Write(MakeAcknowledgement(static_cast<uint32_t>(bytes_received_)), out);
  }
  return absl::OkStatus();
}

absl::Status Publisher::OnHandshakeBytes(std::span<const uint8_t>& data,
                                         std::vector<uint8_t>& out) {
  constexpr size_t kS0S1S2Size = 1 + 2 * kHandshakeSize;
  const size_t take = std::min(kS0S1S2Size - handshake_buffer_.size(), data.size());
  handshake_buffer_.insert(handshake_buffer_.end(), data.begin(), data.begin() + take);
  data = data.subspan(take);
  if (handshake_buffer_.size() < kS0S1S2Size) return absl::OkStatus();

  LS_ASSIGN_OR_RETURN(std::vector<uint8_t> c2, MakeClientC2(c1_, handshake_buffer_, fill_random_),
                      "S0S1S2");
  out.insert(out.end(), c2.begin(), c2.end());
  handshake_buffer_ = {};
  c1_ = {};

  writer_.Write(MakeSetChunkSize(options_.chunk_size), out);
  writer_.set_chunk_size(options_.chunk_size);
  connect_transaction_ = NextTransaction();
  SendCommand(kCommandChunkStream, 0,
              {amf0::Value::String("connect"), amf0::Value::Number(connect_transaction_),
               amf0::Value::Object({{"app", amf0::Value::String(options_.app)},
                                    {"type", amf0::Value::String("nonprivate")},
                                    {"flashVer", amf0::Value::String(options_.flash_ver)},
                                    {"tcUrl", amf0::Value::String(options_.tc_url)}})},
              out);
  state_ = State::kConnecting;
  return absl::OkStatus();
}

absl::Status Publisher::OnMessage(const Message& message, std::vector<uint8_t>& out) {
  switch (message.type_id) {
    case kWindowAckSize: {
      absl::StatusOr<uint32_t> window_size = ReadWindowAckSize(message);
      if (!window_size.ok()) return window_size.status();
      server_window_ack_size_ = *window_size;
      return absl::OkStatus();
    }
    case kUserControl:
      if (std::optional<Message> pong = PingResponseTo(message)) writer_.Write(*pong, out);
      return absl::OkStatus();
    case kCommandAmf0:
      return OnCommand(message.payload, out);
    case kCommandAmf3:
      if (message.payload.empty()) return absl::OkStatus();
      return OnCommand(std::span(message.payload).subspan(1), out);
    default:
      return absl::OkStatus();  // chunk size and abort are applied by the reader
  }
}

absl::Status Publisher::OnCommand(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  LS_ASSIGN_OR_RETURN(std::vector<amf0::Value> values, amf0::DecodeAll(payload),
                      "command from the server");
  const std::string name = StringAt(values, 0);
  const double transaction = values.size() > 1 ? values[1].AsNumber() : 0;
  const amf0::Value* info = values.size() > 3 ? &values[3] : nullptr;

  if (name == "onStatus" || name == "_error") {
    ServerStatus& status = statuses_.emplace_back();
    status.level = StringProperty(info, "level");
    status.code = StringProperty(info, "code");
    status.description = StringProperty(info, "description");
    if (name == "_error" || status.level == "error") {
      return absl::PermissionDeniedError(
          absl::StrCat(status.code.empty() ? name : status.code, ": ", status.description));
    }
    if (status.code == "NetStream.Publish.Start" && state_ == State::kStartingPublish) {
      state_ = State::kPublishing;
    }
    return absl::OkStatus();
  }
  if (name != "_result") return absl::OkStatus();  // onBWDone, onFCPublish, ...

  if (state_ == State::kConnecting && transaction == connect_transaction_) {
    const std::string code = StringProperty(info, "code");
    if (code != "NetConnection.Connect.Success") {
      return absl::PermissionDeniedError(
          absl::StrCat("connect answered \"", code, "\" instead of NetConnection.Connect.Success"));
    }
    const amf0::Value stream = amf0::Value::String(options_.stream_name);
    SendCommand(kCommandChunkStream, 0,
                {amf0::Value::String("releaseStream"), amf0::Value::Number(NextTransaction()),
                 amf0::Value::Null(), stream},
                out);
    SendCommand(kCommandChunkStream, 0,
                {amf0::Value::String("FCPublish"), amf0::Value::Number(NextTransaction()),
                 amf0::Value::Null(), stream},
                out);
    create_stream_transaction_ = NextTransaction();
    SendCommand(kCommandChunkStream, 0,
                {amf0::Value::String("createStream"),
                 amf0::Value::Number(create_stream_transaction_), amf0::Value::Null()},
                out);
    state_ = State::kCreatingStream;
    return absl::OkStatus();
  }
  if (state_ == State::kCreatingStream && transaction == create_stream_transaction_) {
    const double id = values.size() > 3 ? values[3].AsNumber() : 0;
    if (!(id >= 1 && id <= 0xFFFFFFFF)) {
      return absl::InvalidArgumentError(absl::StrCat("createStream answered stream id ", id));
    }
    stream_id_ = static_cast<uint32_t>(id);
    SendCommand(kStreamChunkStream, stream_id_,
                {amf0::Value::String("publish"), amf0::Value::Number(NextTransaction()),
                 amf0::Value::Null(), amf0::Value::String(options_.stream_name),
                 amf0::Value::String("live")},
                out);
    state_ = State::kStartingPublish;
  }
  return absl::OkStatus();
}

absl::Status Publisher::SendTag(uint8_t type, uint32_t timestamp_ms, std::span<const uint8_t> body,
                                std::vector<uint8_t>& out) {
  if (state_ != State::kPublishing) {
    return absl::FailedPreconditionError("not publishing: NetStream.Publish.Start not received");
  }
  writer_.Write(ChunkStreamOf(type), type, stream_id_, timestamp_ms, body, out);
  return absl::OkStatus();
}

absl::Status Publisher::SendTagGather(uint8_t type, uint32_t timestamp_ms,
                                      std::span<const uint8_t> body, std::vector<uint8_t>& headers,
                                      std::vector<ChunkWriter::ChunkPiece>& pieces) {
  if (state_ != State::kPublishing) {
    return absl::FailedPreconditionError("not publishing: NetStream.Publish.Start not received");
  }
  writer_.WriteGather(ChunkStreamOf(type), type, stream_id_, timestamp_ms, body, headers, pieces);
  return absl::OkStatus();
}

absl::Status Publisher::SendMetadata(const amf0::Value& metadata, std::vector<uint8_t>& out) {
  std::vector<uint8_t> payload;
  amf0::Encode(amf0::Value::String("@setDataFrame"), payload);
  amf0::Encode(amf0::Value::String("onMetaData"), payload);
  amf0::Encode(metadata, payload);
  return SendTag(kDataAmf0, 0, payload, out);
}

absl::Status Publisher::Unpublish(std::vector<uint8_t>& out) {
  if (state_ != State::kPublishing) return absl::FailedPreconditionError("not publishing");
  SendCommand(kCommandChunkStream, 0,
              {amf0::Value::String("FCUnpublish"), amf0::Value::Number(NextTransaction()),
               amf0::Value::Null(), amf0::Value::String(options_.stream_name)},
              out);
  SendCommand(kCommandChunkStream, 0,
              {amf0::Value::String("deleteStream"), amf0::Value::Number(NextTransaction()),
               amf0::Value::Null(), amf0::Value::Number(stream_id_)},
              out);
  state_ = State::kUnpublished;
  return absl::OkStatus();
}

void Publisher::SendCommand(uint32_t chunk_stream_id, uint32_t stream_id,
                            std::initializer_list<amf0::Value> values, std::vector<uint8_t>& out) {
  command_bytes_.clear();
  for (const amf0::Value& value : values) amf0::Encode(value, command_bytes_);
  writer_.Write(chunk_stream_id, kCommandAmf0, stream_id, 0, command_bytes_, out);
}

}  // namespace livesnap::rtmp
