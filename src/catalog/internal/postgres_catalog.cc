#include "catalog/internal/postgres_catalog.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "base/status.h"
#include "catalog/internal/catalog_sql.h"
#include "catalog/internal/contract.h"
#include "catalog/internal/pg_conn.h"
#include "catalog/internal/pg_pool.h"
#include "catalog/internal/postgres_records.h"
#include "catalog/internal/postgres_schema.h"

namespace livesnap::catalog::internal {
namespace {

std::string Key(std::string_view domain, std::string_view app) {
  return std::string(domain) + "/" + std::string(app);
}

class PostgresCatalog final : public Catalog {
 public:
  explicit PostgresCatalog(const std::string& url)
      : pool_(url, kPostgresMaxConnections),
        history_pool_(url, kPostgresHistoryConnections, "SET synchronous_commit TO off") {}

  absl::Status AddDomain(const Domain& domain) override {
    LS_RETURN_IF_ERROR(CheckDomain(domain), "add domain");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "add domain");
    absl::Status status =
        PgExec(conn.get(), sql::kInsertDomain,
               PgParams::Of(domain.name, domain.region, domain.created_ms, domain.live_domain_type,
                            domain.callback_auth.req_auth, domain.callback_auth.auth_key))
            .status();
    if (absl::IsAlreadyExists(status)) return DomainExists(domain.name);
    return Annotate(status, "add domain " + domain.name);
  }

  absl::Status DeleteDomain(std::string_view name) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", name), "delete domain");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "delete domain");
    LS_ASSIGN_OR_RETURN(PgResult result, PgExec(conn.get(), sql::kDeleteDomain, PgParams::Of(name)),
                        "delete domain " + std::string(name));
    if (PgAffectedRows(result.get()) == 0) return DomainNotFound(name);
    return absl::OkStatus();
  }

