// File: catalog/internal/registry_backends.h
//
// The two implementations of catalog/registry.h and what they check alike.
// PostgreSQL runs the registry on a pool of its own whose sessions set
// statement_timeout to kRegistryStatementTimeoutMs, so a lease taken on an
// event loop thread waits for a slow or locked database only that long.
// SQLite opens a connection of its own to the catalog file (WAL lets it run
// beside the catalog's).
//
// Thread-safety: the returned registries are safe to call from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "catalog/registry.h"

namespace livesnap::catalog::internal {

inline constexpr int kPostgresRegistryConnections = 4;

// The StreamMedia columns of live_streams (schema version 6) in the order of
// the struct's fields, and the SET list that starts them afresh (a new
// publish of a stream has reported nothing yet).
inline constexpr std::string_view kStreamMediaColumns =
    "video_codec, audio_codec, width, height, frame_rate_milli, bytes, video_frames, keyframes,"
    " audio_frames, bitrate_kbps, video_bitrate_kbps, audio_bitrate_kbps, reported_ms";
inline constexpr std::string_view kStreamMediaReset =
    "video_codec = '', audio_codec = '', width = 0, height = 0, frame_rate_milli = 0, bytes = 0,"
    " video_frames = 0, keyframes = 0, audio_frames = 0, bitrate_kbps = 0,"
    " video_bitrate_kbps = 0, audio_bitrate_kbps = 0, reported_ms = 0";

// The lease columns of live_streams, and what the lease reads return: the
// lease and its reported media, in the order ReadLease takes them.
inline constexpr std::string_view kLeaseColumns =
    "domain, app, stream, node_id, token, started_ms, lease_until_ms, client_addr, protocol";
inline const std::string kLeaseAndMediaColumns =
    std::string(kLeaseColumns) + ", " + std::string(kStreamMediaColumns);

// A lease row in the order of kLeaseAndMediaColumns; `row` is SQLite's
// StatementRun or PostgreSQL's PgRow.
template <typename Row>
StreamLease ReadLease(const Row& row) {
  return StreamLease{.domain = row.Text(0),
                     .app = row.Text(1),
                     .stream = row.Text(2),
                     .node_id = row.Text(3),
                     .token = row.Int64(4),
                     .started_ms = row.Int64(5),
                     .lease_until_ms = row.Int64(6),
                     .client_addr = row.Text(7),
                     .protocol = row.Text(8),
                     .media = {.video_codec = row.Text(9),
                               .audio_codec = row.Text(10),
                               .width = row.Int64(11),
                               .height = row.Int64(12),
                               .frame_rate_milli = row.Int64(13),
                               .bytes = row.Int64(14),
                               .video_frames = row.Int64(15),
                               .keyframes = row.Int64(16),
                               .audio_frames = row.Int64(17),
                               .bitrate_kbps = row.Int64(18),
                               .video_bitrate_kbps = row.Int64(19),
                               .audio_bitrate_kbps = row.Int64(20),
                               .reported_ms = row.Int64(21)}};
}

absl::StatusOr<std::unique_ptr<Registry>> OpenPostgresRegistry(const std::string& url);
absl::StatusOr<std::unique_ptr<Registry>> OpenSqliteRegistry(const std::string& path);

// A lease to acquire: keys and node id non-empty valid text, a lease that
// ends after it starts.
absl::Status CheckLease(const StreamLease& lease);

}  // namespace livesnap::catalog::internal
