// File: base/log_limiter.h
//
// Keeps a flood of clients, or of one repeated failure, from flooding the log: at most
// `lines_per_minute` lines per reason in each minute; the first line after a quiet spell says how
// many were left out.
//
//   uint64_t dropped = 0;
//   if (limiter.Allow("max_connections_per_ip", dropped)) spdlog::warn("... ({} not logged)",
//   dropped);
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace livesnap {

class LogLimiter {
 public:
  explicit LogLimiter(const Clock& clock, int lines_per_minute = 10)
      : clock_(clock), lines_per_minute_(lines_per_minute) {}

  // True when a line for `reason` may be written; `dropped` is then the
  // number of lines for it left out since the last one written.
  bool Allow(std::string_view reason, uint64_t& dropped);

 private:
  struct Window {
    int64_t started_ms = 0;
    int lines = 0;
    uint64_t dropped = 0;
  };
  const Clock& clock_;
  const int lines_per_minute_;
  std::mutex mu_;
  std::map<std::string, Window, std::less<>> windows_;  // guarded by mu_; one per reason
};

}  // namespace livesnap
