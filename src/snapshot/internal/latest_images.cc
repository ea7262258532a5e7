#include "snapshot/internal/latest_images.h"

namespace livesnap::snapshot::internal {

void LatestImages::Open(const media::StreamKey& key, uint64_t publish_id) {
  std::lock_guard lock(mu_);
  slots_[key] = Slot{publish_id, std::nullopt};
}

void LatestImages::Update(const media::StreamKey& key, uint64_t publish_id, LatestImage image) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(key);
  if (it == slots_.end() || it->second.publish_id != publish_id) return;
  it->second.image = std::move(image);
}

void LatestImages::Close(const media::StreamKey& key, uint64_t publish_id) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(key);
  if (it != slots_.end() && it->second.publish_id == publish_id) slots_.erase(it);
}

std::optional<LatestImage> LatestImages::Get(const media::StreamKey& key) const {
  std::lock_guard lock(mu_);
  auto it = slots_.find(key);
  if (it == slots_.end()) return std::nullopt;
  return it->second.image;
}

}  // namespace livesnap::snapshot::internal
