#include "api/internal/record_paging.h"

#include <algorithm>

#include "base/status.h"

namespace livesnap::api::internal {

namespace {

bool Ascending(const catalog::RecordQuery& query) {
  return query.order == catalog::SortOrder::kAscending;
}

// What a page says of the next record, in second `second`.
int64_t NextMark(const catalog::RecordQuery& query, int64_t second) {
  return Ascending(query) ? second : second + 1000;
}

// Every record of `second` within the query's range, as a page of its own,
// and where the records after it start.
absl::StatusOr<RecordPage> WholeSecond(catalog::Catalog& catalog, const catalog::RecordQuery& query,
                                       int64_t second) {
  RecordPage page;
  catalog::RecordQuery group = query;
  group.start_ms = std::max(query.start_ms, second);
  group.end_ms = std::min(query.end_ms, second + 1000);
  group.limit = kMaxRecordsPerSecond;
  LS_ASSIGN_OR_RETURN(page.records, catalog.QuerySnapshotRecords(group), "records of one second");
  catalog::RecordQuery rest = query;
  if (Ascending(query)) {
    rest.start_ms = second + 1000;
  } else {
    rest.end_ms = second;
  }
  rest.limit = 1;
  if (rest.start_ms >= rest.end_ms) return page;
  LS_ASSIGN_OR_RETURN(std::vector<catalog::SnapshotRecord> after,
                      catalog.QuerySnapshotRecords(rest), "the record after one second");
  if (!after.empty()) page.next_ms = NextMark(query, SecondOf(after.front().capture_ms));
  return page;
}

}  // namespace

int64_t SecondOf(int64_t unix_ms) {
  const int64_t within = ((unix_ms % 1000) + 1000) % 1000;
  return unix_ms - within;
}

absl::StatusOr<RecordPage> ReadRecordPage(catalog::Catalog& catalog,
                                          const catalog::RecordQuery& query) {
  catalog::RecordQuery probe = query;
  probe.limit = query.limit + 1;  // one more tells whether there is a next page
  LS_ASSIGN_OR_RETURN(std::vector<catalog::SnapshotRecord> records,
                      catalog.QuerySnapshotRecords(probe), "");
  RecordPage page;
  if (static_cast<int64_t>(records.size()) <= query.limit) {
    page.records = std::move(records);
    return page;
  }
  const int64_t next_second = SecondOf(records[query.limit].capture_ms);
  size_t keep = static_cast<size_t>(query.limit);
  while (keep > 0 && SecondOf(records[keep - 1].capture_ms) == next_second) --keep;
  if (keep == 0) return WholeSecond(catalog, query, next_second);
  records.resize(keep);
  page.records = std::move(records);
  page.next_ms = NextMark(query, next_second);
  return page;
}

}  // namespace livesnap::api::internal
