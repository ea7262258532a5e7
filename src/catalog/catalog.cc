#include "catalog/catalog.h"

#include <string>

#include "catalog/internal/postgres_catalog.h"
#include "catalog/internal/sqlite_catalog.h"

namespace livesnap::catalog {

absl::StatusOr<std::unique_ptr<Catalog>> OpenCatalog(std::string_view url) {
  if (url.empty()) return absl::InvalidArgumentError("catalog URL is empty");
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    // "sqlite:///abs/path.db" keeps the path's leading slash; "sqlite://x.db" is relative.
    return internal::OpenSqliteCatalog(std::string(url.substr(kSqlite.size())));
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return internal::OpenPostgresCatalog(std::string(url));
  }
  if (url.find("://") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "catalog URL \"" + std::string(url.substr(0, url.find("://"))) +
        "://...\": unsupported scheme (want sqlite://, postgres://, postgresql:// or a path)");
  }
  return internal::OpenSqliteCatalog(std::string(url));
}

}  // namespace livesnap::catalog
