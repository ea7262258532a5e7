#include "catalog/internal/postgres_records.h"

#include <algorithm>

#include "base/status.h"
#include "catalog/internal/catalog_sql.h"
#include "catalog/internal/pg_conn.h"

namespace livesnap::catalog::internal {

absl::StatusOr<std::vector<SnapshotRecord>> PgDeleteRecords(
    PGconn* conn, std::string_view domain, std::string_view app, std::string_view stream,
    const std::vector<int64_t>& capture_ms) {
  // An array literal of integers only: nothing of the caller's text is in it.
  std::string times = "{";
  for (const int64_t time : capture_ms) {
    if (times.size() > 1) times += ',';
    times += std::to_string(time);
  }
  times += '}';
  LS_ASSIGN_OR_RETURN(PgResult result,
                      PgExec(conn,
                             "DELETE FROM snapshot_records WHERE domain = $1 AND app = $2"
                             " AND stream = $3 AND capture_ms = ANY($4::bigint[]) RETURNING " +
                                 sql::kRecordColumns,
                             PgParams::Of(domain, app, stream, times)),
                      "");
  std::vector<SnapshotRecord> removed;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    removed.push_back(ReadRecord(PgRow{result.get(), row}));
  }
  // RETURNING gives rows in no defined order.
  std::stable_sort(
      removed.begin(), removed.end(),
      [](const SnapshotRecord& a, const SnapshotRecord& b) { return a.capture_ms < b.capture_ms; });
  return removed;
}

absl::StatusOr<std::vector<DailySnapshotCount>> PgCountByDay(PGconn* conn, std::string_view domain,
                                                             int64_t start_ms, int64_t end_ms) {
  LS_ASSIGN_OR_RETURN(PgResult result,
                      PgExec(conn, sql::kCountRecordsByDay, PgParams::Of(domain, start_ms, end_ms)),
                      "");
  std::vector<DailySnapshotCount> days;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    days.push_back({.day_start_ms = PgInt64(result.get(), row, 0) * 86'400'000,
                    .count = PgInt64(result.get(), row, 1)});
  }
  return days;
}

}  // namespace livesnap::catalog::internal
