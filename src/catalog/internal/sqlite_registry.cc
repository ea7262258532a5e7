#include <array>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "base/status.h"
#include "catalog/internal/contract.h"
#include "catalog/internal/registry_backends.h"
#include "catalog/internal/sqlite_db.h"
#include "catalog/internal/sqlite_schema.h"

namespace livesnap::catalog::internal {
namespace {

struct Statements {
  Statement register_node, remove_leases, remove_node, list_nodes, beat_node, beat_leases;
  Statement beat_media, acquire, find, release, held_by, release_one, list;
};

absl::StatusOr<Statements> PrepareStatements(SqliteDb& db) {
  Statements s;
  const std::pair<Statement*, std::string> sql[] = {
      {&s.register_node,
       "INSERT INTO cluster_nodes (node_id, rtmp_address, api_address, version, started_ms,"
       " heartbeat_ms, snapshots_total, upload_backlog) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
       " ON CONFLICT (node_id) DO UPDATE SET rtmp_address = excluded.rtmp_address,"
       " api_address = excluded.api_address, version = excluded.version,"
       " started_ms = excluded.started_ms, heartbeat_ms = excluded.heartbeat_ms,"
       " snapshots_total = excluded.snapshots_total, upload_backlog = excluded.upload_backlog"},
      {&s.remove_leases, "DELETE FROM live_streams WHERE node_id = ?1"},
      {&s.remove_node, "DELETE FROM cluster_nodes WHERE node_id = ?1"},
      {&s.list_nodes,
       "SELECT n.node_id, n.rtmp_address, n.api_address, n.version, n.started_ms,"
       " n.heartbeat_ms, n.snapshots_total, n.upload_backlog,"
       " (SELECT COUNT(*) FROM live_streams s WHERE s.node_id = n.node_id"
       " AND s.lease_until_ms >= ?1) FROM cluster_nodes n ORDER BY n.node_id"},
      {&s.beat_node,
       "UPDATE cluster_nodes SET heartbeat_ms = ?2, snapshots_total = ?3, upload_backlog = ?4"
       " WHERE node_id = ?1"},
      {&s.beat_leases, "UPDATE live_streams SET lease_until_ms = ?2 WHERE node_id = ?1"},
      {&s.beat_media,
       "UPDATE live_streams SET video_codec = ?5, audio_codec = ?6, width = ?7, height = ?8,"
       " frame_rate_milli = ?9, bytes = ?10, video_frames = ?11, keyframes = ?12,"
       " audio_frames = ?13, bitrate_kbps = ?14, video_bitrate_kbps = ?15,"
       " audio_bitrate_kbps = ?16, reported_ms = ?17"
       " WHERE domain = ?1 AND app = ?2 AND stream = ?3 AND node_id = ?4"},
      {&s.acquire,
       "INSERT INTO live_streams (" + std::string(kLeaseColumns) +
           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
           " ON CONFLICT (domain, app, stream) DO UPDATE SET node_id = excluded.node_id,"
           " token = excluded.token, started_ms = excluded.started_ms,"
           " lease_until_ms = excluded.lease_until_ms, client_addr = excluded.client_addr,"
           " protocol = excluded.protocol, " +
           std::string(kStreamMediaReset) +
           " WHERE live_streams.lease_until_ms < ?10 OR live_streams.node_id = excluded.node_id"},
      {&s.find, "SELECT " + kLeaseAndMediaColumns +
                    " FROM live_streams WHERE domain = ?1 AND app = ?2 AND stream = ?3"
                    " AND lease_until_ms >= ?4"},
      {&s.release,
       "DELETE FROM live_streams WHERE domain = ?1 AND app = ?2 AND stream = ?3"
       " AND node_id = ?4 AND token = ?5"},
      {&s.held_by, "SELECT domain, app, stream FROM live_streams WHERE node_id = ?1"},
      {&s.release_one,
       "DELETE FROM live_streams WHERE domain = ?1 AND app = ?2 AND stream = ?3"
       " AND node_id = ?4"},
      {&s.list, "SELECT " + kLeaseAndMediaColumns +
                    " FROM live_streams WHERE lease_until_ms >= ?1 ORDER BY domain, app, stream"},
  };
  for (const auto& [statement, text] : sql) {
    LS_ASSIGN_OR_RETURN(*statement, db.Prepare(text), "");
  }
  return s;
}

class SqliteRegistry final : public Registry {
 public:
  SqliteRegistry(SqliteDb db, Statements statements)
      : db_(std::move(db)), st_(std::move(statements)) {}

