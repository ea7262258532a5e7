// File: tools/loadgen/internal/stream_pusher.h
//
// One RTMP publish driven on an event loop: connect, the Publisher's
// handshake and command flow, then the replay paced by the loop's ticks.
// Writes are non-blocking and never copy a tag body (sendmsg over the
// stream's chunk headers and the shared tag bodies), cut into send calls as
// the WriteProfile says; while the socket is not writable the stream waits
// for it, its lag grows and the StallTracker counts it.
//
// Thread-safety: every call on the loop's thread.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rtmp/publisher.h"
#include "tools/loadgen/load_schedule.h"
#include "tools/loadgen/replay_plan.h"
#include "tools/loadgen/report.h"
#include "tools/loadgen/write_profile.h"

namespace livesnap::loadgen::internal {

// Counters of one loop, read by the thread that prints progress.
struct LoopCounters {
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<int> publishing{0};
  std::atomic<int> failed{0};
  std::atomic<int> stalled{0};  // streams stalled right now
};

// What the streams of one loop share.
struct PusherContext {
  const ReplayPlan* plan = nullptr;
  asio::ip::tcp::endpoint endpoint;
  rtmp::PublisherOptions publisher;  // stream_name set per stream
  WriteProfile profile = WriteProfile::kFfmpeg;
  int64_t stall_ms = 500;
  int64_t publish_timeout_ms = 10'000;
  std::vector<uint8_t> read_buffer;  // every read of the loop lands here first
  std::function<int64_t()> now_ms;   // monotonic, from the start of the run
  LoopCounters* counters = nullptr;
};

class StreamPusher {
 public:
  StreamPusher(asio::io_context& io, PusherContext& context, int index, std::string name,
               int64_t start_ms);
  StreamPusher(const StreamPusher&) = delete;
  StreamPusher& operator=(const StreamPusher&) = delete;

  int64_t start_ms() const { return start_ms_; }
  void Connect();
  // Pacing: sends what became due, and watches the lag.
  void OnTick(int64_t now_ms);
  // Unpublishes and half-closes; the stream finishes when the server closes.
  void BeginStop(int64_t now_ms);
  // Closes now, reporting `why` as an error.
  void Abort(const std::string& why);
  bool finished() const { return state_ == State::kClosed; }
  StreamReport Report(int64_t now_ms) const;

 private:
  enum class State { kWaiting, kConnecting, kRunning, kClosed };

  void OnConnected(const asio::error_code& error);
  void WaitReadable();
  void OnReadable(const asio::error_code& error);
  void Flush();
  bool BuildBatch();
  void Consume(size_t bytes);
  void OnWritable(const asio::error_code& error);
  void Fail(const std::string& why);
  void Close();

  asio::ip::tcp::socket socket_;
  PusherContext& context_;
  StreamReport report_;
  const int64_t start_ms_;
  rtmp::Publisher publisher_;
  ReplayCursor cursor_;
  StallTracker stalls_;
  State state_ = State::kWaiting;
  bool header_sent_ = false;
  bool stopping_ = false;
  bool half_closed_ = false;
  bool waiting_writable_ = false;
  bool counted_stalled_ = false;
  int64_t publish_started_ms_ = 0;
  int64_t stop_started_ms_ = 0;

  std::vector<uint8_t> control_;        // from the Publisher, not in a batch yet
  std::vector<uint8_t> batch_control_;  // the batch being written owns these
  std::vector<uint8_t> batch_headers_;
  std::vector<rtmp::ChunkWriter::ChunkPiece> pieces_;
  std::vector<asio::const_buffer> iov_;
  std::vector<bool> payload_follows_;  // per iov_ entry: a chunk header whose payload is next
  std::vector<size_t> send_ends_;      // SendBoundaries of the batch
  size_t send_next_ = 0;               // the send call under way
  size_t iov_next_ = 0;                // first buffer not completely written
};

}  // namespace livesnap::loadgen::internal
