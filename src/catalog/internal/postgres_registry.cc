#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/internal/contract.h"
#include "catalog/internal/pg_conn.h"
#include "catalog/internal/pg_pool.h"
#include "catalog/internal/registry_backends.h"

namespace livesnap::catalog::internal {
namespace {

const std::string kNodeColumns =
    "n.node_id, n.rtmp_address, n.api_address, n.version, n.started_ms, n.heartbeat_ms,"
    " n.snapshots_total, n.upload_backlog";

// A PostgreSQL array literal of one field of every report: each element
// double-quoted with its quotes and backslashes escaped, so any text passes
// as data.
std::string PgArray(const std::vector<StreamReport>& reports,
                    const std::function<std::string(const StreamReport&)>& field) {
  std::string text = "{";
  for (const StreamReport& report : reports) {
    if (text.size() > 1) text += ',';
    text += '"';
    for (const char c : field(report)) {
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    text += '"';
  }
  text += '}';
  return text;
}

// The reports as the parameters $6..$20 of the heartbeat: one array per
// field, which the statement unnests into rows.
void AddReportArrays(const std::vector<StreamReport>& reports, PgParams& params) {
  params.Add(PgArray(reports, [](const StreamReport& r) { return r.domain; }));
  params.Add(PgArray(reports, [](const StreamReport& r) { return r.app; }));
  params.Add(PgArray(reports, [](const StreamReport& r) { return r.stream; }));
  params.Add(PgArray(reports, [](const StreamReport& r) { return r.media.video_codec; }));
  params.Add(PgArray(reports, [](const StreamReport& r) { return r.media.audio_codec; }));
  for (int64_t StreamMedia::*number :
       {&StreamMedia::width, &StreamMedia::height, &StreamMedia::frame_rate_milli,
        &StreamMedia::bytes, &StreamMedia::video_frames, &StreamMedia::keyframes,
        &StreamMedia::audio_frames, &StreamMedia::bitrate_kbps, &StreamMedia::video_bitrate_kbps,
        &StreamMedia::audio_bitrate_kbps}) {
    params.Add(PgArray(
        reports, [number](const StreamReport& r) { return std::to_string(r.media.*number); }));
  }
}

// One statement: the node row, every lease of the node, and the media of
// the leases a report names (the self-join keeps the leases without one).
const std::string kHeartbeatSql =
    "WITH node AS (UPDATE cluster_nodes SET heartbeat_ms = $2, snapshots_total = $4,"
    " upload_backlog = $5 WHERE node_id = $1 RETURNING 1),"
    " report AS (SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::text[],"
    " $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[],"
    " $16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[])"
    " AS r (domain, app, stream, video_codec, audio_codec, width, height, frame_rate_milli,"
    " bytes, video_frames, keyframes, audio_frames, bitrate_kbps, video_bitrate_kbps,"
    " audio_bitrate_kbps)),"
    " renewed AS (UPDATE live_streams s SET lease_until_ms = $3,"
    " video_codec = COALESCE(r.video_codec, s.video_codec),"
    " audio_codec = COALESCE(r.audio_codec, s.audio_codec),"
    " width = COALESCE(r.width, s.width), height = COALESCE(r.height, s.height),"
    " frame_rate_milli = COALESCE(r.frame_rate_milli, s.frame_rate_milli),"
    " bytes = COALESCE(r.bytes, s.bytes),"
    " video_frames = COALESCE(r.video_frames, s.video_frames),"
    " keyframes = COALESCE(r.keyframes, s.keyframes),"
    " audio_frames = COALESCE(r.audio_frames, s.audio_frames),"
    " bitrate_kbps = COALESCE(r.bitrate_kbps, s.bitrate_kbps),"
    " video_bitrate_kbps = COALESCE(r.video_bitrate_kbps, s.video_bitrate_kbps),"
    " audio_bitrate_kbps = COALESCE(r.audio_bitrate_kbps, s.audio_bitrate_kbps),"
    " reported_ms = CASE WHEN r.domain IS NULL THEN s.reported_ms ELSE $2 END"
    " FROM live_streams t LEFT JOIN report r"
    " ON r.domain = t.domain AND r.app = t.app AND r.stream = t.stream"
    " WHERE s.node_id = $1 AND t.domain = s.domain AND t.app = s.app AND t.stream = s.stream"
    " RETURNING 1)"
    " SELECT (SELECT COUNT(*) FROM node), (SELECT COUNT(*) FROM renewed)";

class PostgresRegistry final : public Registry {
 public:
  explicit PostgresRegistry(const std::string& url)
      : pool_(url, kPostgresRegistryConnections,
              "SET statement_timeout TO " + std::to_string(kRegistryStatementTimeoutMs)) {}

  absl::Status RegisterNode(const Node& n) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", n.node_id), "register node");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "register node");
    return Annotate(
        PgExec(conn.get(),
               "INSERT INTO cluster_nodes (node_id, rtmp_address, api_address, version,"
               " started_ms, heartbeat_ms, snapshots_total, upload_backlog)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (node_id) DO UPDATE SET"
               " rtmp_address = EXCLUDED.rtmp_address, api_address = EXCLUDED.api_address,"
               " version = EXCLUDED.version, started_ms = EXCLUDED.started_ms,"
               " heartbeat_ms = EXCLUDED.heartbeat_ms,"
               " snapshots_total = EXCLUDED.snapshots_total,"
               " upload_backlog = EXCLUDED.upload_backlog",
               PgParams::Of(n.node_id, n.rtmp_address, n.api_address, n.version, n.started_ms,
                            n.heartbeat_ms, n.stats.snapshots_total, n.stats.upload_backlog))
            .status(),
        "register node " + n.node_id);
  }

  absl::Status RemoveNode(std::string_view node_id) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", node_id), "remove node");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "remove node");
    return Annotate(PgExec(conn.get(),
                           "WITH gone AS (DELETE FROM live_streams WHERE node_id = $1)"
                           " DELETE FROM cluster_nodes WHERE node_id = $1",
                           PgParams::Of(node_id))
                        .status(),
                    "remove node " + std::string(node_id));
  }

