#include "storage/internal/curl_handle_pool.h"

namespace livesnap::storage::internal {

absl::StatusOr<CurlHandlePool::Lease> CurlHandlePool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      net::CurlEasy easy = std::move(idle_.back());
      idle_.pop_back();
      // Forgets the previous request's options; keeps the connection cache.
      curl_easy_reset(easy.get());
      return Lease(this, std::move(easy));
    }
  }
  absl::StatusOr<net::CurlEasy> easy = net::NewCurlEasy();
  if (!easy.ok()) return easy.status();
  return Lease(this, *std::move(easy));
}

void CurlHandlePool::Release(net::CurlEasy easy) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(easy));
}

}  // namespace livesnap::storage::internal
