#include "catalog/registry.h"

#include <string>

#include "base/status.h"
#include "catalog/internal/contract.h"
#include "catalog/internal/registry_backends.h"

namespace livesnap::catalog {

std::string StreamKeyText(std::string_view domain, std::string_view app, std::string_view stream) {
  std::string key;
  key.reserve(domain.size() + app.size() + stream.size() + 2);
  key.append(domain).append("/").append(app).append("/").append(stream);
  return key;
}

absl::StatusOr<std::unique_ptr<Registry>> OpenRegistry(std::string_view url) {
  if (url.empty()) return absl::InvalidArgumentError("catalog URL is empty");
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    return internal::OpenSqliteRegistry(std::string(url.substr(kSqlite.size())));
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return internal::OpenPostgresRegistry(std::string(url));
  }
  if (url.find("://") != std::string_view::npos) {
    return absl::InvalidArgumentError("catalog URL \"" +
                                      std::string(url.substr(0, url.find("://"))) +
                                      "://...\": unsupported scheme for the cluster registry");
  }
  return internal::OpenSqliteRegistry(std::string(url));
}

namespace internal {

absl::Status CheckLease(const StreamLease& lease) {
  LS_RETURN_IF_ERROR(CheckKey("domain name", lease.domain), "");
  LS_RETURN_IF_ERROR(CheckKey("AppName", lease.app), "");
  LS_RETURN_IF_ERROR(CheckKey("stream name", lease.stream), "");
  LS_RETURN_IF_ERROR(CheckKey("node id", lease.node_id), "");
  if (lease.lease_until_ms <= lease.started_ms) {
    return absl::InvalidArgumentError("a lease must end after it starts");
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace livesnap::catalog
