// File: tools/loadgen/load_generator.h
//
// Pushes N concurrent RTMP streams from one process, each replaying the
// same ReplayPlan at real-time rate, and reports what each stream saw. The
// streams run on Asio event loops (one thread by default), each loop with
// one timer ticking every tick_ms that starts the streams due in the
// ramp-up and sends every stream the tags that became due: no timer per
// frame, no thread per stream. Tag bodies are never copied: every write is
// a scatter-gather of the stream's own chunk headers and the plan's bodies,
// cut into send calls as the write profile's client cuts them.
//
//   LoadOptions options;  options.streams = 1000;  options.duration_s = 60;
//   auto generator = LoadGenerator::Create(options, plan);
//   LoadReport report = (*generator)->Run();   // blocks until the run ends
//
// The run ends `duration_s` after the last stream started (never with
// duration_s = 0) or on Stop(); every stream then unpublishes (FCUnpublish,
// deleteStream), half-closes and waits for the server to close, for at most
// stop_grace_ms. A stream that fails is reported and not retried.
//
// Thread-safety: Run from one thread; Stop from any thread (or a signal,
// with handle_signals).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/loadgen/replay_plan.h"
#include "tools/loadgen/report.h"
#include "tools/loadgen/write_profile.h"

namespace livesnap::loadgen {

struct LoadOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 1935;
  std::string app = "live";
  std::string stream_pattern = "s{i}";  // "{i}": the stream's index
  std::string domain;                   // non-empty: "?vhost=<domain>" on the app
  int streams = 1;
  int first_index = 0;              // index of the first stream (for several generators)
  double ramp_per_s = 50;           // new streams a second; <= 0: all at once
  double duration_s = 60;           // after the last stream started; 0: until Stop()
  int threads = 1;                  // event loops, each with its own thread
  int tick_ms = 20;                 // pacing granularity
  int stall_ms = 500;               // lag behind real time that counts as a stall
  int publish_timeout_ms = 10'000;  // connect to NetStream.Publish.Start
  int stop_grace_ms = 5'000;
  uint32_t chunk_size = 4096;  // announced with Set Chunk Size, as ffmpeg and OBS do
  WriteProfile profile = WriteProfile::kFfmpeg;  // how writes are cut (write_profile.h)
  double progress_s = 0;                         // a status line on stderr this often; 0: none
  bool handle_signals = false;                   // SIGINT/SIGTERM end the run as Stop() does
};

// InvalidArgument for the options every protocol's generator uses alike
// (streams, tick_ms, stall_ms, duration_s, app) when out of range.
absl::Status CheckCommonOptions(const LoadOptions& options);

class LoadGenerator {
 public:
  // InvalidArgument for options out of range, NotFound for a host that does
  // not resolve. `plan` must outlive the generator.
  static absl::StatusOr<std::unique_ptr<LoadGenerator>> Create(LoadOptions options,
                                                               const ReplayPlan& plan);
  virtual ~LoadGenerator() = default;

  // Runs the whole load; call once.
  virtual LoadReport Run() = 0;
  // Ends the run early, as if its duration had passed.
  virtual void Stop() = 0;
};

}  // namespace livesnap::loadgen
