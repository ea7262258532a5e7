#include "storage/internal/curl_handles.h"

namespace livesnap::storage::internal {

absl::StatusOr<CurlHandlePool::Lease> CurlHandlePool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      CurlEasy easy = std::move(idle_.back());
      idle_.pop_back();
      // Forgets the previous request's options; keeps the connection cache.
      curl_easy_reset(easy.get());
      return Lease(this, std::move(easy));
    }
  }
  CurlEasy easy(curl_easy_init());
  if (easy == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
  return Lease(this, std::move(easy));
}

void CurlHandlePool::Release(CurlEasy easy) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(easy));
}

}  // namespace livesnap::storage::internal
