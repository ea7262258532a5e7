#include "rtmp/internal/connection.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "absl/strings/str_cat.h"

namespace livesnap::rtmp::internal {

namespace {

constexpr size_t kReadBufferSize = 64 * 1024;
// Reads per wakeup at most, so one flooding client cannot hold the loop.
constexpr int kMaxReadsPerWakeup = 4;
constexpr auto kTimerPeriod = std::chrono::seconds(1);

bool WouldBlock(const asio::error_code& error) {
  return error == asio::error::would_block || error == asio::error::try_again;
}

// A metadata dimension as an int; 0 for anything absent, negative, huge or NaN.
int NumberProperty(const amf0::Value& object, std::string_view key) {
  const amf0::Value* value = object.Find(key);
  if (value == nullptr || !value->IsNumber()) return 0;
  const double number = value->AsNumber();
  return number >= 0 && number <= 1e6 ? static_cast<int>(number) : 0;
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, std::unique_ptr<AdmissionTicket> ticket,
                       const ConnectionConfig& config, media::MediaHub& hub,
                       const ServerCounters& counters, OnClosed on_closed,
                       std::shared_ptr<asio::ssl::context> tls)
    : socket_(std::move(socket)),
      tls_context_(std::move(tls)),
      ticket_(std::move(ticket)),
      timer_(socket_.get_executor()),
      config_(config),
      hub_(hub),
      counters_(counters),
      on_closed_(std::move(on_closed)),
      session_(*this, config.session),
      read_buffer_(kReadBufferSize) {
  asio::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  peer_ = ec ? "unknown" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  tag_ = "[" + peer_ + "]";
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  if (tls_context_) {
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls_context_);
  }
}

Connection::~Connection() = default;

void Connection::Start() {
  if (closed_) return;  // closed by a server stop before it started
  started_ = last_read_ = std::chrono::steady_clock::now();
  counted_active_ = true;
  counters_.active->Increment();
  ArmTimer();
  if (tls_) {
    StartTls();
  } else {
    WaitReadable();
  }
}

void Connection::StartTls() {
  tls_->async_handshake(
      asio::ssl::stream_base::server, [self = shared_from_this()](const asio::error_code& error) {
        if (self->closed_) return;
        if (error) {
          // Most often a plain RTMP client on the RTMPS port: its C0 is no TLS record.
          self->counters_.tls_handshake_failures->Increment();
          uint64_t dropped = 0;
          if (self->config_.log_limiter == nullptr ||
              self->config_.log_limiter->Allow("tls_handshake", dropped)) {
            spdlog::warn(
                "{} RTMPS: TLS handshake failed ({}): closing{}", self->tag_, error.message(),
                dropped == 0 ? "" : " (" + std::to_string(dropped) + " similar lines not logged)");
          }
          self->CloseNow(media::StopReason::kProtocolError, "TLS handshake failed");
          return;
        }
        self->ReadTls();
      });
}

void Connection::ReadTls() {
  tls_->async_read_some(
      asio::buffer(read_buffer_),
      [self = shared_from_this()](const asio::error_code& error, size_t size) {
        if (self->closed_) return;
        if (error) {
          const bool ended =
              error == asio::error::eof || error == asio::ssl::error::stream_truncated;
          self->CloseNow(media::StopReason::kDisconnected, ended ? "peer closed" : error.message());
          return;
        }
        if (self->Consume(size)) self->ReadTls();
      });
}

void Connection::Close(media::StopReason reason) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), reason] {
    self->CloseNow(reason, std::string(media::StopReasonName(reason)));
  });
}

void Connection::WaitReadable() {
  socket_.async_wait(
      asio::socket_base::wait_read,
      [self = shared_from_this()](const asio::error_code& error) { self->OnReadable(error); });
}

void Connection::OnReadable(const asio::error_code& error) {
  if (closed_) return;
  if (error) {
    CloseNow(media::StopReason::kDisconnected, error.message());
    return;
  }
  if (Drain()) WaitReadable();
}

