// File: api/api_server.h
//
// livesnap's HTTP API (DESIGN.md "Interfaces people use"):
//   /?Action=...           the ApsaraVideo Live-compatible RPC actions (GET, or
//                          POST with a url-encoded form), Version 2016-11-01,
//                          Format JSON, signature version 1.0 when auth is on
//   /healthz               200 {"Status": "ok"}; 503 {"Status": "degraded",
//                          "Problems": [...]} when the catalog does not answer
//                          or ApiOptions::health reports a problem
//   /metrics               Prometheus text of the shared registry
//   /snapshots/latest/{domain}/{app}/{stream}.jpg   the newest image of a live stream
//   /snapshots/object/{bucket}/{key...}             a stored snapshot object
//   /console/...           the console's files (console_dir, then console_files);
//                          index.html for a browser's page request of a path
//                          that is no file (client-side routes); a bare /
//                          redirects there
// Errors are JSON {RequestId, HostId, Code, Message} with the status of
// api/error_codes.h; every success carries a RequestId.
//
// Who may call what. With auth on, the actions and the /snapshots/ images
// need a request signed with an access key (an image's signature covers
// its path in place of "/"; ApiOptions::public_snapshots makes them
// public), /metrics needs "Authorization: Bearer <metrics_token>", and
// /healthz and /console/ (files only, no data) are public. With auth off,
// everything is open, but an action that changes state is refused when a
// page of another web origin may have sent it (Forbidden.CrossOrigin).
//
// Slow and idle clients: the server reads every connection on one event
// loop (no thread per connection); a request must arrive whole within
// request_timeout_ms, bodies are bounded whatever their framing, and each
// client address holds at most max_connections_per_ip connections
// (internal/http_listener.h).
//
//   ApiOptions options;
//   options.port = 8080;
//   auto api = ApiServer::Create(options, catalog, &hub, &metrics, &clock, sources);
//   LS_RETURN_IF_ERROR((*api)->Start(), "start API");
//   ...
//   (*api)->Stop();
//
// Thread-safety: handlers run on options.worker_threads threads; the
// catalog, hub, stores and latest_image function must be thread-safe.
// Create, Start and Stop are called from one controlling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "catalog/registry.h"
#include "media/hub.h"
#include "storage/object_store.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace livesnap::api {

// A console file the binary carries (web/console_assets.h).
struct ConsoleFile {
  std::string_view content;
  std::string_view mime_type;
  std::string_view etag;  // strong and quoted; If-None-Match with it answers 304
};
// The file at `path` under /console/ ("index.html", "js/app.js"), or nullopt.
using ConsoleFileFn = std::function<std::optional<ConsoleFile>(std::string_view path)>;

// A part of the node that does not work as it should, for /healthz.
struct HealthProblem {
  std::string component;  // "catalog", "storage snapshots", "disk"
  std::string reason;     // one word a monitor can match: "unreachable", "no_space", ...
  std::string message;    // what an operator reads
};
// The node's problems beyond the catalog (stores, disk). Called for every
// /healthz and before /metrics is rendered, so gauges it sets are fresh;
// must be cheap and thread-safe.
using HealthFn = std::function<std::vector<HealthProblem>()>;

struct ApiOptions {
  std::string listen_host = "127.0.0.1";
  uint16_t port = 0;  // 0: a free port, see ApiServer::port()
  bool auth_enabled = true;
  std::map<std::string, std::string> access_keys;  // AccessKeyId -> AccessKeySecret
  int worker_threads = 4;               // handlers (reading and writing is on one event loop)
  int64_t request_timeout_ms = 10'000;  // headers and body of one request, whole
  int max_connections_per_ip = 64;
  // With auth on, /metrics answers "Authorization: Bearer <metrics_token>"
  // only; empty: /metrics is refused with auth on.
  std::string metrics_token;
  bool public_snapshots = false;  // with auth on, /snapshots/ without a signature
  std::string console_dir;        // served under /console/, ahead of console_files
  ConsoleFileFn console_files;    // what console_dir lacks; both empty: no console
  // Called after an action that changes domains, templates or notify configs
  // succeeded, before its answer is sent: the snapshot pipeline reloads its
  // templates, so the next push follows the change. Empty: nothing is called.
  std::function<void()> config_changed;
  HealthFn health;  // empty: only the catalog is checked
  // The cluster registry: the online list covers every node's streams and
  // DescribeLivesnapNodes lists the nodes; /metrics labels every sample with
  // node_id. Null: this node alone, no node_id label.
  catalog::Registry* registry = nullptr;
  std::string node_id;
  int64_t lease_ms = 15'000;
};

// The newest JPEG of a live stream, as the snapshot pipeline keeps it.
struct LatestImage {
  std::shared_ptr<const std::vector<uint8_t>> jpeg;
  int width = 0;
  int height = 0;
  int64_t capture_unix_ms = 0;
};
// nullopt when the stream has no image (not live, or none taken yet).
using LatestImageFn = std::function<std::optional<LatestImage>(const media::StreamKey& key)>;

// Bucket name (OssBucket) -> its store.
using ObjectStoreMap = std::map<std::string, storage::ObjectStore*, std::less<>>;

// Where the /snapshots/ routes read images from. Both may be empty: the
// routes then answer 404.
struct SnapshotSources {
  ObjectStoreMap stores;
  LatestImageFn latest_image;
};

class ApiServer {
 public:
  // Binds the listening socket (so port() is known) but serves nothing
  // until Start. catalog, metrics and clock are required; hub may be null
  // (no live streams are listed). All must outlive the server.
  static absl::StatusOr<std::unique_ptr<ApiServer>> Create(
      ApiOptions options, catalog::Catalog* catalog, const media::MediaHub* hub,
      prometheus::Registry* metrics, const Clock* clock, SnapshotSources sources = {});
  virtual ~ApiServer() = default;

  // Starts serving on a thread of its own.
  virtual absl::Status Start() = 0;
  // Stops accepting, finishes requests in flight and joins. Idempotent.
  virtual void Stop() = 0;
  virtual int port() const = 0;
};

}  // namespace livesnap::api
