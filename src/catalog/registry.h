// File: catalog/registry.h
//
// The cluster registry: the livesnapd nodes that share a catalog, and every
// live stream with the node that holds it under a lease and what that node
// last reported of it. Stored in the catalog's database (tables of schema
// version 3, the streams' reported media of version 6), on SQLite (one node) or
// PostgreSQL (a cluster). It is how any node refuses a stream that is live
// elsewhere and answers for the whole cluster; PostgreSQL is the only
// coordinator.
//
//   auto registry = OpenRegistry(config.catalog_url);    // after OpenCatalog migrated it
//   (*registry)->RegisterNode(node);
//   auto holder = (*registry)->AcquireStream(lease, now_ms);
//   if (holder->node_id != lease.node_id) { ... refuse: live on holder->node_id ... }
//   (*registry)->Heartbeat(node_id, stats, reports, now_ms, now_ms + 15'000);  // every few seconds
//   (*registry)->ReleaseStream(domain, app, stream, node_id, token);
//
// Leases: a stream row is held by one node until lease_until_ms. A node
// renews all of its leases with one Heartbeat (one statement on PostgreSQL,
// one transaction on SQLite), whatever its number of streams, and with it
// writes what it reports of each stream (codecs, picture, rates, counters),
// so another node reads them at most one heartbeat old. Another node
// may take a stream over only once its lease has expired, so a node killed
// with SIGKILL frees its streams one lease later. Times are Unix ms of the
// caller's clock: the nodes' clocks must agree (NTP) to well under a lease.
//
// Errors: InvalidArgument for an empty key or node id, Unavailable when the
// database cannot be reached (PostgreSQL: also when a statement runs longer
// than kRegistryStatementTimeoutMs, so a caller on an event loop is never
// held long).
//
// Thread-safety: every Registry is safe to call from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap::catalog {

inline constexpr int kRegistryStatementTimeoutMs = 2000;

struct NodeStats {
  int64_t snapshots_total = 0;  // snapshots stored since the node started
  int64_t upload_backlog = 0;   // objects waiting for the store
};

struct Node {
  std::string node_id;
  std::string rtmp_address;  // host:port encoders (or the LB) reach
  std::string api_address;   // host:port of its HTTP API
  std::string version;
  int64_t started_ms = 0;
  int64_t heartbeat_ms = 0;
  NodeStats stats;
  int64_t live_streams = 0;  // unexpired leases it holds (filled by ListNodes)
};

// What the holder of a stream last reported of it at a heartbeat: all 0 (and
// empty codecs) until its first heartbeat after the publish started.
struct StreamMedia {
  std::string video_codec;  // media::VideoCodecName(), e.g. "H.264"; "" if unknown
  std::string audio_codec;  // media::AudioCodecName(), e.g. "AAC"
  int64_t width = 0;
  int64_t height = 0;
  int64_t frame_rate_milli = 0;  // frames per 1000 s (30 fps: 30000)
  int64_t bytes = 0;
  int64_t video_frames = 0;
  int64_t keyframes = 0;
  int64_t audio_frames = 0;
  int64_t bitrate_kbps = 0;
  int64_t video_bitrate_kbps = 0;
  int64_t audio_bitrate_kbps = 0;
  int64_t reported_ms = 0;  // the heartbeat that wrote it (Unix ms); 0: none yet

  bool operator==(const StreamMedia&) const = default;
};

// One stream's report in a Heartbeat.
struct StreamReport {
  std::string domain;
  std::string app;
  std::string stream;
  StreamMedia media;  // reported_ms is the heartbeat's now_ms, whatever is set here
};

struct StreamLease {
  std::string domain;
  std::string app;
  std::string stream;
  std::string node_id;
  int64_t token = 0;  // the holder's id of this publish; a release must name it
  int64_t started_ms = 0;
  int64_t lease_until_ms = 0;
  std::string client_addr;
  std::string protocol;  // e.g. "rtmp"
  StreamMedia media;     // read only: AcquireStream starts it afresh, Heartbeat writes it
};

class Registry {
 public:
  virtual ~Registry() = default;

  // Inserts or replaces the node's row (a restarted node keeps its id).
  virtual absl::Status RegisterNode(const Node& node) = 0;
  // Removes the node's row and every lease it holds (graceful stop).
  virtual absl::Status RemoveNode(std::string_view node_id) = 0;
  // Every registered node, by id, each with the count of its unexpired leases.
  virtual absl::StatusOr<std::vector<Node>> ListNodes(int64_t now_ms) = 0;

  // Renews every lease of `node_id` to `lease_until_ms`, records the
  // heartbeat and stats in its row and each report's media (stamped
  // `now_ms`) in the lease of its stream when `node_id` holds it (reports of
  // other streams are ignored; a lease without a report keeps its media);
  // returns how many leases it renewed. NotFound when the node row is gone
  // (it must register again).
  virtual absl::StatusOr<int64_t> Heartbeat(std::string_view node_id, const NodeStats& stats,
                                            const std::vector<StreamReport>& reports,
                                            int64_t now_ms, int64_t lease_until_ms) = 0;

  // Takes the lease of (domain, app, stream) in one atomic step: inserts it,
  // or replaces the row when its lease expired before `now_ms` or it is held
  // by lease.node_id already. Returns the row as it stands afterwards: the
  // caller holds the stream iff the returned node_id and token are its own;
  // otherwise it is the live holder's row, unchanged.
  virtual absl::StatusOr<StreamLease> AcquireStream(const StreamLease& lease, int64_t now_ms) = 0;
  // Deletes the lease if `node_id` still holds it with `token` (a newer
  // publish of the same stream keeps its own). Releasing a lease that is
  // gone is no error.
  virtual absl::Status ReleaseStream(std::string_view domain, std::string_view app,
                                     std::string_view stream, std::string_view node_id,
                                     int64_t token) = 0;
  // Deletes the leases of `node_id` that are not among `keep` (keys
  // "domain/app/stream"); returns how many it deleted.
  virtual absl::StatusOr<int64_t> ReleaseStreamsExcept(std::string_view node_id,
                                                       const std::vector<std::string>& keep) = 0;

  // Unexpired leases of every node, by domain, app, stream.
  virtual absl::StatusOr<std::vector<StreamLease>> ListStreams(int64_t now_ms) = 0;
  // The unexpired lease of one stream, if any.
  virtual absl::StatusOr<std::optional<StreamLease>> FindStream(std::string_view domain,
                                                                std::string_view app,
                                                                std::string_view stream,
                                                                int64_t now_ms) = 0;
};

// Opens the registry in the catalog database named by `url` (same forms as
// OpenCatalog, which must have migrated it to schema version 6 or later).
// A SQLite ":memory:" catalog is private to its connection: the registry
// then keeps its own in-memory tables, which is right for a single node.
absl::StatusOr<std::unique_ptr<Registry>> OpenRegistry(std::string_view url);

// "domain/app/stream", the key ReleaseStreamsExcept takes.
std::string StreamKeyText(std::string_view domain, std::string_view app, std::string_view stream);

}  // namespace livesnap::catalog
