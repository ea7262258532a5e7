// File: api/internal/record_paging.h
//
// One page of a stream's snapshot records for DescribeLiveStreamSnapshotInfo.
// NextStartTime has whole seconds (yyyy-MM-ddTHH:mm:ssZ, as Alibaba's), but
// records are milliseconds apart and several may share a second (the
// overwrite and sequence records of one capture, or a stream pushed faster
// than real time). So a page ends at a second's boundary: it leaves out the
// records of the second the next record falls in, which the next page then
// starts with; and when every record of the page is of that one second, the
// page holds the whole second, more than Limit. Paging on therefore neither
// repeats nor skips a record.
//
//   LS_ASSIGN_OR_RETURN(RecordPage page, ReadRecordPage(catalog, query), "");
//
// Thread-safety: reentrant; the catalog is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "catalog/catalog.h"

namespace livesnap::api::internal {

// The most records one second of one stream yields in a page (captures are
// milliseconds of work each, so a stream never reaches it).
inline constexpr int64_t kMaxRecordsPerSecond = 10'000;

struct RecordPage {
  std::vector<catalog::SnapshotRecord> records;
  // A whole second (Unix ms) when more records follow, else nullopt.
  // Ascending: the second of the next record, the next call's StartTime.
  // Descending: the end of that second, the next call's EndTime.
  std::optional<int64_t> next_ms;
};

// The first page of `query` (query.limit >= 1 is the page size).
absl::StatusOr<RecordPage> ReadRecordPage(catalog::Catalog& catalog,
                                          const catalog::RecordQuery& query);

// The start of the second `unix_ms` falls in.
int64_t SecondOf(int64_t unix_ms);

}  // namespace livesnap::api::internal