  absl::Status RegisterNode(const Node& n) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", n.node_id), "register node");
    std::lock_guard lock(mu_);
    StatementRun run(st_.register_node);
    LS_RETURN_IF_ERROR(run.Bind(n.node_id, n.rtmp_address, n.api_address, n.version, n.started_ms,
                                n.heartbeat_ms, n.stats.snapshots_total, n.stats.upload_backlog),
                       "register node");
    return Annotate(run.Finish(), "register node " + n.node_id);
  }

  absl::Status RemoveNode(std::string_view node_id) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", node_id), "remove node");
    std::lock_guard lock(mu_);
    const std::string context = "remove node " + std::string(node_id);
    LS_ASSIGN_OR_RETURN(SqliteTransaction transaction,
                        SqliteTransaction::Begin(db_, SqliteTransaction::Mode::kImmediate),
                        context);
    for (Statement* statement : {&st_.remove_leases, &st_.remove_node}) {
      StatementRun run(*statement);
      LS_RETURN_IF_ERROR(run.Bind(node_id), context);
      LS_RETURN_IF_ERROR(run.Finish(), context);
    }
    return Annotate(transaction.Commit(), context);
  }

  absl::StatusOr<std::vector<Node>> ListNodes(int64_t now_ms) override {
    std::lock_guard lock(mu_);
    StatementRun run(st_.list_nodes);
    LS_RETURN_IF_ERROR(run.Bind(now_ms), "list nodes");
    std::vector<Node> nodes;
    while (true) {
      LS_ASSIGN_OR_RETURN(bool row, run.Step(), "list nodes");
      if (!row) return nodes;
      nodes.push_back(
          Node{.node_id = run.Text(0),
               .rtmp_address = run.Text(1),
               .api_address = run.Text(2),
               .version = run.Text(3),
               .started_ms = run.Int64(4),
               .heartbeat_ms = run.Int64(5),
               .stats = {.snapshots_total = run.Int64(6), .upload_backlog = run.Int64(7)},
               .live_streams = run.Int64(8)});
    }
  }

