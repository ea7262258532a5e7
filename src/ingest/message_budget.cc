#include "ingest/message_budget.h"

namespace livesnap::ingest {

bool MessageBudget::TryTake(uint64_t bytes, uint64_t held_bytes) {
  const bool small_holder = held_bytes + bytes < limit_bytes_ / 64;
  const uint64_t ceiling = small_holder ? limit_bytes_ : limit_bytes_ - limit_bytes_ / 8;
  uint64_t used = used_bytes_.load(std::memory_order_relaxed);
  do {
    if (bytes > ceiling || used > ceiling - bytes) return false;
  } while (!used_bytes_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

void MessageBudget::Give(uint64_t bytes) {
  used_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
}

}  // namespace livesnap::ingest
