#include "catalog/internal/postgres_schema.h"

#include <spdlog/spdlog.h>

#include <string>

#include "base/status.h"
#include "catalog/internal/pg_conn.h"

namespace livesnap::catalog::internal {
namespace {

// Same tables as the SQLite schema (see sqlite_schema.cc for why records and
// sequences have no foreign keys). AppName ordering uses the "C" collation,
// so pages come in the same order as SQLite's and on every server locale.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE domains (
  name TEXT NOT NULL PRIMARY KEY,
  region TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE TABLE buckets (
  name TEXT NOT NULL PRIMARY KEY,
  region TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  kind TEXT NOT NULL
);
CREATE TABLE templates (
  domain TEXT NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
  app TEXT NOT NULL,
  interval_s INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  bucket TEXT NOT NULL REFERENCES buckets (name),
  overwrite_pattern TEXT NOT NULL,
  sequence_pattern TEXT NOT NULL,
  callback TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  PRIMARY KEY (domain, app)
);
CREATE INDEX templates_by_created ON templates (domain, created_ms, app COLLATE "C");
CREATE INDEX templates_by_bucket ON templates (bucket);
CREATE TABLE notify_configs (
  domain TEXT NOT NULL PRIMARY KEY REFERENCES domains (name) ON DELETE CASCADE,
  notify_url TEXT NOT NULL,
  req_auth BOOLEAN NOT NULL,
  auth_key TEXT NOT NULL
);
CREATE TABLE snapshot_records (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  domain TEXT NOT NULL,
  app TEXT NOT NULL,
  stream TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  bucket TEXT NOT NULL,
  object_key TEXT NOT NULL,
  overlay BOOLEAN NOT NULL,
  sequence BIGINT NOT NULL,
  capture_ms BIGINT NOT NULL,
  size_bytes BIGINT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL
);
CREATE INDEX snapshot_records_by_stream_time
  ON snapshot_records (domain, app, stream, capture_ms, id);
CREATE TABLE stream_sequences (
  domain TEXT NOT NULL,
  app TEXT NOT NULL,
  stream TEXT NOT NULL,
  next_value BIGINT NOT NULL,
  PRIMARY KEY (domain, app, stream)
);
)sql";

// As in sqlite_schema.cc: one overlay record per (stream, bucket, object
// key), and the index the retention sweep uses.
constexpr std::string_view kSchemaV2 = R"sql(
DELETE FROM snapshot_records WHERE overlay AND id NOT IN (
  SELECT MAX(id) FROM snapshot_records WHERE overlay
  GROUP BY domain, app, stream, bucket, object_key);
CREATE UNIQUE INDEX snapshot_records_overlay_object
  ON snapshot_records (domain, app, stream, bucket, object_key) WHERE overlay;
CREATE INDEX snapshot_records_sequence_by_time
  ON snapshot_records (capture_ms) WHERE NOT overlay;
)sql";

// The cluster registry (catalog/registry.h): every node that runs, and every
// live stream with the node that holds it until lease_until_ms. No foreign
// key from live_streams to nodes: a lease stands on its own expiry, so a
// node row that is removed or pruned never blocks a takeover. A change of
// domains, templates or notify configs, by any node or by hand, is
// announced on the channel "livesnap_config" (catalog/change_feed.h).
constexpr std::string_view kSchemaV3 = R"sql(
CREATE TABLE cluster_nodes (
  node_id TEXT NOT NULL PRIMARY KEY,
  rtmp_address TEXT NOT NULL,
  api_address TEXT NOT NULL,
  version TEXT NOT NULL,
  started_ms BIGINT NOT NULL,
  heartbeat_ms BIGINT NOT NULL,
  snapshots_total BIGINT NOT NULL,
  upload_backlog BIGINT NOT NULL
);
CREATE TABLE live_streams (
  domain TEXT NOT NULL,
  app TEXT NOT NULL,
  stream TEXT NOT NULL,
  node_id TEXT NOT NULL,
  token BIGINT NOT NULL,
  started_ms BIGINT NOT NULL,
  lease_until_ms BIGINT NOT NULL,
  client_addr TEXT NOT NULL,
  protocol TEXT NOT NULL,
  PRIMARY KEY (domain, app, stream)
);
CREATE INDEX live_streams_by_node ON live_streams (node_id);
CREATE FUNCTION livesnap_notify_config_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('livesnap_config', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER domains_changed AFTER INSERT OR UPDATE OR DELETE ON domains
  FOR EACH STATEMENT EXECUTE FUNCTION livesnap_notify_config_change();
CREATE TRIGGER templates_changed AFTER INSERT OR UPDATE OR DELETE ON templates
  FOR EACH STATEMENT EXECUTE FUNCTION livesnap_notify_config_change();
CREATE TRIGGER notify_configs_changed AFTER INSERT OR UPDATE OR DELETE ON notify_configs
  FOR EACH STATEMENT EXECUTE FUNCTION livesnap_notify_config_change();
)sql";

// Migration 4: URL signing of pushes (aliauth), one row per domain.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE TABLE push_auth (
  domain TEXT NOT NULL PRIMARY KEY REFERENCES domains (name) ON DELETE CASCADE,
  auth_type TEXT NOT NULL,
  auth_key1 TEXT NOT NULL,
  auth_key2 TEXT NOT NULL,
  delta_s BIGINT NOT NULL
);
)sql";

