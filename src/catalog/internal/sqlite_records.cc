#include "catalog/internal/sqlite_records.h"

#include <algorithm>

#include "base/status.h"
#include "catalog/internal/catalog_sql.h"

namespace livesnap::catalog::internal {

absl::StatusOr<std::vector<SnapshotRecord>> SqliteDeleteRecords(
    SqliteDb& db, std::string_view domain, std::string_view app, std::string_view stream,
    const std::vector<int64_t>& capture_ms) {
  LS_ASSIGN_OR_RETURN(Statement remove,
                      db.Prepare("DELETE FROM snapshot_records WHERE domain = ?1 AND app = ?2"
                                 " AND stream = ?3 AND capture_ms = ?4 RETURNING " +
                                 sql::kRecordColumns),
                      "");
  LS_ASSIGN_OR_RETURN(SqliteTransaction transaction,
                      SqliteTransaction::Begin(db, SqliteTransaction::Mode::kImmediate), "");
  std::vector<SnapshotRecord> removed;
  for (const int64_t time : capture_ms) {
    StatementRun run(remove);
    LS_RETURN_IF_ERROR(run.Bind(domain, app, stream, time), "");
    while (true) {
      LS_ASSIGN_OR_RETURN(bool row, run.Step(), "capture " + std::to_string(time));
      if (!row) break;
      removed.push_back(ReadRecord(run));
    }
  }
  LS_RETURN_IF_ERROR(transaction.Commit(), "");
  // RETURNING gives rows in no defined order.
  std::stable_sort(
      removed.begin(), removed.end(),
      [](const SnapshotRecord& a, const SnapshotRecord& b) { return a.capture_ms < b.capture_ms; });
  return removed;
}

absl::StatusOr<std::vector<DailySnapshotCount>> SqliteCountByDay(SqliteDb& db,
                                                                 std::string_view domain,
                                                                 int64_t start_ms, int64_t end_ms) {
  LS_ASSIGN_OR_RETURN(Statement count, db.Prepare(SqliteSql(sql::kCountRecordsByDay)), "");
  StatementRun run(count);
  LS_RETURN_IF_ERROR(run.Bind(domain, start_ms, end_ms), "");
  std::vector<DailySnapshotCount> days;
  while (true) {
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), "");
    if (!row) return days;
    days.push_back({.day_start_ms = run.Int64(0) * 86'400'000, .count = run.Int64(1)});
  }
}

}  // namespace livesnap::catalog::internal
