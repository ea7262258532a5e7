// File: catalog/internal/postgres_records.h
//
// The snapshot-record statements of the PostgreSQL catalog beyond adding and
// querying: removing the records of given capture times and counting
// captures per day, each one statement on a connection of the caller's.
//
//   LS_ASSIGN_OR_RETURN(auto removed, PgDeleteRecords(conn, "a.com", "live", "s", {t1}), "");
//
// Thread-safety: a connection is used by one thread at a time (libpq's rule).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "catalog/catalog.h"

namespace livesnap::catalog::internal {

// Catalog::DeleteSnapshotRecords: one DELETE, atomic by itself.
absl::StatusOr<std::vector<SnapshotRecord>> PgDeleteRecords(PGconn* conn, std::string_view domain,
                                                            std::string_view app,
                                                            std::string_view stream,
                                                            const std::vector<int64_t>& capture_ms);

// Catalog::CountSnapshotsByDay.
absl::StatusOr<std::vector<DailySnapshotCount>> PgCountByDay(PGconn* conn, std::string_view domain,
                                                             int64_t start_ms, int64_t end_ms);

}  // namespace livesnap::catalog::internal
