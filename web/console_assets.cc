#include "web/console_assets.h"

#include <algorithm>
#include <vector>

#include "web/console_assets_data.h"

namespace livesnap::console {

namespace {

const std::vector<ConsoleAsset>& Assets() {
  static const auto* assets = [] {
    auto* list = new std::vector<ConsoleAsset>;
    for (const internal::EmbeddedAsset& asset : internal::EmbeddedAssets()) {
      list->push_back(ConsoleAsset{
          asset.path, std::string_view(reinterpret_cast<const char*>(asset.data), asset.size_bytes),
          asset.mime_type, asset.etag});
    }
    std::sort(list->begin(), list->end(),
              [](const ConsoleAsset& a, const ConsoleAsset& b) { return a.path < b.path; });
    return list;
  }();
  return *assets;
}

}  // namespace

std::optional<ConsoleAsset> FindConsoleAsset(std::string_view path) {
  const std::vector<ConsoleAsset>& assets = Assets();
  const auto it = std::lower_bound(
      assets.begin(), assets.end(), path,
      [](const ConsoleAsset& asset, std::string_view wanted) { return asset.path < wanted; });
  if (it == assets.end() || it->path != path) return std::nullopt;
  return *it;
}

std::span<const ConsoleAsset> AllConsoleAssets() { return Assets(); }

}  // namespace livesnap::console
