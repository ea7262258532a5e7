// File: catalog/internal/sqlite_records.h
//
// The snapshot-record statements of the SQLite catalog beyond adding and
// querying: removing the records of given capture times and counting
// captures per day. SqliteCatalog calls them with its lock held.
//
//   LS_ASSIGN_OR_RETURN(auto removed, SqliteDeleteRecords(db, "a.com", "live", "s", {t1}), "");
//
// Thread-safety: none; the caller serialises every use of `db`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "catalog/catalog.h"
#include "catalog/internal/sqlite_db.h"

namespace livesnap::catalog::internal {

// Catalog::DeleteSnapshotRecords, in one immediate transaction.
absl::StatusOr<std::vector<SnapshotRecord>> SqliteDeleteRecords(
    SqliteDb& db, std::string_view domain, std::string_view app, std::string_view stream,
    const std::vector<int64_t>& capture_ms);

// Catalog::CountSnapshotsByDay.
absl::StatusOr<std::vector<DailySnapshotCount>> SqliteCountByDay(SqliteDb& db,
                                                                 std::string_view domain,
                                                                 int64_t start_ms, int64_t end_ms);

}  // namespace livesnap::catalog::internal
