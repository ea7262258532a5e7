// File: catalog/internal/catalog_sql.h
//
// The SQL the SQLite and PostgreSQL catalogs share: the column lists of the
// catalog tables, the readers that take a row in their order, and the
// statements both dialects run as they are but for the placeholders. The
// statements are written with PostgreSQL's $N; SqliteSql turns each into
// SQLite's ?N. What a dialect says its own way (collations, casts, array
// parameters, qualified upsert columns) stays in its backend.
//
//   PgExec(conn, sql::kGetDomain, PgParams::Of(name));       // PostgreSQL
//   db.Prepare(SqliteSql(sql::kGetDomain));                  // SQLite
//   Domain domain = ReadDomain(run);  // run: StatementRun or PgRow
//
// Thread-safety: constants and pure functions.
#pragma once

#include <string>
#include <string_view>

#include "catalog/catalog.h"

namespace livesnap::catalog::internal {

// The statement with every $N placeholder written ?N.
std::string SqliteSql(std::string_view postgres_sql);

// "ASC" or "DESC".
std::string_view SqlDirection(SortOrder order);

namespace sql {

// Column lists, in the order of the readers below.
extern const std::string kDomainColumns;
extern const std::string kTemplateColumns;
extern const std::string kRecordColumns;

// Parameters in the order of the columns of domains: name, region,
// created_ms, live_domain_type, callback_req_auth, callback_auth_key.
extern const std::string kInsertDomain;
extern const std::string kDeleteDomain;     // $1 name
extern const std::string kGetDomain;        // $1 name
extern const std::string kSetCallbackAuth;  // $1 name, $2 req_auth, $3 auth_key
extern const std::string kUpsertBucket;     // $1 name, $2 region, $3 endpoint, $4 kind
extern const std::string kGetBucket;        // $1 name
// Parameters in the order of kTemplateColumns.
extern const std::string kInsertTemplate;
// Parameters in the order of kTemplateColumns up to height, then updated_ms.
extern const std::string kUpdateTemplate;
extern const std::string kDeleteTemplate;  // $1 domain, $2 app
extern const std::string kGetTemplate;     // $1 domain, $2 app
// $1 domain, $2 app: the template of the app, else the domain's '*' one.
extern const std::string kResolveTemplate;
extern const std::string kUpsertNotifyConfig;  // $1 domain, $2 url, $3 req_auth, $4 auth_key
extern const std::string kGetNotifyConfig;     // $1 domain
extern const std::string kDeleteNotifyConfig;  // $1 domain
// $1 domain, $2 auth_type, $3 auth_key1, $4 auth_key2, $5 delta_s.
extern const std::string kUpsertPushAuth;
extern const std::string kGetPushAuth;     // $1 domain
extern const std::string kDeletePushAuth;  // $1 domain
// $1 before_ms, $2 limit: the oldest sequence records first.
extern const std::string kPruneSequenceRecords;
// $1 domain, $2 start_ms, $3 end_ms: (day number, captures), an overlay
// record counted only when no sequence record has its capture time.
extern const std::string kCountRecordsByDay;

// The tail of an INSERT into snapshot_records: an overlay record takes the
// place of the one of the same object (the partial unique index of schema
// version 2).
extern const std::string kReplaceOverlay;

// $1 domain, $2 app, $3 stream, $4 start_ms, $5 end_ms, $6 limit.
std::string QueryRecords(SortOrder order);

}  // namespace sql

// Readers of one row selected with the column lists above. Row is a
// StatementRun (SQLite) or a PgRow (PostgreSQL): Text, Int, Int64 and Bool
// of a column index.
template <typename Row>
Domain ReadDomain(const Row& row) {
  return Domain{.name = row.Text(0),
                .region = row.Text(1),
                .created_ms = row.Int64(2),
                .live_domain_type = row.Text(3),
                .callback_auth = {.req_auth = row.Bool(4), .auth_key = row.Text(5)}};
}

// Columns name, region, endpoint, kind.
template <typename Row>
Bucket ReadBucket(const Row& row) {
  return Bucket{
      .name = row.Text(0), .region = row.Text(1), .endpoint = row.Text(2), .kind = row.Text(3)};
}

template <typename Row>
SnapshotTemplate ReadTemplate(const Row& row) {
  return SnapshotTemplate{.domain = row.Text(0),
                          .app = row.Text(1),
                          .interval_s = row.Int(2),
                          .endpoint = row.Text(3),
                          .bucket = row.Text(4),
                          .overwrite_pattern = row.Text(5),
                          .sequence_pattern = row.Text(6),
                          .callback = row.Text(7),
                          .width = row.Int(8),
                          .height = row.Int(9),
                          .created_ms = row.Int64(10),
                          .updated_ms = row.Int64(11)};
}

// Columns domain, notify_url, req_auth, auth_key.
template <typename Row>
NotifyConfig ReadNotifyConfig(const Row& row) {
  return NotifyConfig{.domain = row.Text(0),
                      .notify_url = row.Text(1),
                      .req_auth = row.Bool(2),
                      .auth_key = row.Text(3)};
}

// Columns domain, auth_type, auth_key1, auth_key2, delta_s.
template <typename Row>
PushAuth ReadPushAuth(const Row& row) {
  return PushAuth{.domain = row.Text(0),
                  .auth_type = row.Text(1),
                  .auth_key1 = row.Text(2),
                  .auth_key2 = row.Text(3),
                  .delta_s = row.Int64(4)};
}

template <typename Row>
SnapshotRecord ReadRecord(const Row& row) {
  return SnapshotRecord{.domain = row.Text(0),
                        .app = row.Text(1),
                        .stream = row.Text(2),
                        .endpoint = row.Text(3),
                        .bucket = row.Text(4),
                        .object_key = row.Text(5),
                        .overlay = row.Bool(6),
                        .sequence = row.Int64(7),
                        .capture_ms = row.Int64(8),
                        .size_bytes = row.Int64(9),
                        .width = row.Int(10),
                        .height = row.Int(11)};
}

}  // namespace livesnap::catalog::internal