  absl::StatusOr<std::vector<Node>> ListNodes(int64_t now_ms) override {
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "list nodes");
    LS_ASSIGN_OR_RETURN(
        PgResult r,
        PgExec(conn.get(),
               "SELECT " + kNodeColumns +
                   ", (SELECT COUNT(*) FROM live_streams s WHERE s.node_id = n.node_id"
                   " AND s.lease_until_ms >= $1) FROM cluster_nodes n"
                   " ORDER BY n.node_id COLLATE \"C\"",
               PgParams::Of(now_ms)),
        "list nodes");
    std::vector<Node> nodes;
    for (int row = 0; row < PQntuples(r.get()); ++row) {
      nodes.push_back(Node{.node_id = PgText(r.get(), row, 0),
                           .rtmp_address = PgText(r.get(), row, 1),
                           .api_address = PgText(r.get(), row, 2),
                           .version = PgText(r.get(), row, 3),
                           .started_ms = PgInt64(r.get(), row, 4),
                           .heartbeat_ms = PgInt64(r.get(), row, 5),
                           .stats = {.snapshots_total = PgInt64(r.get(), row, 6),
                                     .upload_backlog = PgInt64(r.get(), row, 7)},
                           .live_streams = PgInt64(r.get(), row, 8)});
    }
    return nodes;
  }

