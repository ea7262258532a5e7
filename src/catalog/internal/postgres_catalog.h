// File: catalog/internal/postgres_catalog.h
//
// The catalog several livesnap nodes share: a PostgreSQL database named by a
// libpq URL (postgres://user:password@host:port/db?sslmode=...), migrated at
// open under an advisory lock.
//
//   LS_ASSIGN_OR_RETURN(auto catalog, OpenPostgresCatalog("postgres://db.internal/livesnap"), "");
//
// Calls run on a pool of up to kPostgresMaxConnections connections, every
// value passed as a statement parameter. AddSnapshotRecord has a pool of its
// own (kPostgresHistoryConnections) with synchronous_commit off: records are
// history, and a server crash may lose the last fraction of a second of them;
// everything else, NextSequence above all, waits for the WAL flush. A connection that breaks is
// dropped; while the server is unreachable calls fail with Unavailable, and they work again once it
// is back, without reopening the catalog. NextSequence is one atomic upsert, committed
// (synchronous_commit as the server sets it) before the number is returned, so numbers are unique
// across nodes and restarts.
//
// Thread-safety: the returned Catalog is safe to call from any thread.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "catalog/catalog.h"

namespace livesnap::catalog::internal {

inline constexpr int kPostgresMaxConnections = 8;
inline constexpr int kPostgresHistoryConnections = 4;

absl::StatusOr<std::unique_ptr<Catalog>> OpenPostgresCatalog(const std::string& url);

}  // namespace livesnap::catalog::internal
