// File: server/config.h
//
// livesnapd's configuration: a TOML file (every key optional) over built-in
// defaults, then command-line overrides. Without a file, the embedded
// defaults make a working server: SQLite catalog and file store under
// data_dir, the domains 127.0.0.1 and localhost (region "local") and a "*"
// template taking a snapshot every 5 s in both modes.
//
//   absl::StatusOr<Config> config = LoadConfigFile("livesnap.toml");
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "catalog/catalog.h"
#include "snapshot/push_auth.h"

namespace livesnap::server {

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

// A storage location as declared in the config file, with its secrets.
struct StorageConfig {
  catalog::Bucket bucket;  // name (OssBucket), region, endpoint (OssEndpoint), kind
  std::string root;        // kind "file": the directory objects go under
  // Kind-specific keys as text (storage/store_factory.h), e.g. s3 url and
  // credentials; TOML integers and booleans arrive as "2000" and "false".
  std::map<std::string, std::string> settings;
};

struct Config {
  std::string log_level = "info";
  std::string data_dir = "data";
  // /healthz is degraded while a file system livesnapd writes to has less free.
  int64_t min_free_disk_bytes = int64_t{64} << 20;

  ListenAddress rtmp_listen{"0.0.0.0", 1935};
  int rtmp_io_threads = 1;
  int rtmp_max_connections = 5000;
  int rtmp_max_connections_per_ip = 128;
  int rtmp_max_handshakes_in_flight = 512;
  int rtmp_publishes_per_second_per_ip = 10;
  int64_t rtmp_partial_message_budget_bytes = int64_t{256} * 1024 * 1024;
  int rtmp_handshake_timeout_ms = 10'000;
  int rtmp_idle_timeout_ms = 30'000;
  int rtmp_read_batch_bytes = 16 * 1024;             // SO_RCVLOWAT once publishing; 0: off
  int rtmp_read_sweep_ms = 100;                      // reads of what lies below it
  uint32_t rtmp_max_message_size = 8 * 1024 * 1024;  // once publishing; 64 KiB before
  uint32_t rtmp_max_chunk_size = 16 * 1024 * 1024;
  // RTMPS ([rtmp] tls_listen, tls_cert_file, tls_key_file): off without a
  // listen address; the files are read again on SIGHUP.
  std::optional<ListenAddress> rtmp_tls_listen;
  std::string rtmp_tls_cert_file;
  std::string rtmp_tls_key_file;

  ListenAddress api_listen{"0.0.0.0", 8080};
  // Whether api.listen (or --api-listen) named the address. When it did not
  // and api.auth is off, FinalizeConfig binds the API to 127.0.0.1 only.
  bool api_listen_explicit = false;
  bool api_auth = false;
  std::map<std::string, std::string> access_keys;  // AccessKeyId -> secret
  int api_threads = 4;
  int64_t api_request_timeout_ms = 10'000;  // one request, headers and body, whole
  int api_max_connections_per_ip = 64;
  std::string api_metrics_token;      // with auth on, /metrics needs it as a bearer token
  bool api_public_snapshots = false;  // with auth on, /snapshots/ without a signature
  std::string api_console_dir;        // the console's files, served under /console/; empty: none

  std::string catalog_url;         // empty: sqlite under data_dir
  int record_retention_days = 30;  // sequence records older than this are removed; 0: kept
  // Sequence captures (with their JPEGs) and snapshot records held in memory
  // while the catalog cannot be reached (snapshot/catalog_backlog.h).
  int64_t catalog_backlog_max_bytes = int64_t{256} << 20;

  int snapshot_workers = 2;  // capture threads (decode + encode + store)
  int jpeg_quality = 80;     // 1..100
  // Keyframes waiting for a capture worker, all streams together.
  int64_t capture_queue_max_bytes = int64_t{64} << 20;

  // [srt]: the SRT listener (srt/srt_server.h); off while srt.listen is unset.
  ListenAddress srt_listen;        // port 0: off
  std::string srt_default_domain;  // for stream ids without h=
  std::string srt_passphrase;      // AES encryption; empty: none
  int srt_latency_ms = 120;
  int srt_max_connections = 5000;
  int srt_max_connections_per_ip = 128;
  int srt_publishes_per_second_per_ip = 10;
  int srt_idle_timeout_ms = 30'000;
  int64_t srt_pes_budget_bytes = int64_t{256} << 20;
  int srt_read_batch_ms = 20;  // the loop wakes at most this often while data flows

  // [cluster]: this node in the registry of the nodes sharing the catalog.
  std::string cluster_node_id;         // empty: "<hostname>:<RTMP port>"
  std::string cluster_advertise_rtmp;  // host:port others name it by; empty: from rtmp.listen
  std::string cluster_advertise_api;   // host:port of its API; empty: from api.listen
  int cluster_lease_ms = 15'000;       // a dead node's streams are free after this
  int cluster_heartbeat_ms = 4'000;    // renews all of the node's leases at once

  std::vector<StorageConfig> storages;
  // Created at start when absent; never overwrite what the API changed.
  std::vector<catalog::Domain> seed_domains;
  // URL signing of pushes by domain name ([[domain]] auth_type, auth_key1,
  // auth_key2, ali_auth_delta); domains without one take unsigned pushes.
  std::map<std::string, snapshot::PushAuthConfig> push_auth;
  std::vector<catalog::SnapshotTemplate> seed_templates;
};

// The configuration used when no file is given.
Config EmbeddedDefaults();

// Reads a TOML file. Keys it omits keep their defaults; a file that declares
// any [[storage]], [[domain]] or [[template]] replaces the embedded ones.
// Errors name the file, the key and the value that was wrong.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// The log levels livesnapd knows (spdlog's names); anything else would turn
// logging off silently.
inline constexpr std::string_view kLogLevels[] = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
// InvalidArgument naming `level` unless it is one of kLogLevels.
absl::Status ValidateLogLevel(std::string_view level);

// "host:port" or ":port" -> ListenAddress.
absl::StatusOr<ListenAddress> ParseListenAddress(const std::string& text);

// Resolves paths relative to data_dir and fills catalog_url when empty.
// Fails on values out of range, with the key named.
absl::Status FinalizeConfig(Config& config);

}  // namespace livesnap::server