  absl::StatusOr<Domain> GetDomain(std::string_view name) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", name), "get domain");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "get domain");
    LS_ASSIGN_OR_RETURN(PgResult result, PgExec(conn.get(), sql::kGetDomain, PgParams::Of(name)),
                        "get domain " + std::string(name));
    if (PQntuples(result.get()) == 0) return DomainNotFound(name);
    return ReadDomain(PgRow{result.get(), 0});
  }

  absl::StatusOr<std::vector<Domain>> ListDomains() override {
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "list domains");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), "SELECT " + sql::kDomainColumns +
                                               " FROM domains ORDER BY name COLLATE \"C\""),
                        "list domains");
    std::vector<Domain> domains;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      domains.push_back(ReadDomain(PgRow{result.get(), row}));
    }
    return domains;
  }

  absl::Status SetCallbackAuth(std::string_view domain, const CallbackAuth& auth) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "set callback auth");
    LS_RETURN_IF_ERROR(CheckCallbackAuth(auth), "set callback auth");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "set callback auth");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), sql::kSetCallbackAuth,
                               PgParams::Of(domain, auth.req_auth, auth.auth_key)),
                        "set callback auth of " + std::string(domain));
    if (PgAffectedRows(result.get()) == 0) return DomainNotFound(domain);
    return absl::OkStatus();
  }

  absl::Status UpsertBucket(const Bucket& bucket) override {
    LS_RETURN_IF_ERROR(CheckBucket(bucket), "upsert bucket");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "upsert bucket");
    return Annotate(PgExec(conn.get(), sql::kUpsertBucket,
                           PgParams::Of(bucket.name, bucket.region, bucket.endpoint, bucket.kind))
                        .status(),
                    "upsert bucket " + bucket.name);
  }

  absl::StatusOr<Bucket> GetBucket(std::string_view name) override {
    LS_RETURN_IF_ERROR(CheckKey("bucket name", name), "get bucket");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "get bucket");
    LS_ASSIGN_OR_RETURN(PgResult result, PgExec(conn.get(), sql::kGetBucket, PgParams::Of(name)),
                        "get bucket " + std::string(name));
    if (PQntuples(result.get()) == 0) return BucketNotFound(name);
    return ReadBucket(PgRow{result.get(), 0});
  }

  absl::StatusOr<std::vector<Bucket>> ListBuckets() override {
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "list buckets");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(),
                               "SELECT name, region, endpoint, kind FROM buckets"
                               " ORDER BY name COLLATE \"C\""),
                        "list buckets");
    std::vector<Bucket> buckets;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      buckets.push_back(ReadBucket(PgRow{result.get(), row}));
    }
    return buckets;
  }

  absl::Status AddTemplate(const SnapshotTemplate& t) override {
    LS_RETURN_IF_ERROR(CheckTemplate(t), "add template");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "add template");
    absl::Status status = PgExec(conn.get(), sql::kInsertTemplate,
                                 PgParams::Of(t.domain, t.app, t.interval_s, t.endpoint, t.bucket,
                                              t.overwrite_pattern, t.sequence_pattern, t.callback,
                                              t.width, t.height, t.created_ms, t.updated_ms))
                              .status();
    if (absl::IsAlreadyExists(status)) return TemplateExists(t.domain, t.app);
    if (absl::IsFailedPrecondition(status)) {
      LS_ASSIGN_OR_RETURN(
          PgResult domain,
          PgExec(conn.get(), "SELECT 1 FROM domains WHERE name = $1", PgParams::Of(t.domain)),
          "add template: look up domain");
      return PQntuples(domain.get()) > 0 ? MissingBucket(t.bucket) : MissingDomain(t.domain);
    }
    return Annotate(status, "add template " + Key(t.domain, t.app));
  }

  absl::Status UpdateTemplate(const SnapshotTemplate& t) override {
    LS_RETURN_IF_ERROR(CheckTemplate(t), "update template");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "update template");
    absl::StatusOr<PgResult> result = PgExec(
        conn.get(), sql::kUpdateTemplate,
        PgParams::Of(t.domain, t.app, t.interval_s, t.endpoint, t.bucket, t.overwrite_pattern,
                     t.sequence_pattern, t.callback, t.width, t.height, t.updated_ms));
    if (absl::IsFailedPrecondition(result.status())) return MissingBucket(t.bucket);
    LS_RETURN_IF_ERROR(result.status(), "update template " + Key(t.domain, t.app));
    if (PgAffectedRows(result->get()) == 0) return TemplateNotFound(t.domain, t.app);
    return absl::OkStatus();
  }

  absl::Status DeleteTemplate(std::string_view domain, std::string_view app) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "delete template");
    LS_RETURN_IF_ERROR(CheckKey("AppName", app), "delete template");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "delete template");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), sql::kDeleteTemplate, PgParams::Of(domain, app)),
                        "delete template " + Key(domain, app));
    if (PgAffectedRows(result.get()) == 0) return TemplateNotFound(domain, app);
    return absl::OkStatus();
  }

  absl::StatusOr<SnapshotTemplate> GetTemplate(std::string_view domain,
                                               std::string_view app) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "get template");
    LS_RETURN_IF_ERROR(CheckKey("AppName", app), "get template");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "get template");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), sql::kGetTemplate, PgParams::Of(domain, app)),
                        "get template " + Key(domain, app));
    if (PQntuples(result.get()) == 0) return TemplateNotFound(domain, app);
    return ReadTemplate(PgRow{result.get(), 0});
  }

  absl::StatusOr<TemplatePage> ListTemplates(const TemplateQuery& query) override {
    LS_RETURN_IF_ERROR(CheckTemplateQuery(query), "list templates");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "list templates");
    // One snapshot for both statements, so the total and the page agree.
    LS_ASSIGN_OR_RETURN(
        PgTransaction transaction,
        PgTransaction::Begin(conn.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
        "list templates");
    TemplatePage page;
    LS_ASSIGN_OR_RETURN(PgResult count,
                        PgExec(conn.get(),
                               "SELECT COUNT(*) FROM templates"
                               " WHERE domain = $1 AND ($2::text IS NULL OR app = $2)",
                               PgParams::Of(query.domain, query.app)),
                        "count templates");
    page.total = PgInt64(count.get(), 0, 0);
    const std::string direction(SqlDirection(query.order));
    LS_ASSIGN_OR_RETURN(
        PgResult list,
        PgExec(conn.get(),
               "SELECT " + sql::kTemplateColumns +
                   " FROM templates WHERE domain = $1 AND ($2::text IS NULL OR app = $2)"
                   " ORDER BY created_ms " +
                   direction + ", app COLLATE \"C\" " + direction + " LIMIT $3 OFFSET $4",
               PgParams::Of(query.domain, query.app, query.limit, query.offset)),
        "list templates");
    for (int row = 0; row < PQntuples(list.get()); ++row) {
      page.items.push_back(ReadTemplate(PgRow{list.get(), row}));
    }
    LS_RETURN_IF_ERROR(transaction.Commit(), "list templates");
    return page;
  }

  absl::StatusOr<std::optional<SnapshotTemplate>> ResolveTemplate(std::string_view domain,
                                                                  std::string_view app) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "resolve template");
    LS_RETURN_IF_ERROR(CheckKey("AppName", app), "resolve template");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "resolve template");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), sql::kResolveTemplate, PgParams::Of(domain, app)),
                        "resolve template " + Key(domain, app));
    if (PQntuples(result.get()) == 0) return std::nullopt;
    return ReadTemplate(PgRow{result.get(), 0});
  }

  absl::Status SetNotifyConfig(const NotifyConfig& config) override {
    LS_RETURN_IF_ERROR(CheckNotifyConfig(config), "set notify config");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "set notify config");
    absl::Status status =
        PgExec(conn.get(), sql::kUpsertNotifyConfig,
               PgParams::Of(config.domain, config.notify_url, config.req_auth, config.auth_key))
            .status();
    if (absl::IsFailedPrecondition(status)) return MissingDomain(config.domain);
    return Annotate(status, "set notify config of " + config.domain);
  }

  absl::StatusOr<NotifyConfig> GetNotifyConfig(std::string_view domain) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "get notify config");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "get notify config");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), sql::kGetNotifyConfig, PgParams::Of(domain)),
                        "get notify config of " + std::string(domain));
    if (PQntuples(result.get()) == 0) return NotifyConfigNotFound(domain);
    return ReadNotifyConfig(PgRow{result.get(), 0});
  }

  absl::Status DeleteNotifyConfig(std::string_view domain) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "delete notify config");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "delete notify config");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), sql::kDeleteNotifyConfig, PgParams::Of(domain)),
                        "delete notify config of " + std::string(domain));
    if (PgAffectedRows(result.get()) == 0) return NotifyConfigNotFound(domain);
    return absl::OkStatus();
  }

  absl::Status SetPushAuth(const PushAuth& auth) override {
    LS_RETURN_IF_ERROR(CheckPushAuth(auth), "set push auth");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "set push auth");
    absl::Status status = PgExec(conn.get(), sql::kUpsertPushAuth,
                                 PgParams::Of(auth.domain, auth.auth_type, auth.auth_key1,
                                              auth.auth_key2, auth.delta_s))
                              .status();
    if (absl::IsFailedPrecondition(status)) return MissingDomain(auth.domain);
    return Annotate(status, "set push auth of " + auth.domain);
  }

  absl::StatusOr<PushAuth> GetPushAuth(std::string_view domain) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "get push auth");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "get push auth");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), sql::kGetPushAuth, PgParams::Of(domain)),
                        "get push auth of " + std::string(domain));
    if (PQntuples(result.get()) == 0) return PushAuthNotFound(domain);
    return ReadPushAuth(PgRow{result.get(), 0});
  }

  absl::Status DeletePushAuth(std::string_view domain) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "delete push auth");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "delete push auth");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), sql::kDeletePushAuth, PgParams::Of(domain)),
                        "delete push auth of " + std::string(domain));
    if (PgAffectedRows(result.get()) == 0) return PushAuthNotFound(domain);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<PushAuth>> ListPushAuths() override {
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "list push auth");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(),
                               "SELECT domain, auth_type, auth_key1, auth_key2, delta_s"
                               " FROM push_auth ORDER BY domain COLLATE \"C\""),
                        "list push auth");
    std::vector<PushAuth> auths;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      auths.push_back(ReadPushAuth(PgRow{result.get(), row}));
    }
    return auths;
  }

  absl::StatusOr<int64_t> NextSequence(std::string_view domain, std::string_view app,
                                       std::string_view stream) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "next sequence");
    LS_RETURN_IF_ERROR(CheckKey("AppName", app), "next sequence");
    LS_RETURN_IF_ERROR(CheckKey("stream name", stream), "next sequence");
    const std::string context = "next sequence of " + Key(Key(domain, app), stream);
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), context);
    // The row lock ON CONFLICT takes serialises callers of one stream on every
    // node; the autocommit returns only once the increment is committed.
    LS_ASSIGN_OR_RETURN(
        PgResult result,
        PgExec(conn.get(),
               "INSERT INTO stream_sequences (domain, app, stream, next_value)"
               " VALUES ($1, $2, $3, 1) ON CONFLICT (domain, app, stream) DO UPDATE"
               " SET next_value = stream_sequences.next_value + 1 RETURNING next_value - 1",
               PgParams::Of(domain, app, stream)),
        context);
    if (PQntuples(result.get()) != 1) {
      return absl::InternalError(context + ": the upsert returned no row");
    }
    return PgInt64(result.get(), 0, 0);
  }

  absl::Status AddSnapshotRecord(const SnapshotRecord& r) override {
    LS_RETURN_IF_ERROR(CheckRecord(r), "add snapshot record");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, history_pool_.Acquire(), "add snapshot record");
    return Annotate(
        PgExec(conn.get(),
               // A sequence record identical to one already there is a retry
               // whose first write went through: not added again.
               "INSERT INTO snapshot_records (" + sql::kRecordColumns +
                   ") SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text,"
                   " $7::boolean, $8::bigint, $9::bigint, $10::bigint, $11::integer,"
                   " $12::integer WHERE $7::boolean OR NOT EXISTS (SELECT 1 FROM"
                   " snapshot_records WHERE domain = $1::text AND app = $2::text"
                   " AND stream = $3::text AND capture_ms = $9::bigint AND NOT overlay"
                   " AND sequence = $8::bigint AND bucket = $5::text"
                   " AND object_key = $6::text)" +
                   sql::kReplaceOverlay,
               PgParams::Of(r.domain, r.app, r.stream, r.endpoint, r.bucket, r.object_key,
                            r.overlay, r.sequence, r.capture_ms, r.size_bytes, r.width, r.height))
            .status(),
        "add snapshot record " + r.object_key);
  }

  absl::StatusOr<int64_t> PruneSequenceRecords(int64_t before_ms, int64_t limit) override {
    LS_RETURN_IF_ERROR(CheckPruneLimit(limit), "prune sequence records");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, history_pool_.Acquire(), "prune sequence records");
    LS_ASSIGN_OR_RETURN(
        PgResult result,
        PgExec(conn.get(), sql::kPruneSequenceRecords, PgParams::Of(before_ms, limit)),
        "prune sequence records");
    return PgAffectedRows(result.get());
  }

  absl::StatusOr<std::vector<SnapshotRecord>> QuerySnapshotRecords(
      const RecordQuery& query) override {
    LS_RETURN_IF_ERROR(CheckRecordQuery(query), "query snapshot records");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "query snapshot records");
    LS_ASSIGN_OR_RETURN(PgResult result,
                        PgExec(conn.get(), sql::QueryRecords(query.order),
                               PgParams::Of(query.domain, query.app, query.stream, query.start_ms,
                                            query.end_ms, query.limit)),
                        "query snapshot records");
    std::vector<SnapshotRecord> records;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      records.push_back(ReadRecord(PgRow{result.get(), row}));
    }
    return records;
  }

  absl::StatusOr<std::vector<SnapshotRecord>> DeleteSnapshotRecords(
      std::string_view domain, std::string_view app, std::string_view stream,
      const std::vector<int64_t>& capture_ms) override {
    LS_RETURN_IF_ERROR(CheckRecordDelete(domain, app, stream, capture_ms),
                       "delete snapshot records");
    const std::string context = "delete snapshot records of " + Key(Key(domain, app), stream);
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), context);
    LS_ASSIGN_OR_RETURN(std::vector<SnapshotRecord> removed,
                        PgDeleteRecords(conn.get(), domain, app, stream, capture_ms), context);
    return removed;
  }

  absl::StatusOr<std::vector<DailySnapshotCount>> CountSnapshotsByDay(std::string_view domain,
                                                                      int64_t start_ms,
                                                                      int64_t end_ms) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "count snapshots");
    const std::string context = "count snapshots of " + std::string(domain);
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), context);
    LS_ASSIGN_OR_RETURN(std::vector<DailySnapshotCount> days,
                        PgCountByDay(conn.get(), domain, start_ms, end_ms), context);
    return days;
  }

  PgPool& pool() { return pool_; }

 private:
  PgPool pool_;
  // Snapshot records commit without waiting for the WAL flush: a server
  // crash may lose the last fraction of a second of history, which is worth
  // one fsync instead of three per snapshot. Sequence numbers never go here.
  PgPool history_pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Catalog>> OpenPostgresCatalog(const std::string& url) {
  auto catalog = std::make_unique<PostgresCatalog>(url);
  int version = 0;
  std::string where;
  {
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, catalog->pool().Acquire(), "PostgreSQL catalog");
    LS_ASSIGN_OR_RETURN(version, MigratePostgres(conn.get(), PostgresMigrations()),
                        "PostgreSQL catalog");
    where = std::string(PQhost(conn.get())) + ":" + PQport(conn.get()) + "/" + PQdb(conn.get());
  }
  spdlog::info("catalog: PostgreSQL {} (schema version {})", where, version);
  return catalog;
}

}  // namespace livesnap::catalog::internal
