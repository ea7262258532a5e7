#include "catalog/internal/sqlite_catalog.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>

#include "base/status.h"
#include "catalog/internal/contract.h"
#include "catalog/internal/sqlite_db.h"
#include "catalog/internal/sqlite_records.h"
#include "catalog/internal/sqlite_schema.h"

namespace livesnap::catalog::internal {
namespace {

const std::string kDomainColumns =
    "name, region, created_ms, live_domain_type, callback_req_auth, callback_auth_key";
const std::string kTemplateColumns =
    "domain, app, interval_s, endpoint, bucket, overwrite_pattern, sequence_pattern, callback, "
    "width, height, created_ms, updated_ms";
const std::string& kRecordColumns = kSqliteRecordColumns;

// An overlay record takes the place of the one of the same object (the
// partial unique index of schema version 2).
const std::string kReplaceOverlaySql =
    " ON CONFLICT (domain, app, stream, bucket, object_key) WHERE overlay DO UPDATE SET"
    " endpoint = excluded.endpoint, sequence = excluded.sequence,"
    " capture_ms = excluded.capture_ms, size_bytes = excluded.size_bytes,"
    " width = excluded.width, height = excluded.height";

std::string ListTemplatesSql(std::string_view direction) {
  return "SELECT " + kTemplateColumns +
         " FROM templates WHERE domain = ?1 AND (?2 IS NULL OR app = ?2)"
         " ORDER BY created_ms " +
         std::string(direction) + ", app " + std::string(direction) + " LIMIT ?3 OFFSET ?4";
}

std::string QueryRecordsSql(std::string_view direction) {
  return "SELECT " + kRecordColumns +
         " FROM snapshot_records WHERE domain = ?1 AND app = ?2 AND stream = ?3"
         " AND capture_ms >= ?4 AND capture_ms < ?5 ORDER BY capture_ms " +
         std::string(direction) + ", id " + std::string(direction) + " LIMIT ?6";
}

struct Statements {
  Statement insert_domain, delete_domain, get_domain, list_domains, set_callback_auth;
  Statement upsert_bucket, get_bucket, list_buckets;
  Statement insert_template, update_template, delete_template, get_template;
  Statement count_templates, list_templates_asc, list_templates_desc, resolve_template;
  Statement upsert_notify, get_notify, delete_notify;
  Statement upsert_push_auth, get_push_auth, delete_push_auth, list_push_auth;
  Statement next_sequence, insert_record, query_records_asc, query_records_desc, prune_records;
};

absl::StatusOr<Statements> PrepareStatements(SqliteDb& db) {
  Statements s;
  const std::pair<Statement*, std::string> sql[] = {
      {&s.insert_domain,
       "INSERT INTO domains (" + kDomainColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&s.delete_domain, "DELETE FROM domains WHERE name = ?1"},
      {&s.get_domain, "SELECT " + kDomainColumns + " FROM domains WHERE name = ?1"},
      {&s.list_domains, "SELECT " + kDomainColumns + " FROM domains ORDER BY name"},
      {&s.set_callback_auth,
       "UPDATE domains SET callback_req_auth = ?2, callback_auth_key = ?3 WHERE name = ?1"},
      {&s.upsert_bucket,
       "INSERT INTO buckets (name, region, endpoint, kind) VALUES (?1, ?2, ?3, ?4)"
       " ON CONFLICT (name) DO UPDATE SET region = excluded.region,"
       " endpoint = excluded.endpoint, kind = excluded.kind"},
      {&s.get_bucket, "SELECT name, region, endpoint, kind FROM buckets WHERE name = ?1"},
      {&s.list_buckets, "SELECT name, region, endpoint, kind FROM buckets ORDER BY name"},
      {&s.insert_template, "INSERT INTO templates (" + kTemplateColumns +
                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
      {&s.update_template,
       "UPDATE templates SET interval_s = ?3, endpoint = ?4, bucket = ?5,"
       " overwrite_pattern = ?6, sequence_pattern = ?7, callback = ?8, width = ?9,"
       " height = ?10, updated_ms = ?11 WHERE domain = ?1 AND app = ?2"},
      {&s.delete_template, "DELETE FROM templates WHERE domain = ?1 AND app = ?2"},
      {&s.get_template,
       "SELECT " + kTemplateColumns + " FROM templates WHERE domain = ?1 AND app = ?2"},
      {&s.count_templates,
       "SELECT COUNT(*) FROM templates WHERE domain = ?1 AND (?2 IS NULL OR app = ?2)"},
      {&s.list_templates_asc, ListTemplatesSql("ASC")},
      {&s.list_templates_desc, ListTemplatesSql("DESC")},
      {&s.resolve_template, "SELECT " + kTemplateColumns +
                                " FROM templates WHERE domain = ?1 AND app IN (?2, '*')"
                                " ORDER BY app = '*' LIMIT 1"},
      {&s.upsert_notify,
       "INSERT INTO notify_configs (domain, notify_url, req_auth, auth_key)"
       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (domain) DO UPDATE SET"
       " notify_url = excluded.notify_url, req_auth = excluded.req_auth,"
       " auth_key = excluded.auth_key"},
      {&s.get_notify,
       "SELECT domain, notify_url, req_auth, auth_key FROM notify_configs WHERE domain = ?1"},
      {&s.delete_notify, "DELETE FROM notify_configs WHERE domain = ?1"},
      {&s.upsert_push_auth,
       "INSERT INTO push_auth (domain, auth_type, auth_key1, auth_key2, delta_s)"
       " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (domain) DO UPDATE SET"
       " auth_type = excluded.auth_type, auth_key1 = excluded.auth_key1,"
       " auth_key2 = excluded.auth_key2, delta_s = excluded.delta_s"},
      {&s.get_push_auth,
       "SELECT domain, auth_type, auth_key1, auth_key2, delta_s FROM push_auth WHERE domain = ?1"},
      {&s.delete_push_auth, "DELETE FROM push_auth WHERE domain = ?1"},
      {&s.list_push_auth,
       "SELECT domain, auth_type, auth_key1, auth_key2, delta_s FROM push_auth ORDER BY domain"},
      {&s.next_sequence,
       "INSERT INTO stream_sequences (domain, app, stream, next_value) VALUES (?1, ?2, ?3, 1)"
       " ON CONFLICT (domain, app, stream) DO UPDATE SET next_value = next_value + 1"
       " RETURNING next_value - 1"},
      // A sequence record identical to one already there is a retry whose
      // first write went through: not added again.
      {&s.insert_record, "INSERT INTO snapshot_records (" + kRecordColumns +
                             ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12"
                             " WHERE ?7 OR NOT EXISTS (SELECT 1 FROM snapshot_records"
                             " WHERE domain = ?1 AND app = ?2 AND stream = ?3 AND capture_ms = ?9"
                             " AND NOT overlay AND sequence = ?8 AND bucket = ?5"
                             " AND object_key = ?6)" +
                             kReplaceOverlaySql},
      {&s.query_records_asc, QueryRecordsSql("ASC")},
      {&s.query_records_desc, QueryRecordsSql("DESC")},
      {&s.prune_records,
       "DELETE FROM snapshot_records WHERE id IN (SELECT id FROM snapshot_records"
       " WHERE NOT overlay AND capture_ms < ?1 ORDER BY capture_ms LIMIT ?2)"},
  };
  for (const auto& [statement, text] : sql) {
    LS_ASSIGN_OR_RETURN(*statement, db.Prepare(text), "");
  }
  return s;
}

Domain ReadDomain(const StatementRun& row) {
  return Domain{.name = row.Text(0),
                .region = row.Text(1),
                .created_ms = row.Int64(2),
                .live_domain_type = row.Text(3),
                .callback_auth = {.req_auth = row.Bool(4), .auth_key = row.Text(5)}};
}

PushAuth ReadPushAuth(const StatementRun& row) {
  return PushAuth{.domain = row.Text(0),
                  .auth_type = row.Text(1),
                  .auth_key1 = row.Text(2),
                  .auth_key2 = row.Text(3),
                  .delta_s = row.Int64(4)};
}

Bucket ReadBucket(const StatementRun& row) {
  return Bucket{
      .name = row.Text(0), .region = row.Text(1), .endpoint = row.Text(2), .kind = row.Text(3)};
}

SnapshotTemplate ReadTemplate(const StatementRun& row) {
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

std::string Key(std::string_view domain, std::string_view app) {
  return std::string(domain) + "/" + std::string(app);
}

class SqliteCatalog final : public Catalog {
 public:
  SqliteCatalog(SqliteDb db, Statements statements)
      : db_(std::move(db)), st_(std::move(statements)) {}

  absl::Status AddDomain(const Domain& domain) override {
    LS_RETURN_IF_ERROR(CheckDomain(domain), "add domain");
    std::lock_guard lock(mu_);
    StatementRun run(st_.insert_domain);
    LS_RETURN_IF_ERROR(
        run.Bind(domain.name, domain.region, domain.created_ms, domain.live_domain_type,
                 domain.callback_auth.req_auth, domain.callback_auth.auth_key),
        "add domain");
    absl::Status status = run.Finish();
    if (absl::IsAlreadyExists(status)) return DomainExists(domain.name);
    return Annotate(status, "add domain " + domain.name);
  }

  absl::Status DeleteDomain(std::string_view name) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", name), "delete domain");
    std::lock_guard lock(mu_);
    StatementRun run(st_.delete_domain);
    LS_RETURN_IF_ERROR(run.Bind(name), "delete domain");
    LS_RETURN_IF_ERROR(run.Finish(), "delete domain " + std::string(name));
    if (run.Changes() == 0) return DomainNotFound(name);
    return absl::OkStatus();
  }

  absl::StatusOr<Domain> GetDomain(std::string_view name) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", name), "get domain");
    std::lock_guard lock(mu_);
    StatementRun run(st_.get_domain);
    LS_RETURN_IF_ERROR(run.Bind(name), "get domain");
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), "get domain " + std::string(name));
    if (!row) return DomainNotFound(name);
    return ReadDomain(run);
  }

