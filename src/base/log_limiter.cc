#include "base/log_limiter.h"

namespace livesnap {

bool LogLimiter::Allow(std::string_view reason, uint64_t& dropped) {
  const int64_t now_ms = clock_.MonotonicMs();
  std::lock_guard lock(mu_);
  auto it = windows_.find(reason);
  if (it == windows_.end()) {
    it = windows_.emplace(std::string(reason), Window{now_ms, 0, 0}).first;
  }
  Window& w = it->second;
  if (now_ms - w.started_ms >= 60'000) {
    w.started_ms = now_ms;
    w.lines = 0;
  }
  if (w.lines >= lines_per_minute_) {
    ++w.dropped;
    return false;
  }
  ++w.lines;
  dropped = w.dropped;
  w.dropped = 0;
  return true;
}

}  // namespace livesnap