bool Connection::Drain() {
  for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
    asio::error_code error;
    const size_t size = socket_.read_some(asio::buffer(read_buffer_), error);
    if (WouldBlock(error)) return true;
    if (error) {
      CloseNow(media::StopReason::kDisconnected,
               error == asio::error::eof ? "peer closed" : error.message());
      return false;
    }
    if (!Consume(size)) return false;
    if (size < read_buffer_.size()) return true;  // drained
  }
  return true;
}

bool Connection::Consume(size_t size) {
  last_read_ = std::chrono::steady_clock::now();
  counters_.reads->Increment();
  counters_.read_bytes->Increment(static_cast<double>(size));
  absl::Status status = session_.OnBytes(std::span(read_buffer_.data(), size), pending_);
  if (session_.handshake_done()) ticket_->HandshakeDone();
  if (!status.ok() && session_.over_budget()) {
    LimitHit(Limit::kPartialMessageBudget, tag_ + " closed: " + std::string(status.message()));
    close_after_flush_ = true;
    if (publication_) publication_->Stop(media::StopReason::kProtocolError);
    Flush();
    return false;
  }
  if (!status.ok()) {
    counters_.protocol_errors->Increment();
    spdlog::warn("{} closing: {}", tag_, status.ToString());
    close_after_flush_ = true;
    if (publication_) publication_->Stop(media::StopReason::kProtocolError);
    Flush();
    return false;
  }
  if (session_.should_close()) close_after_flush_ = true;
  if (publication_ && !batching_reads_) StartReadBatching();
  Flush();
  return !close_after_flush_ && !closed_;
}

void Connection::StartReadBatching() {
  if (tls_ || config_.read_batch_bytes <= 0) return;
  const int low_water = config_.read_batch_bytes;
  if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVLOWAT, &low_water,
                   sizeof(low_water)) != 0) {
    return;  // reads stay per arrival
  }
  batching_reads_ = true;
  timer_.cancel();  // OnTimer re-arms at the sweep period
}

void Connection::Flush() {
  if (write_in_flight_ || closed_) return;
  if (pending_.empty()) {
    if (close_after_flush_) CloseNow(media::StopReason::kProtocolError, "session ended");
    return;
  }
  writing_.swap(pending_);
  pending_.clear();
  write_in_flight_ = true;
  auto written = [self = shared_from_this()](const asio::error_code& error, size_t) {
    self->write_in_flight_ = false;
    self->writing_.clear();
    if (error) {
      self->CloseNow(media::StopReason::kDisconnected, error.message());
      return;
    }
    self->Flush();
  };
  if (tls_) {
    asio::async_write(*tls_, asio::buffer(writing_), std::move(written));
  } else {
    asio::async_write(socket_, asio::buffer(writing_), std::move(written));
  }
}

void Connection::ArmTimer() {
  if (batching_reads_) {
    timer_.expires_after(std::chrono::milliseconds(config_.read_sweep_ms));
  } else {
    timer_.expires_after(kTimerPeriod);
  }
  timer_.async_wait([self = shared_from_this()](const asio::error_code& error) {
    if (error == asio::error::operation_aborted && !self->closed_) {
      self->ArmTimer();  // cancelled to change the period
      return;
    }
    if (!error) self->OnTimer();
  });
}

void Connection::OnTimer() {
  if (closed_) return;
  const auto now = std::chrono::steady_clock::now();
  using std::chrono::milliseconds;
  if (!session_.handshake_done() && now - started_ > milliseconds(config_.handshake_timeout_ms)) {
    counters_.handshake_timeouts->Increment();
    CloseNow(media::StopReason::kIdleTimeout, "handshake timeout");
    return;
  }
  if (batching_reads_ && now - last_read_ >= milliseconds(config_.read_sweep_ms)) {
    // What lies below SO_RCVLOWAT does not wake the loop: pick it up.
    if (!Drain()) return;
  }
  if (now - last_read_ > milliseconds(config_.idle_timeout_ms)) {
    counters_.idle_timeouts->Increment();
    CloseNow(media::StopReason::kIdleTimeout, "idle timeout");
    return;
  }
  ArmTimer();
}