// Migration 5, as in sqlite_schema.cc: LiveDomainType and callback signing
// per domain. A change of them is a change of domains, so the trigger of
// version 3 announces it to every node.
constexpr std::string_view kSchemaV5 = R"sql(
ALTER TABLE domains ADD COLUMN live_domain_type TEXT NOT NULL DEFAULT 'liveVideo';
ALTER TABLE domains ADD COLUMN callback_req_auth BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE domains ADD COLUMN callback_auth_key TEXT NOT NULL DEFAULT '';
)sql";

// Migration 6, as in sqlite_schema.cc: each live stream's media as its
// holder reported it at its last heartbeat.
constexpr std::string_view kSchemaV6 = R"sql(
ALTER TABLE live_streams ADD COLUMN video_codec TEXT NOT NULL DEFAULT '';
ALTER TABLE live_streams ADD COLUMN audio_codec TEXT NOT NULL DEFAULT '';
ALTER TABLE live_streams ADD COLUMN width BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN height BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN frame_rate_milli BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN video_frames BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN keyframes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN audio_frames BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN bitrate_kbps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN video_bitrate_kbps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN audio_bitrate_kbps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN reported_ms BIGINT NOT NULL DEFAULT 0;
)sql";

constexpr Migration kMigrations[] = {
    {1, "domains, buckets, templates, notify configs, snapshot records, sequences", kSchemaV1},
    {2, "one overlay record per overwrite object; sequence records by time", kSchemaV2},
    {3, "cluster registry: nodes, live stream leases, config change notifications", kSchemaV3},
    {4, "push URL signing (aliauth) per domain", kSchemaV4},
    {5, "domain type and snapshot callback signing per domain", kSchemaV5},
    {6, "live streams' reported codecs, picture and rates", kSchemaV6},
};

absl::StatusOr<int> CurrentVersion(PGconn* conn) {
  LS_ASSIGN_OR_RETURN(PgResult result,
                      PgExec(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_version"),
                      "read schema version");
  return PgInt(result.get(), 0, 0);
}

absl::Status CheckList(std::span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InternalError("migration " + std::to_string(i) + " has version " +
                                 std::to_string(migrations[i].version) + ", want " +
                                 std::to_string(i + 1));
    }
  }
  return absl::OkStatus();
}

absl::Status Apply(PGconn* conn, const Migration& migration) {
  LS_ASSIGN_OR_RETURN(PgTransaction transaction, PgTransaction::Begin(conn), "");
  LS_RETURN_IF_ERROR(PgExecScript(conn, migration.sql), "");
  LS_RETURN_IF_ERROR(
      PgExec(conn, "INSERT INTO schema_version (version, description) VALUES ($1, $2)",
             PgParams::Of(migration.version, migration.description))
          .status(),
      "record version");
  return transaction.Commit();
}

// Holds the migration advisory lock for its lifetime (and the session's at most).
class MigrationLock {
 public:
  static absl::StatusOr<MigrationLock> Take(PGconn* conn) {
    LS_RETURN_IF_ERROR(
        PgExec(conn, "SELECT pg_advisory_lock($1)", PgParams::Of(kMigrationLockKey)).status(),
        "take the migration lock");
    return MigrationLock(conn);
  }
  MigrationLock(MigrationLock&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  MigrationLock& operator=(MigrationLock&&) = delete;
  ~MigrationLock() {
    // A session that broke has released the lock already.
    if (conn_ != nullptr) {
      (void)PgExec(conn_, "SELECT pg_advisory_unlock($1)", PgParams::Of(kMigrationLockKey));
    }
  }

 private:
  explicit MigrationLock(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

}  // namespace

std::span<const Migration> PostgresMigrations() { return kMigrations; }

absl::StatusOr<int> MigratePostgres(PGconn* conn, std::span<const Migration> migrations) {
  LS_RETURN_IF_ERROR(CheckList(migrations), "migration list");
  LS_ASSIGN_OR_RETURN(MigrationLock lock, MigrationLock::Take(conn), "");
  LS_RETURN_IF_ERROR(PgExecScript(conn,
                                  "CREATE TABLE IF NOT EXISTS schema_version ("
                                  " version INTEGER NOT NULL PRIMARY KEY,"
                                  " description TEXT NOT NULL,"
                                  " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"),
                     "create schema_version");
  LS_ASSIGN_OR_RETURN(int current, CurrentVersion(conn), "");
  const int latest = static_cast<int>(migrations.size());
  if (current > latest) {
    return absl::FailedPreconditionError("catalog schema version " + std::to_string(current) +
                                         " is newer than this livesnap supports (" +
                                         std::to_string(latest) + "); run a newer livesnap");
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    LS_RETURN_IF_ERROR(Apply(conn, migration), "schema migration " +
                                                   std::to_string(migration.version) + " (" +
                                                   std::string(migration.description) + ")");
    spdlog::info("catalog: applied schema migration {} ({})", migration.version,
                 migration.description);
  }
  return CurrentVersion(conn);
}

}  // namespace livesnap::catalog::internal
