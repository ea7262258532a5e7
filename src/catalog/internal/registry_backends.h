// File: catalog/internal/registry_backends.h
//
// The two implementations of catalog/registry.h and what they check alike.
// PostgreSQL runs the registry on a pool of its own whose sessions set
// statement_timeout to kRegistryStatementTimeoutMs, so a lease taken on an
// event loop thread waits for a slow or locked database only that long.
// SQLite opens a connection of its own to the catalog file (WAL lets it run
// beside the catalog's).
//
// Thread-safety: the returned registries are safe to call from any thread.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "catalog/registry.h"

namespace livesnap::catalog::internal {

inline constexpr int kPostgresRegistryConnections = 4;

absl::StatusOr<std::unique_ptr<Registry>> OpenPostgresRegistry(const std::string& url);
absl::StatusOr<std::unique_ptr<Registry>> OpenSqliteRegistry(const std::string& path);

// A lease to acquire: keys and node id non-empty valid text, a lease that
// ends after it starts.
absl::Status CheckLease(const StreamLease& lease);

}  // namespace livesnap::catalog::internal
