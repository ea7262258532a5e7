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

absl::StatusOr<std::unique_ptr<Registry>> OpenPostgresRegistry(const std::string& url);
absl::StatusOr<std::unique_ptr<Registry>> OpenSqliteRegistry(const std::string& path);

// A lease to acquire: keys and node id non-empty valid text, a lease that
// ends after it starts.
absl::Status CheckLease(const StreamLease& lease);

}  // namespace livesnap::catalog::internal
