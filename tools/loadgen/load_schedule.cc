#include "tools/loadgen/load_schedule.h"

#include <algorithm>
#include <cmath>

namespace livesnap::loadgen {

std::string StreamName(const std::string& pattern, int index) {
  constexpr std::string_view kIndex = "{i}";
  const std::string number = std::to_string(index);
  if (pattern.find(kIndex) == std::string::npos) return pattern + number;
  std::string name;
  for (size_t at = 0;;) {
    const size_t next = pattern.find(kIndex, at);
    name.append(pattern, at, next == std::string::npos ? std::string::npos : next - at);
    if (next == std::string::npos) return name;
    name += number;
    at = next + kIndex.size();
  }
}

int64_t RampStartMs(int index, double streams_per_s) {
  if (streams_per_s <= 0) return 0;
  return static_cast<int64_t>(std::llround(index * 1000.0 / streams_per_s));
}

void StallTracker::OnLag(int64_t now_ms, int64_t lag_ms) {
  max_lag_ms_ = std::max(max_lag_ms_, lag_ms);
  if (lag_ms > threshold_ms_) {
    if (!stalled_) {
      stalled_ = true;
      ++stalls_;
      stall_started_ms_ = now_ms;
    }
  } else if (stalled_) {
    stalled_ = false;
    stalled_ms_ += now_ms - stall_started_ms_;
  }
}

}  // namespace livesnap::loadgen
