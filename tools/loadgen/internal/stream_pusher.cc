#include "tools/loadgen/internal/stream_pusher.h"

#include <algorithm>
#include <span>

namespace livesnap::loadgen::internal {

namespace {

// A batch ends after this many chunks, so control messages (acknowledgements)
// never wait behind a long catch-up.
constexpr size_t kMaxPiecesPerBatch = 256;

bool WouldBlock(const asio::error_code& error) {
  return error == asio::error::would_block || error == asio::error::try_again;
}

}  // namespace

StreamPusher::StreamPusher(asio::io_context& io, PusherContext& context, int index,
                           std::string name, int64_t start_ms)
    : socket_(io),
      context_(context),
      start_ms_(start_ms),
      publisher_([&] {
        rtmp::PublisherOptions options = context.publisher;
        options.stream_name = name;
        return options;
      }()),
      cursor_(*context.plan),
      stalls_(context.stall_ms) {
  report_.index = index;
  report_.name = std::move(name);
}

void StreamPusher::Connect() {
  if (state_ != State::kWaiting) return;
  state_ = State::kConnecting;
  socket_.async_connect(context_.endpoint,
                        [this](const asio::error_code& error) { OnConnected(error); });
}

void StreamPusher::OnConnected(const asio::error_code& error) {
  if (state_ == State::kClosed) return;
  if (error) return Fail("connect: " + error.message());
  state_ = State::kRunning;
  report_.connected = true;
  report_.connect_ms = context_.now_ms() - start_ms_;
  asio::error_code ignored;
  socket_.non_blocking(true, ignored);
  // Encoders leave Nagle's algorithm on; the batched profile writes once a
  // tick and wants its bytes out at once.
  socket_.set_option(asio::ip::tcp::no_delay(SetsNoDelay(context_.profile)), ignored);
  publisher_.Start(control_);
  Flush();
  WaitReadable();
}

void StreamPusher::WaitReadable() {
  if (state_ == State::kClosed) return;
  socket_.async_wait(asio::socket_base::wait_read,
                     [this](const asio::error_code& error) { OnReadable(error); });
}

void StreamPusher::OnReadable(const asio::error_code& error) {
  if (state_ == State::kClosed) return;
  if (error) return Fail("wait for the server: " + error.message());
  std::vector<uint8_t>& buffer = context_.read_buffer;
  for (;;) {
    asio::error_code read_error;
    const size_t n = socket_.read_some(asio::buffer(buffer), read_error);
    if (WouldBlock(read_error)) break;
    if (read_error == asio::error::eof) {
      if (stopping_) return Close();
      return Fail("the server closed the connection");
    }
    if (read_error) return Fail("read: " + read_error.message());
    if (absl::Status s = publisher_.OnBytes(std::span(buffer.data(), n), control_); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    if (n < buffer.size()) break;  // drained
  }
  if (!report_.published && publisher_.publishing()) {
    report_.published = true;
    publish_started_ms_ = context_.now_ms();
    report_.publish_ms = publish_started_ms_ - start_ms_;
    context_.counters->publishing.fetch_add(1, std::memory_order_relaxed);
  }
  Flush();
  WaitReadable();
}

void StreamPusher::OnTick(int64_t now_ms) {
  if (state_ == State::kClosed || stopping_) return;
  if (!report_.published) {
    if (state_ != State::kWaiting && now_ms - start_ms_ > context_.publish_timeout_ms) {
      Fail("no NetStream.Publish.Start within " + std::to_string(context_.publish_timeout_ms) +
           " ms");
    }
    return;
  }
  const int64_t elapsed_ms = now_ms - publish_started_ms_;
  stalls_.OnLag(now_ms, cursor_.LagMs(elapsed_ms));
  if (stalls_.stalled() != counted_stalled_) {
    counted_stalled_ = stalls_.stalled();
    context_.counters->stalled.fetch_add(counted_stalled_ ? 1 : -1, std::memory_order_relaxed);
  }
  if (!waiting_writable_ && cursor_.DueBy(elapsed_ms)) Flush();
}

// Writes batches, one send call per SendBoundaries range, until the socket
// would block or nothing is due. A send that writes part of its range is
// followed by one for the rest, as a blocking client's write loop would.
void StreamPusher::Flush() {
  if (state_ != State::kRunning || waiting_writable_ || half_closed_) return;
  for (;;) {
    if (iov_next_ == iov_.size() && !BuildBatch()) break;
    while (send_ends_[send_next_] <= iov_next_) ++send_next_;
    const size_t count = send_ends_[send_next_] - iov_next_;
    asio::error_code error;
    const size_t n = socket_.write_some(std::span(iov_.data() + iov_next_, count), error);
    if (WouldBlock(error)) {
      waiting_writable_ = true;
      socket_.async_wait(asio::socket_base::wait_write,
                         [this](const asio::error_code& e) { OnWritable(e); });
      return;
    }
    if (error) return Fail("send: " + error.message());
    ++report_.send_calls;
    Consume(n);
  }
  if (stopping_ && !half_closed_) {
    half_closed_ = true;
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

void StreamPusher::OnWritable(const asio::error_code& error) {
  waiting_writable_ = false;
  if (state_ == State::kClosed) return;
  if (error) return Fail("wait to send: " + error.message());
  Flush();
}

// The next batch: what the Publisher has to say, then the header tags once,
// then every tag due by now.
bool StreamPusher::BuildBatch() {
  iov_.clear();
  payload_follows_.clear();
  iov_next_ = 0;
  send_next_ = 0;
  batch_headers_.clear();
  pieces_.clear();
  if (!control_.empty()) {
    batch_control_.swap(control_);
    control_.clear();
    iov_.push_back(asio::buffer(batch_control_));
    payload_follows_.push_back(false);
  }
  if (publisher_.publishing() && !stopping_) {
    if (!header_sent_) {
      header_sent_ = true;
      for (const ReplayTag& tag : context_.plan->header()) {
        (void)publisher_.SendTagGather(tag.type, 0, tag.body, batch_headers_, pieces_);
      }
    }
    const int64_t elapsed_ms = context_.now_ms() - publish_started_ms_;
    while (cursor_.DueBy(elapsed_ms) && pieces_.size() < kMaxPiecesPerBatch) {
      const ReplayTag& tag = cursor_.tag();
      const int64_t timestamp_ms = cursor_.timestamp_ms();
      (void)publisher_.SendTagGather(tag.type, static_cast<uint32_t>(timestamp_ms), tag.body,
                                     batch_headers_, pieces_);
      if (tag.type == rtmp::kVideo) {
        ++report_.video_frames;
        if (tag.keyframe) {
          ++report_.keyframes;
          report_.last_keyframe_ms = timestamp_ms;
        }
      } else if (tag.type == rtmp::kAudio) {
        ++report_.audio_frames;
      }
      report_.media_ms = timestamp_ms;
      cursor_.Advance();
    }
  }
  for (const rtmp::ChunkWriter::ChunkPiece& piece : pieces_) {
    iov_.push_back(asio::buffer(batch_headers_.data() + piece.header_offset, piece.header_size));
    payload_follows_.push_back(!piece.payload.empty());
    if (!piece.payload.empty()) {
      iov_.push_back(asio::buffer(piece.payload.data(), piece.payload.size()));
      payload_follows_.push_back(false);
    }
  }
  send_ends_ = SendBoundaries(context_.profile, payload_follows_);
  return !iov_.empty();
}

void StreamPusher::Consume(size_t bytes) {
  report_.bytes_sent += bytes;
  context_.counters->bytes_sent.fetch_add(bytes, std::memory_order_relaxed);
  while (bytes > 0 && iov_next_ < iov_.size()) {
    asio::const_buffer& buffer = iov_[iov_next_];
    if (bytes < buffer.size()) {
      buffer += bytes;
      return;
    }
    bytes -= buffer.size();
    ++iov_next_;
  }
}

void StreamPusher::BeginStop(int64_t now_ms) {
  if (state_ == State::kClosed || stopping_) return;
  stopping_ = true;
  stop_started_ms_ = now_ms;
  if (state_ == State::kWaiting) {
    state_ = State::kClosed;  // never started: nothing to close
    return;
  }
  if (!publisher_.publishing()) return Close();
  report_.publishing_ms = now_ms - publish_started_ms_;
  (void)publisher_.Unpublish(control_);
  Flush();
}

void StreamPusher::Abort(const std::string& why) { Fail(why); }

void StreamPusher::Fail(const std::string& why) {
  if (state_ == State::kClosed) return;
  if (report_.error.empty()) report_.error = why;
  context_.counters->failed.fetch_add(1, std::memory_order_relaxed);
  if (report_.published && !stopping_)
    report_.publishing_ms = context_.now_ms() - publish_started_ms_;
  Close();
}

void StreamPusher::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  if (report_.published) context_.counters->publishing.fetch_sub(1, std::memory_order_relaxed);
  if (counted_stalled_) context_.counters->stalled.fetch_sub(1, std::memory_order_relaxed);
  counted_stalled_ = false;
  asio::error_code ignored;
  socket_.close(ignored);  // pending waits complete with operation_aborted
}

StreamReport StreamPusher::Report(int64_t now_ms) const {
  StreamReport report = report_;
  report.loops = cursor_.loop();
  report.stalls = stalls_.stalls();
  report.stalled_ms = stalls_.stalled_ms(now_ms);
  report.max_lag_ms = stalls_.max_lag_ms();
  if (report.published && report.publishing_ms == 0 && !stopping_) {
    report.publishing_ms = now_ms - publish_started_ms_;
  }
  return report;
}

}  // namespace livesnap::loadgen::internal