void Connection::CloseNow(media::StopReason reason, const std::string& why) {
  if (closed_) return;
  closed_ = true;
  if (publication_) {
    publication_->Stop(reason);
    publication_.reset();
  }
  spdlog::debug("{} connection closed: {}", tag_, why);
  asio::error_code ignored;
  timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (counted_active_) counters_.active->Decrement();
  if (on_closed_) on_closed_(this);
}

absl::Status Connection::OnPublish(const ingest::PublishTarget& target) {
  if (!ticket_->TryPublish()) {
    const std::string why =
        absl::StrCat("more than ", config_.publishes_per_second_per_ip, " publishes a second from ",
                     ticket_->source(), "; retry later");
    LimitHit(Limit::kPublishRate, "[" + target.domain + "/" + target.app + "/" + target.stream +
                                      "] publish refused from " + peer_ + ": " + why);
    return absl::ResourceExhaustedError(why);
  }
  media::StreamInfo info;
  info.key = {target.domain, target.app, target.stream};
  info.query = target.stream_query;
  info.path_signature = target.path_signature;
  info.client_addr = peer_;
  info.protocol = "rtmp";
  absl::StatusOr<std::unique_ptr<media::Publication>> publication = hub_.Publish(std::move(info));
  const std::string key = "[" + target.domain + "/" + target.app + "/" + target.stream + "]";
  if (!publication.ok()) {
    counters_.publishes_refused->Increment();
    spdlog::warn("{} publish refused from {}: {}", key, peer_, publication.status().ToString());
    return publication.status();
  }
  publication_ = *std::move(publication);
  flv_.emplace(publication_.get());
  tag_ = key;
  spdlog::info("{} publish started from {} (handshake {})", tag_, peer_,
               session_.handshake_flavor() == HandshakeFlavor::kPlain ? "plain" : "digest");
  return absl::OkStatus();
}

void Connection::OnMetadata(const amf0::Value& metadata) {
  if (!publication_) return;
  media::StreamMetadata fields;
  fields.width = NumberProperty(metadata, "width");
  fields.height = NumberProperty(metadata, "height");
  if (const amf0::Value* rate = metadata.Find("framerate"); rate && rate->IsNumber()) {
    const double fps = rate->AsNumber();
    if (fps > 0 && fps <= 1000) fields.frame_rate = fps;
  }
  publication_->OnMetadata(fields);
}

absl::Status Connection::OnVideo(uint32_t timestamp_ms, std::span<const uint8_t> payload) {
  return publication_ ? flv_->OnVideo(timestamp_ms, payload) : absl::OkStatus();
}

absl::Status Connection::OnAudio(uint32_t timestamp_ms, std::span<const uint8_t> payload) {
  return publication_ ? flv_->OnAudio(timestamp_ms, payload) : absl::OkStatus();
}

void Connection::OnPublishRefused(const absl::Status& reason) {
  counters_.publishes_refused->Increment();
  spdlog::warn("{} publish refused (NetStream.Publish.BadName): {}", tag_,
               std::string(reason.message()));
}

void Connection::LimitHit(Limit limit, const std::string& what) {
  counters_.limited[static_cast<size_t>(limit)]->Increment();
  uint64_t dropped = 0;
  if (config_.log_limiter != nullptr && !config_.log_limiter->Allow(LimitName(limit), dropped)) {
    return;
  }
  spdlog::warn("{} (limit rtmp.{}{})", what, LimitName(limit),
               dropped == 0 ? "" : "; " + std::to_string(dropped) + " similar lines not logged");
}

void Connection::OnUnpublish() {
  if (!publication_) return;
  publication_->Stop(media::StopReason::kUnpublished);
  publication_.reset();
}

}  // namespace livesnap::rtmp::internal