  absl::StatusOr<int64_t> Heartbeat(std::string_view node_id, const NodeStats& stats,
                                    const std::vector<StreamReport>& reports, int64_t now_ms,
                                    int64_t lease_until_ms) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", node_id), "heartbeat");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "heartbeat");
    PgParams params =
        PgParams::Of(node_id, now_ms, lease_until_ms, stats.snapshots_total, stats.upload_backlog);
    AddReportArrays(reports, params);
    LS_ASSIGN_OR_RETURN(PgResult r, PgExec(conn.get(), kHeartbeatSql, params),
                        "heartbeat of " + std::string(node_id));
    if (PgInt64(r.get(), 0, 0) == 0) {
      return absl::NotFoundError("node " + std::string(node_id) + " is not registered");
    }
    return PgInt64(r.get(), 0, 1);
  }

  absl::StatusOr<StreamLease> AcquireStream(const StreamLease& l, int64_t now_ms) override {
    LS_RETURN_IF_ERROR(CheckLease(l), "acquire stream");
    const std::string context = "acquire stream " + StreamKeyText(l.domain, l.app, l.stream);
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), context);
    // The row lock ON CONFLICT takes makes the take-over atomic across nodes.
    LS_ASSIGN_OR_RETURN(
        PgResult r,
        PgExec(conn.get(),
               "INSERT INTO live_streams (" + std::string(kLeaseColumns) +
                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                   " ON CONFLICT (domain, app, stream) DO UPDATE SET node_id = EXCLUDED.node_id,"
                   " token = EXCLUDED.token, started_ms = EXCLUDED.started_ms,"
                   " lease_until_ms = EXCLUDED.lease_until_ms,"
                   " client_addr = EXCLUDED.client_addr, protocol = EXCLUDED.protocol, " +
                   std::string(kStreamMediaReset) +
                   " WHERE live_streams.lease_until_ms < $10"
                   " OR live_streams.node_id = EXCLUDED.node_id RETURNING " +
                   kLeaseAndMediaColumns,
               PgParams::Of(l.domain, l.app, l.stream, l.node_id, l.token, l.started_ms,
                            l.lease_until_ms, l.client_addr, l.protocol, now_ms)),
        context);
    if (PQntuples(r.get()) == 1) return ReadLease(PgRow{r.get(), 0});
    // Held by another node: report the holder. It may have been released in
    // between, then try once more.
    LS_ASSIGN_OR_RETURN(std::optional<StreamLease> holder,
                        FindOn(conn.get(), l.domain, l.app, l.stream, now_ms), context);
    if (holder) return *holder;
    return absl::AbortedError(context + ": the holder released it meanwhile; try again");
  }

  absl::Status ReleaseStream(std::string_view domain, std::string_view app, std::string_view stream,
                             std::string_view node_id, int64_t token) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", node_id), "release stream");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "release stream");
    return Annotate(PgExec(conn.get(),
                           "DELETE FROM live_streams WHERE domain = $1 AND app = $2"
                           " AND stream = $3 AND node_id = $4 AND token = $5",
                           PgParams::Of(domain, app, stream, node_id, token))
                        .status(),
                    "release stream " + StreamKeyText(domain, app, stream));
  }

  absl::StatusOr<int64_t> ReleaseStreamsExcept(std::string_view node_id,
                                               const std::vector<std::string>& keep) override {
    LS_RETURN_IF_ERROR(CheckKey("node id", node_id), "release streams");
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "release streams");
    LS_ASSIGN_OR_RETURN(
        PgResult held,
        PgExec(conn.get(), "SELECT domain, app, stream FROM live_streams WHERE node_id = $1",
               PgParams::Of(node_id)),
        "release streams");
    const std::set<std::string> kept(keep.begin(), keep.end());
    int64_t released = 0;
    for (int row = 0; row < PQntuples(held.get()); ++row) {
      const std::string domain = PgText(held.get(), row, 0), app = PgText(held.get(), row, 1),
                        stream = PgText(held.get(), row, 2);
      if (kept.contains(StreamKeyText(domain, app, stream))) continue;
      LS_ASSIGN_OR_RETURN(PgResult gone,
                          PgExec(conn.get(),
                                 "DELETE FROM live_streams WHERE domain = $1 AND app = $2"
                                 " AND stream = $3 AND node_id = $4",
                                 PgParams::Of(domain, app, stream, node_id)),
                          "release streams");
      released += PgAffectedRows(gone.get());
    }
    return released;
  }

  absl::StatusOr<std::vector<StreamLease>> ListStreams(int64_t now_ms) override {
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "list live streams");
    LS_ASSIGN_OR_RETURN(PgResult r,
                        PgExec(conn.get(),
                               "SELECT " + kLeaseAndMediaColumns +
                                   " FROM live_streams WHERE lease_until_ms >= $1"
                                   " ORDER BY domain COLLATE \"C\", app COLLATE \"C\","
                                   " stream COLLATE \"C\"",
                               PgParams::Of(now_ms)),
                        "list live streams");
    std::vector<StreamLease> leases;
    for (int row = 0; row < PQntuples(r.get()); ++row)
      leases.push_back(ReadLease(PgRow{r.get(), row}));
    return leases;
  }

  absl::StatusOr<std::optional<StreamLease>> FindStream(std::string_view domain,
                                                        std::string_view app,
                                                        std::string_view stream,
                                                        int64_t now_ms) override {
    LS_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire(), "find live stream");
    return FindOn(conn.get(), domain, app, stream, now_ms);
  }

 private:
  static absl::StatusOr<std::optional<StreamLease>> FindOn(PGconn* conn, std::string_view domain,
                                                           std::string_view app,
                                                           std::string_view stream,
                                                           int64_t now_ms) {
    LS_ASSIGN_OR_RETURN(PgResult r,
                        PgExec(conn,
                               "SELECT " + kLeaseAndMediaColumns +
                                   " FROM live_streams WHERE domain = $1 AND app = $2"
                                   " AND stream = $3 AND lease_until_ms >= $4",
                               PgParams::Of(domain, app, stream, now_ms)),
                        "find live stream " + StreamKeyText(domain, app, stream));
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return ReadLease(PgRow{r.get(), 0});
  }

  PgPool pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Registry>> OpenPostgresRegistry(const std::string& url) {
  auto registry = std::make_unique<PostgresRegistry>(url);
  // Fails early when the schema lacks the registry's tables.
  LS_RETURN_IF_ERROR(registry->ListNodes(0).status(), "PostgreSQL cluster registry");
  return registry;
}

}  // namespace livesnap::catalog::internal
