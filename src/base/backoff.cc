#include "base/backoff.h"

#include <algorithm>

namespace livesnap {

int64_t BackoffMs(const BackoffPolicy& policy, int failures, double unit_random) {
  const int64_t cap_ms = std::max<int64_t>(policy.max_backoff_ms, 0);
  int64_t full_ms = std::clamp<int64_t>(policy.initial_backoff_ms, 0, cap_ms);
  for (int i = 1; i < failures && full_ms < cap_ms; ++i) full_ms = std::min(full_ms * 2, cap_ms);
  const double fraction = 0.5 + 0.5 * std::clamp(unit_random, 0.0, 1.0);
  return static_cast<int64_t>(static_cast<double>(full_ms) * fraction);
}

}  // namespace livesnap