  absl::StatusOr<std::vector<Domain>> ListDomains() override {
    std::lock_guard lock(mu_);
    StatementRun run(st_.list_domains);
    std::vector<Domain> domains;
    while (true) {
      LS_ASSIGN_OR_RETURN(bool row, run.Step(), "list domains");
      if (!row) return domains;
      domains.push_back(ReadDomain(run));
    }
  }

  absl::Status SetCallbackAuth(std::string_view domain, const CallbackAuth& auth) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "set callback auth");
    LS_RETURN_IF_ERROR(CheckCallbackAuth(auth), "set callback auth");
    std::lock_guard lock(mu_);
    StatementRun run(st_.set_callback_auth);
    LS_RETURN_IF_ERROR(run.Bind(domain, auth.req_auth, auth.auth_key), "set callback auth");
    LS_RETURN_IF_ERROR(run.Finish(), "set callback auth of " + std::string(domain));
    if (run.Changes() == 0) return DomainNotFound(domain);
    return absl::OkStatus();
  }

  absl::Status UpsertBucket(const Bucket& bucket) override {
    LS_RETURN_IF_ERROR(CheckBucket(bucket), "upsert bucket");
    std::lock_guard lock(mu_);
    StatementRun run(st_.upsert_bucket);
    LS_RETURN_IF_ERROR(run.Bind(bucket.name, bucket.region, bucket.endpoint, bucket.kind),
                       "upsert bucket");
    return Annotate(run.Finish(), "upsert bucket " + bucket.name);
  }

  absl::StatusOr<Bucket> GetBucket(std::string_view name) override {
    LS_RETURN_IF_ERROR(CheckKey("bucket name", name), "get bucket");
    std::lock_guard lock(mu_);
    StatementRun run(st_.get_bucket);
    LS_RETURN_IF_ERROR(run.Bind(name), "get bucket");
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), "get bucket " + std::string(name));
    if (!row) return BucketNotFound(name);
    return ReadBucket(run);
  }

  absl::StatusOr<std::vector<Bucket>> ListBuckets() override {
    std::lock_guard lock(mu_);
    StatementRun run(st_.list_buckets);
    std::vector<Bucket> buckets;
    while (true) {
      LS_ASSIGN_OR_RETURN(bool row, run.Step(), "list buckets");
      if (!row) return buckets;
      buckets.push_back(ReadBucket(run));
    }
  }

  absl::Status AddTemplate(const SnapshotTemplate& t) override {
    LS_RETURN_IF_ERROR(CheckTemplate(t), "add template");
    std::lock_guard lock(mu_);
    absl::Status status;
    {
      StatementRun run(st_.insert_template);
      LS_RETURN_IF_ERROR(
          run.Bind(t.domain, t.app, t.interval_s, t.endpoint, t.bucket, t.overwrite_pattern,
                   t.sequence_pattern, t.callback, t.width, t.height, t.created_ms, t.updated_ms),
          "add template");
      status = run.Finish();
    }
    if (absl::IsAlreadyExists(status)) return TemplateExists(t.domain, t.app);
    if (absl::IsFailedPrecondition(status)) {
      LS_ASSIGN_OR_RETURN(bool domain_exists, DomainExistsLocked(t.domain), "add template");
      return domain_exists ? MissingBucket(t.bucket) : MissingDomain(t.domain);
    }
    return Annotate(status, "add template " + Key(t.domain, t.app));
  }

  absl::Status UpdateTemplate(const SnapshotTemplate& t) override {
    LS_RETURN_IF_ERROR(CheckTemplate(t), "update template");
    std::lock_guard lock(mu_);
    StatementRun run(st_.update_template);
    LS_RETURN_IF_ERROR(
        run.Bind(t.domain, t.app, t.interval_s, t.endpoint, t.bucket, t.overwrite_pattern,
                 t.sequence_pattern, t.callback, t.width, t.height, t.updated_ms),
        "update template");
    absl::Status status = run.Finish();
    if (absl::IsFailedPrecondition(status)) return MissingBucket(t.bucket);
    LS_RETURN_IF_ERROR(status, "update template " + Key(t.domain, t.app));
    if (run.Changes() == 0) return TemplateNotFound(t.domain, t.app);
    return absl::OkStatus();
  }

  absl::Status DeleteTemplate(std::string_view domain, std::string_view app) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "delete template");
    LS_RETURN_IF_ERROR(CheckKey("AppName", app), "delete template");
    std::lock_guard lock(mu_);
    StatementRun run(st_.delete_template);
    LS_RETURN_IF_ERROR(run.Bind(domain, app), "delete template");
    LS_RETURN_IF_ERROR(run.Finish(), "delete template " + Key(domain, app));
    if (run.Changes() == 0) return TemplateNotFound(domain, app);
    return absl::OkStatus();
  }

  absl::StatusOr<SnapshotTemplate> GetTemplate(std::string_view domain,
                                               std::string_view app) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "get template");
    LS_RETURN_IF_ERROR(CheckKey("AppName", app), "get template");
    std::lock_guard lock(mu_);
    StatementRun run(st_.get_template);
    LS_RETURN_IF_ERROR(run.Bind(domain, app), "get template");
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), "get template " + Key(domain, app));
    if (!row) return TemplateNotFound(domain, app);
    return ReadTemplate(run);
  }

  absl::StatusOr<TemplatePage> ListTemplates(const TemplateQuery& query) override {
    LS_RETURN_IF_ERROR(CheckTemplateQuery(query), "list templates");
    std::lock_guard lock(mu_);
    // One read transaction, so the total and the page agree.
    LS_ASSIGN_OR_RETURN(SqliteTransaction transaction,
                        SqliteTransaction::Begin(db_, SqliteTransaction::Mode::kDeferred),
                        "list templates");
    TemplatePage page;
    {
      StatementRun count(st_.count_templates);
      LS_RETURN_IF_ERROR(count.Bind(query.domain, query.app), "count templates");
      LS_ASSIGN_OR_RETURN(bool row, count.Step(), "count templates");
      if (row) page.total = count.Int64(0);
    }
    {
      StatementRun list(query.order == SortOrder::kAscending ? st_.list_templates_asc
                                                             : st_.list_templates_desc);
      LS_RETURN_IF_ERROR(list.Bind(query.domain, query.app, query.limit, query.offset),
                         "list templates");
      while (true) {
        LS_ASSIGN_OR_RETURN(bool row, list.Step(), "list templates");
        if (!row) break;
        page.items.push_back(ReadTemplate(list));
      }
    }
    LS_RETURN_IF_ERROR(transaction.Commit(), "list templates");
    return page;
  }

  absl::StatusOr<std::optional<SnapshotTemplate>> ResolveTemplate(std::string_view domain,
                                                                  std::string_view app) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "resolve template");
    LS_RETURN_IF_ERROR(CheckKey("AppName", app), "resolve template");
    std::lock_guard lock(mu_);
    StatementRun run(st_.resolve_template);
    LS_RETURN_IF_ERROR(run.Bind(domain, app), "resolve template");
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), "resolve template " + Key(domain, app));
    if (!row) return std::nullopt;
    return ReadTemplate(run);
  }

  absl::Status SetNotifyConfig(const NotifyConfig& config) override {
    LS_RETURN_IF_ERROR(CheckNotifyConfig(config), "set notify config");
    std::lock_guard lock(mu_);
    StatementRun run(st_.upsert_notify);
    LS_RETURN_IF_ERROR(run.Bind(config.domain, config.notify_url, config.req_auth, config.auth_key),
                       "set notify config");
    absl::Status status = run.Finish();
    if (absl::IsFailedPrecondition(status)) return MissingDomain(config.domain);
    return Annotate(status, "set notify config of " + config.domain);
  }

  absl::StatusOr<NotifyConfig> GetNotifyConfig(std::string_view domain) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "get notify config");
    std::lock_guard lock(mu_);
    StatementRun run(st_.get_notify);
    LS_RETURN_IF_ERROR(run.Bind(domain), "get notify config");
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), "get notify config of " + std::string(domain));
    if (!row) return NotifyConfigNotFound(domain);
    return NotifyConfig{.domain = run.Text(0),
                        .notify_url = run.Text(1),
                        .req_auth = run.Bool(2),
                        .auth_key = run.Text(3)};
  }

  absl::Status DeleteNotifyConfig(std::string_view domain) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "delete notify config");
    std::lock_guard lock(mu_);
    StatementRun run(st_.delete_notify);
    LS_RETURN_IF_ERROR(run.Bind(domain), "delete notify config");
    LS_RETURN_IF_ERROR(run.Finish(), "delete notify config of " + std::string(domain));
    if (run.Changes() == 0) return NotifyConfigNotFound(domain);
    return absl::OkStatus();
  }

  absl::Status SetPushAuth(const PushAuth& auth) override {
    LS_RETURN_IF_ERROR(CheckPushAuth(auth), "set push auth");
    std::lock_guard lock(mu_);
    StatementRun run(st_.upsert_push_auth);
    LS_RETURN_IF_ERROR(
        run.Bind(auth.domain, auth.auth_type, auth.auth_key1, auth.auth_key2, auth.delta_s),
        "set push auth");
    absl::Status status = run.Finish();
    if (absl::IsFailedPrecondition(status)) return MissingDomain(auth.domain);
    return Annotate(status, "set push auth of " + auth.domain);
  }

  absl::StatusOr<PushAuth> GetPushAuth(std::string_view domain) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "get push auth");
    std::lock_guard lock(mu_);
    StatementRun run(st_.get_push_auth);
    LS_RETURN_IF_ERROR(run.Bind(domain), "get push auth");
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), "get push auth of " + std::string(domain));
    if (!row) return PushAuthNotFound(domain);
    return ReadPushAuth(run);
  }

  absl::Status DeletePushAuth(std::string_view domain) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "delete push auth");
    std::lock_guard lock(mu_);
    StatementRun run(st_.delete_push_auth);
    LS_RETURN_IF_ERROR(run.Bind(domain), "delete push auth");
    LS_RETURN_IF_ERROR(run.Finish(), "delete push auth of " + std::string(domain));
    if (run.Changes() == 0) return PushAuthNotFound(domain);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<PushAuth>> ListPushAuths() override {
    std::lock_guard lock(mu_);
    StatementRun run(st_.list_push_auth);
    std::vector<PushAuth> auths;
    while (true) {
      LS_ASSIGN_OR_RETURN(bool row, run.Step(), "list push auth");
      if (!row) return auths;
      auths.push_back(ReadPushAuth(run));
    }
  }

  absl::StatusOr<int64_t> NextSequence(std::string_view domain, std::string_view app,
                                       std::string_view stream) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "next sequence");
    LS_RETURN_IF_ERROR(CheckKey("AppName", app), "next sequence");
    LS_RETURN_IF_ERROR(CheckKey("stream name", stream), "next sequence");
    const std::string context = "next sequence of " + Key(Key(domain, app), stream);
    std::lock_guard lock(mu_);
    StatementRun run(st_.next_sequence);
    LS_RETURN_IF_ERROR(run.Bind(domain, app, stream), context);
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), context);
    if (!row) return absl::InternalError(context + ": the upsert returned no row");
    const int64_t value = run.Int64(0);
    // The autocommit transaction commits when the statement completes: the
    // number is handed out only once it is durable.
    LS_RETURN_IF_ERROR(run.Finish(), context);
    return value;
  }

  absl::Status AddSnapshotRecord(const SnapshotRecord& r) override {
    LS_RETURN_IF_ERROR(CheckRecord(r), "add snapshot record");
    std::lock_guard lock(mu_);
    StatementRun run(st_.insert_record);
    LS_RETURN_IF_ERROR(
        run.Bind(r.domain, r.app, r.stream, r.endpoint, r.bucket, r.object_key, r.overlay,
                 r.sequence, r.capture_ms, r.size_bytes, r.width, r.height),
        "add snapshot record");
    return Annotate(run.Finish(), "add snapshot record " + r.object_key);
  }

  absl::StatusOr<int64_t> PruneSequenceRecords(int64_t before_ms, int64_t limit) override {
    LS_RETURN_IF_ERROR(CheckPruneLimit(limit), "prune sequence records");
    std::lock_guard lock(mu_);
    StatementRun run(st_.prune_records);
    LS_RETURN_IF_ERROR(run.Bind(before_ms, limit), "prune sequence records");
    LS_RETURN_IF_ERROR(run.Finish(), "prune sequence records");
    return run.Changes();
  }

  absl::StatusOr<std::vector<SnapshotRecord>> QuerySnapshotRecords(
      const RecordQuery& query) override {
    LS_RETURN_IF_ERROR(CheckRecordQuery(query), "query snapshot records");
    std::lock_guard lock(mu_);
    StatementRun run(query.order == SortOrder::kAscending ? st_.query_records_asc
                                                          : st_.query_records_desc);
    LS_RETURN_IF_ERROR(
        run.Bind(query.domain, query.app, query.stream, query.start_ms, query.end_ms, query.limit),
        "query snapshot records");
    std::vector<SnapshotRecord> records;
    while (true) {
      LS_ASSIGN_OR_RETURN(bool row, run.Step(), "query snapshot records");
      if (!row) return records;
      records.push_back(ReadSqliteRecord(run));
    }
  }

  absl::StatusOr<std::vector<SnapshotRecord>> DeleteSnapshotRecords(
      std::string_view domain, std::string_view app, std::string_view stream,
      const std::vector<int64_t>& capture_ms) override {
    LS_RETURN_IF_ERROR(CheckRecordDelete(domain, app, stream, capture_ms),
                       "delete snapshot records");
    std::lock_guard lock(mu_);
    LS_ASSIGN_OR_RETURN(std::vector<SnapshotRecord> removed,
                        SqliteDeleteRecords(db_, domain, app, stream, capture_ms),
                        "delete snapshot records of " + Key(Key(domain, app), stream));
    return removed;
  }

  absl::StatusOr<std::vector<DailySnapshotCount>> CountSnapshotsByDay(std::string_view domain,
                                                                      int64_t start_ms,
                                                                      int64_t end_ms) override {
    LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "count snapshots");
    std::lock_guard lock(mu_);
    LS_ASSIGN_OR_RETURN(std::vector<DailySnapshotCount> days,
                        SqliteCountByDay(db_, domain, start_ms, end_ms),
                        "count snapshots of " + std::string(domain));
    return days;
  }

 private:
  absl::StatusOr<bool> DomainExistsLocked(std::string_view name) {
    StatementRun run(st_.get_domain);
    LS_RETURN_IF_ERROR(run.Bind(name), "look up domain");
    return run.Step();
  }

  std::mutex mu_;
  SqliteDb db_;    // guarded by mu_
  Statements st_;  // guarded by mu_; destroyed before db_
};

