#include "catalog/internal/sqlite_catalog.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>

#include "base/status.h"
#include "catalog/internal/catalog_sql.h"
#include "catalog/internal/contract.h"
#include "catalog/internal/sqlite_db.h"
#include "catalog/internal/sqlite_records.h"
#include "catalog/internal/sqlite_schema.h"

namespace livesnap::catalog::internal {
namespace {

// The PostgreSQL catalog words this its own way (a typed app parameter, the
// "C" collation).
std::string ListTemplatesSql(SortOrder order) {
  const std::string direction(SqlDirection(order));
  return "SELECT " + sql::kTemplateColumns +
         " FROM templates WHERE domain = ?1 AND (?2 IS NULL OR app = ?2)"
         " ORDER BY created_ms " +
         direction + ", app " + direction + " LIMIT ?3 OFFSET ?4";
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
  const std::pair<Statement*, std::string> texts[] = {
      {&s.insert_domain, SqliteSql(sql::kInsertDomain)},
      {&s.delete_domain, SqliteSql(sql::kDeleteDomain)},
      {&s.get_domain, SqliteSql(sql::kGetDomain)},
      {&s.list_domains, "SELECT " + sql::kDomainColumns + " FROM domains ORDER BY name"},
      {&s.set_callback_auth, SqliteSql(sql::kSetCallbackAuth)},
      {&s.upsert_bucket, SqliteSql(sql::kUpsertBucket)},
      {&s.get_bucket, SqliteSql(sql::kGetBucket)},
      {&s.list_buckets, "SELECT name, region, endpoint, kind FROM buckets ORDER BY name"},
      {&s.insert_template, SqliteSql(sql::kInsertTemplate)},
      {&s.update_template, SqliteSql(sql::kUpdateTemplate)},
      {&s.delete_template, SqliteSql(sql::kDeleteTemplate)},
      {&s.get_template, SqliteSql(sql::kGetTemplate)},
      {&s.count_templates,
       "SELECT COUNT(*) FROM templates WHERE domain = ?1 AND (?2 IS NULL OR app = ?2)"},
      {&s.list_templates_asc, ListTemplatesSql(SortOrder::kAscending)},
      {&s.list_templates_desc, ListTemplatesSql(SortOrder::kDescending)},
      {&s.resolve_template, SqliteSql(sql::kResolveTemplate)},
      {&s.upsert_notify, SqliteSql(sql::kUpsertNotifyConfig)},
      {&s.get_notify, SqliteSql(sql::kGetNotifyConfig)},
      {&s.delete_notify, SqliteSql(sql::kDeleteNotifyConfig)},
      {&s.upsert_push_auth, SqliteSql(sql::kUpsertPushAuth)},
      {&s.get_push_auth, SqliteSql(sql::kGetPushAuth)},
      {&s.delete_push_auth, SqliteSql(sql::kDeletePushAuth)},
      {&s.list_push_auth,
       "SELECT domain, auth_type, auth_key1, auth_key2, delta_s FROM push_auth ORDER BY domain"},
      {&s.next_sequence,
       "INSERT INTO stream_sequences (domain, app, stream, next_value) VALUES (?1, ?2, ?3, 1)"
       " ON CONFLICT (domain, app, stream) DO UPDATE SET next_value = next_value + 1"
       " RETURNING next_value - 1"},
      // A sequence record identical to one already there is a retry whose
      // first write went through: not added again.
      {&s.insert_record, "INSERT INTO snapshot_records (" + sql::kRecordColumns +
                             ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12"
                             " WHERE ?7 OR NOT EXISTS (SELECT 1 FROM snapshot_records"
                             " WHERE domain = ?1 AND app = ?2 AND stream = ?3 AND capture_ms = ?9"
                             " AND NOT overlay AND sequence = ?8 AND bucket = ?5"
                             " AND object_key = ?6)" +
                             sql::kReplaceOverlay},
      {&s.query_records_asc, SqliteSql(sql::QueryRecords(SortOrder::kAscending))},
      {&s.query_records_desc, SqliteSql(sql::QueryRecords(SortOrder::kDescending))},
      {&s.prune_records, SqliteSql(sql::kPruneSequenceRecords)},
  };
  for (const auto& [statement, text] : texts) {
    LS_ASSIGN_OR_RETURN(*statement, db.Prepare(text), "");
  }
  return s;
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
    return ReadNotifyConfig(run);
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
      records.push_back(ReadRecord(run));
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
