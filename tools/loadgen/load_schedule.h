// File: tools/loadgen/load_schedule.h
//
// The pure parts of driving many streams: their names, when each starts
// during the ramp-up, and how a stream's lag behind real time becomes
// counted stalls.
//
//   StreamName("cam{i}", 7) == "cam7";  RampStartMs(10, 50.0) == 200;
//   StallTracker stalls(500);  stalls.OnLag(now_ms, cursor.LagMs(elapsed_ms));
//
// Thread-safety: pure functions; a StallTracker belongs to one stream.
#pragma once

#include <cstdint>
#include <string>

namespace livesnap::loadgen {

// `pattern` with every "{i}" replaced by `index`; a pattern without "{i}"
// gets the index appended, so names are always distinct.
std::string StreamName(const std::string& pattern, int index);

// When stream `index` (0-based) starts, in ms after the first, at
// `streams_per_s` new streams a second; all at once when it is <= 0.
int64_t RampStartMs(int index, double streams_per_s);

// A stall is an episode during which sending lags real time by more than a
// threshold, whether the socket is not writable (the server does not read)
// or the sender itself is late. Episodes are counted once each, and their
// time is summed.
class StallTracker {
 public:
  explicit StallTracker(int64_t threshold_ms) : threshold_ms_(threshold_ms) {}

  // One observation of the lag at `now_ms` (any monotonic clock).
  void OnLag(int64_t now_ms, int64_t lag_ms);

  int stalls() const { return stalls_; }
  bool stalled() const { return stalled_; }
  // Time spent stalled, up to `now_ms` for an episode still going on.
  int64_t stalled_ms(int64_t now_ms) const {
    return stalled_ms_ + (stalled_ ? now_ms - stall_started_ms_ : 0);
  }
  int64_t max_lag_ms() const { return max_lag_ms_; }

 private:
  const int64_t threshold_ms_;
  int stalls_ = 0;
  bool stalled_ = false;
  int64_t stall_started_ms_ = 0;
  int64_t stalled_ms_ = 0;
  int64_t max_lag_ms_ = 0;
};

}  // namespace livesnap::loadgen