absl::Status CreateParentDirectories(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return absl::OkStatus();
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    return absl::UnavailableError("create directory " + parent.string() + ": " + error.message());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path) {
  const bool in_memory = path == ":memory:";
  const std::string context = "SQLite catalog " + path;
  if (path.empty()) return absl::InvalidArgumentError("SQLite catalog path is empty");
  if (!in_memory) LS_RETURN_IF_ERROR(CreateParentDirectories(path), context);
  LS_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path, kSqliteBusyTimeoutMs), context);
  LS_ASSIGN_OR_RETURN(std::string journal_mode, db.QueryText("PRAGMA journal_mode = WAL"),
                      context + ": enable WAL");
  if (!in_memory && journal_mode != "wal") {
    return absl::FailedPreconditionError(context + ": journal mode is \"" + journal_mode +
                                         "\", WAL could not be enabled");
  }
  LS_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON"), context);
  LS_ASSIGN_OR_RETURN(int version, MigrateSqlite(db, SqliteMigrations()), context);
  LS_ASSIGN_OR_RETURN(Statements statements, PrepareStatements(db), context);
  spdlog::info("catalog: SQLite {} (schema version {})", path, version);
  return std::make_unique<SqliteCatalog>(std::move(db), std::move(statements));
}

}  // namespace livesnap::catalog::internal