  absl::StatusOr<int64_t> Heartbeat(std::string_view node_id, const NodeStats& stats,
                                    const std::vector<StreamReport>& reports, int64_t now_ms,
                                    int64_t lease_until_ms) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", node_id), "heartbeat");
    std::lock_guard lock(mu_);
    const std::string context = "heartbeat of " + std::string(node_id);
    LS_ASSIGN_OR_RETURN(SqliteTransaction transaction,
                        SqliteTransaction::Begin(db_, SqliteTransaction::Mode::kImmediate),
                        context);
    {
      StatementRun node(st_.beat_node);
      LS_RETURN_IF_ERROR(node.Bind(node_id, now_ms, stats.snapshots_total, stats.upload_backlog),
                         context);
      LS_RETURN_IF_ERROR(node.Finish(), context);
      if (node.Changes() == 0) {
        return absl::NotFoundError("node " + std::string(node_id) + " is not registered");
      }
    }
    StatementRun leases(st_.beat_leases);
    LS_RETURN_IF_ERROR(leases.Bind(node_id, lease_until_ms), context);
    LS_RETURN_IF_ERROR(leases.Finish(), context);
    const int64_t renewed = leases.Changes();
    // One statement per stream, but all in this one local transaction.
    for (const StreamReport& report : reports) {
      const StreamMedia& m = report.media;
      StatementRun media(st_.beat_media);
      LS_RETURN_IF_ERROR(
          media.Bind(report.domain, report.app, report.stream, node_id, m.video_codec,
                     m.audio_codec, m.width, m.height, m.frame_rate_milli, m.bytes, m.video_frames,
                     m.keyframes, m.audio_frames, m.bitrate_kbps, m.video_bitrate_kbps,
                     m.audio_bitrate_kbps, now_ms),
          context);
      LS_RETURN_IF_ERROR(media.Finish(), context);
    }
    LS_RETURN_IF_ERROR(transaction.Commit(), context);
    return renewed;
  }

  absl::StatusOr<StreamLease> AcquireStream(const StreamLease& l, int64_t now_ms) override {
    LS_RETURN_IF_ERROR(CheckLease(l), "acquire stream");
    const std::string context = "acquire stream " + StreamKeyText(l.domain, l.app, l.stream);
    std::lock_guard lock(mu_);
    // The upsert and the read of its outcome in one write transaction.
    LS_ASSIGN_OR_RETURN(SqliteTransaction transaction,
                        SqliteTransaction::Begin(db_, SqliteTransaction::Mode::kImmediate),
                        context);
    {
      StatementRun run(st_.acquire);
      LS_RETURN_IF_ERROR(run.Bind(l.domain, l.app, l.stream, l.node_id, l.token, l.started_ms,
                                  l.lease_until_ms, l.client_addr, l.protocol, now_ms),
                         context);
      LS_RETURN_IF_ERROR(run.Finish(), context);
    }
    LS_ASSIGN_OR_RETURN(std::optional<StreamLease> holder,
                        FindLocked(l.domain, l.app, l.stream, now_ms), context);
    LS_RETURN_IF_ERROR(transaction.Commit(), context);
    if (!holder) return absl::InternalError(context + ": no lease after the upsert");
    return *holder;
  }

  absl::Status ReleaseStream(std::string_view domain, std::string_view app, std::string_view stream,
                             std::string_view node_id, int64_t token) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", node_id), "release stream");
    std::lock_guard lock(mu_);
    StatementRun run(st_.release);
    LS_RETURN_IF_ERROR(run.Bind(domain, app, stream, node_id, token), "release stream");
    return Annotate(run.Finish(), "release stream " + StreamKeyText(domain, app, stream));
  }

  absl::StatusOr<int64_t> ReleaseStreamsExcept(std::string_view node_id,
                                               const std::vector<std::string>& keep) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", node_id), "release streams");
    std::lock_guard lock(mu_);
    LS_ASSIGN_OR_RETURN(SqliteTransaction transaction,
                        SqliteTransaction::Begin(db_, SqliteTransaction::Mode::kImmediate),
                        "release streams");
    const std::set<std::string> kept(keep.begin(), keep.end());
    std::vector<std::array<std::string, 3>> extra;
    {
      StatementRun run(st_.held_by);
      LS_RETURN_IF_ERROR(run.Bind(node_id), "release streams");
      while (true) {
        LS_ASSIGN_OR_RETURN(bool row, run.Step(), "release streams");
        if (!row) break;
        std::array<std::string, 3> key = {run.Text(0), run.Text(1), run.Text(2)};
        if (!kept.contains(StreamKeyText(key[0], key[1], key[2]))) extra.push_back(key);
      }
    }
    for (const auto& [domain, app, stream] : extra) {
      StatementRun run(st_.release_one);
      LS_RETURN_IF_ERROR(run.Bind(domain, app, stream, node_id), "release streams");
      LS_RETURN_IF_ERROR(run.Finish(), "release streams");
    }
    LS_RETURN_IF_ERROR(transaction.Commit(), "release streams");
    return static_cast<int64_t>(extra.size());
  }

  absl::StatusOr<std::vector<StreamLease>> ListStreams(int64_t now_ms) override {
    std::lock_guard lock(mu_);
    StatementRun run(st_.list);
    LS_RETURN_IF_ERROR(run.Bind(now_ms), "list live streams");
    std::vector<StreamLease> leases;
    while (true) {
      LS_ASSIGN_OR_RETURN(bool row, run.Step(), "list live streams");
      if (!row) return leases;
      leases.push_back(ReadLease(run));
    }
  }

  absl::StatusOr<std::optional<StreamLease>> FindStream(std::string_view domain,
                                                        std::string_view app,
                                                        std::string_view stream,
                                                        int64_t now_ms) override {
    std::lock_guard lock(mu_);
    return FindLocked(domain, app, stream, now_ms);
  }

 private:
  absl::StatusOr<std::optional<StreamLease>> FindLocked(std::string_view domain,
                                                        std::string_view app,
                                                        std::string_view stream, int64_t now_ms) {
    StatementRun run(st_.find);
    LS_RETURN_IF_ERROR(run.Bind(domain, app, stream, now_ms), "find live stream");
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), "find live stream");
    if (!row) return std::nullopt;
    return ReadLease(run);
  }

  std::mutex mu_;
  SqliteDb db_;    // guarded by mu_
  Statements st_;  // guarded by mu_; destroyed before db_
};

}  // namespace

absl::StatusOr<std::unique_ptr<Registry>> OpenSqliteRegistry(const std::string& path) {
  const std::string context = "SQLite cluster registry " + path;
  if (path.empty()) return absl::InvalidArgumentError("SQLite catalog path is empty");
  LS_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path, kRegistryStatementTimeoutMs), context);
  if (path != ":memory:") {
    LS_RETURN_IF_ERROR(db.QueryText("PRAGMA journal_mode = WAL").status(), context);
  }
  LS_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = NORMAL"), context);
  // Idempotent on a catalog OpenCatalog migrated; creates the tables of a
  // private in-memory database.
  LS_RETURN_IF_ERROR(MigrateSqlite(db, SqliteMigrations()).status(), context);
  LS_ASSIGN_OR_RETURN(Statements statements, PrepareStatements(db), context);
  return std::make_unique<SqliteRegistry>(std::move(db), std::move(statements));
}

}  // namespace livesnap::catalog::internal
