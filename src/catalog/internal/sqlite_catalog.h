// File: catalog/internal/sqlite_catalog.h
//
// The embedded catalog: one SQLite file in WAL mode (synchronous=NORMAL, so a
// commit survives a crash of the process but the last commits may be lost on
// a power failure), opened, created and migrated by OpenSqliteCatalog:
//
//   LS_ASSIGN_OR_RETURN(auto catalog, OpenSqliteCatalog("/var/lib/livesnap/catalog.db"), "");
//
// Several processes may share the file: writes wait for each other up to
// kSqliteBusyTimeoutMs and then fail with Unavailable, and NextSequence is a
// single atomic upsert, so numbers stay unique across them.
//
// Thread-safety: the returned Catalog is safe to call from any thread; one
// connection serves every call, guarded by a mutex.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "catalog/catalog.h"

namespace livesnap::catalog::internal {

inline constexpr int kSqliteBusyTimeoutMs = 5000;

// Opens the catalog file at `path`, creating it and its parent directories
// when absent. ":memory:" gives a private in-memory catalog.
absl::StatusOr<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path);

}  // namespace livesnap::catalog::internal
