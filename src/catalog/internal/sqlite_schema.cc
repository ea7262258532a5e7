#include "catalog/internal/sqlite_schema.h"

#include <spdlog/spdlog.h>

#include <string>

#include "base/status.h"

namespace livesnap::catalog::internal {
namespace {

// Snapshot records have no foreign key: they are history, kept when a domain
// or template goes. Sequence counters have none either, so a stream of a
// re-added domain continues its numbering instead of overwriting objects.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE domains (
  name TEXT NOT NULL PRIMARY KEY,
  region TEXT NOT NULL,
  created_ms INTEGER NOT NULL
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
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (domain, app)
);
CREATE INDEX templates_by_created ON templates (domain, created_ms, app);
CREATE INDEX templates_by_bucket ON templates (bucket);
CREATE TABLE notify_configs (
  domain TEXT NOT NULL PRIMARY KEY REFERENCES domains (name) ON DELETE CASCADE,
  notify_url TEXT NOT NULL,
  req_auth INTEGER NOT NULL,
  auth_key TEXT NOT NULL
);
CREATE TABLE snapshot_records (
  id INTEGER PRIMARY KEY,
  domain TEXT NOT NULL,
  app TEXT NOT NULL,
  stream TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  bucket TEXT NOT NULL,
  object_key TEXT NOT NULL,
  overlay INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  capture_ms INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL
);
CREATE INDEX snapshot_records_by_stream_time
  ON snapshot_records (domain, app, stream, capture_ms);
CREATE TABLE stream_sequences (
  domain TEXT NOT NULL,
  app TEXT NOT NULL,
  stream TEXT NOT NULL,
  next_value INTEGER NOT NULL,
  PRIMARY KEY (domain, app, stream)
) WITHOUT ROWID;
)sql";

// One overlay record per (stream, bucket, object key): the rows an older
// livesnap added for every overwrite are reduced to the newest of each
// object. The partial index on capture_ms serves the retention sweep.
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
// node row that is removed or pruned never blocks a takeover.
constexpr std::string_view kSchemaV3 = R"sql(
CREATE TABLE cluster_nodes (
  node_id TEXT NOT NULL PRIMARY KEY,
  rtmp_address TEXT NOT NULL,
  api_address TEXT NOT NULL,
  version TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  heartbeat_ms INTEGER NOT NULL,
  snapshots_total INTEGER NOT NULL,
  upload_backlog INTEGER NOT NULL
);
CREATE TABLE live_streams (
  domain TEXT NOT NULL,
  app TEXT NOT NULL,
  stream TEXT NOT NULL,
  node_id TEXT NOT NULL,
  token INTEGER NOT NULL,
  started_ms INTEGER NOT NULL,
  lease_until_ms INTEGER NOT NULL,
  client_addr TEXT NOT NULL,
  protocol TEXT NOT NULL,
  PRIMARY KEY (domain, app, stream)
);
CREATE INDEX live_streams_by_node ON live_streams (node_id);
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

// Migration 5: a domain's LiveDomainType (the domains of older versions were
// all streaming domains) and the signing of its templates' callbacks
// (SetSnapshotCallbackAuth), off until set.
constexpr std::string_view kSchemaV5 = R"sql(
ALTER TABLE domains ADD COLUMN live_domain_type TEXT NOT NULL DEFAULT 'liveVideo';
ALTER TABLE domains ADD COLUMN callback_req_auth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN callback_auth_key TEXT NOT NULL DEFAULT '';
)sql";

// Migration 6: what the holder of each live stream reported of it at its
// last heartbeat (registry.h StreamMedia), so that any node lists another's
// streams with their codecs, picture and rates. Leases of older versions
// read as not reported yet.
constexpr std::string_view kSchemaV6 = R"sql(
ALTER TABLE live_streams ADD COLUMN video_codec TEXT NOT NULL DEFAULT '';
ALTER TABLE live_streams ADD COLUMN audio_codec TEXT NOT NULL DEFAULT '';
ALTER TABLE live_streams ADD COLUMN width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN height INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN frame_rate_milli INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN video_frames INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN keyframes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN audio_frames INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN bitrate_kbps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN video_bitrate_kbps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN audio_bitrate_kbps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_streams ADD COLUMN reported_ms INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr Migration kMigrations[] = {
    {1, "domains, buckets, templates, notify configs, snapshot records, sequences", kSchemaV1},
    {2, "one overlay record per overwrite object; sequence records by time", kSchemaV2},
    {3, "cluster registry: nodes and live stream leases", kSchemaV3},
    {4, "push URL signing (aliauth) per domain", kSchemaV4},
    {5, "domain type and snapshot callback signing per domain", kSchemaV5},
    {6, "live streams' reported codecs, picture and rates", kSchemaV6},
};

absl::StatusOr<int> CurrentVersion(SqliteDb& db) {
  LS_ASSIGN_OR_RETURN(std::string version,
                      db.QueryText("SELECT COALESCE(MAX(version), 0) FROM schema_version"),
                      "read schema version");
  return std::stoi(version);
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

// Applies `migration` unless another connection did first; returns whether
// this call applied it.
absl::StatusOr<bool> Apply(SqliteDb& db, const Migration& migration) {
  LS_ASSIGN_OR_RETURN(SqliteTransaction transaction,
                      SqliteTransaction::Begin(db, SqliteTransaction::Mode::kImmediate), "");
  LS_ASSIGN_OR_RETURN(int current, CurrentVersion(db), "");
  if (current >= migration.version) return false;
  LS_RETURN_IF_ERROR(db.Exec(migration.sql), "");
  LS_ASSIGN_OR_RETURN(
      Statement record,
      db.Prepare("INSERT INTO schema_version (version, description) VALUES (?1, ?2)"), "");
  StatementRun run(record);
  LS_RETURN_IF_ERROR(run.Bind(migration.version, migration.description), "");
  LS_RETURN_IF_ERROR(run.Finish(), "record version");
  LS_RETURN_IF_ERROR(transaction.Commit(), "");
  return true;
}

}  // namespace

std::span<const Migration> SqliteMigrations() { return kMigrations; }

absl::StatusOr<int> MigrateSqlite(SqliteDb& db, std::span<const Migration> migrations) {
  LS_RETURN_IF_ERROR(CheckList(migrations), "migration list");
  LS_RETURN_IF_ERROR(db.Exec("CREATE TABLE IF NOT EXISTS schema_version ("
                             " version INTEGER NOT NULL PRIMARY KEY,"
                             " description TEXT NOT NULL,"
                             " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"),
                     "create schema_version");
  LS_ASSIGN_OR_RETURN(int current, CurrentVersion(db), "");
  const int latest = static_cast<int>(migrations.size());
  if (current > latest) {
    return absl::FailedPreconditionError("catalog schema version " + std::to_string(current) +
                                         " is newer than this livesnap supports (" +
                                         std::to_string(latest) + "); run a newer livesnap");
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    LS_ASSIGN_OR_RETURN(bool applied, Apply(db, migration),
                        "schema migration " + std::to_string(migration.version) + " (" +
                            std::string(migration.description) + ")");
    if (applied) {
      spdlog::info("catalog: applied schema migration {} ({})", migration.version,
                   migration.description);
    }
  }
  return CurrentVersion(db);
}

}  // namespace livesnap::catalog::internal
