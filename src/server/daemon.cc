#include "server/daemon.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>

#include "api/api_server.h"
#include "base/clock.h"
#include "base/status.h"
#include "base/utc_time.h"
#include "catalog/catalog.h"
#include "catalog/change_feed.h"
#include "catalog/registry.h"
#include "media/hub.h"
#include "notify/notifier.h"
#include "rtmp/server.h"
#include "server/catalog_seed.h"
#include "server/cluster_member.h"
#include "server/disk_monitor.h"
#include "server/latest_image_proxy.h"
#include "snapshot/catalog_backlog.h"
#include "snapshot/push_auth.h"
#include "snapshot/record_retention.h"
#include "snapshot/snapshot_recorder.h"
#include "snapshot/snapshotter.h"
#include "snapshot/template_cache.h"
#include "srt/srt_server.h"
#include "storage/reliable_uploader.h"
#include "storage/store_factory.h"
#include "web/console_assets.h"

namespace livesnap::server {

namespace {

// One store per [[storage]] of the config, keyed by bucket name.
absl::Status OpenStores(const Config& config,
                        std::map<std::string, std::unique_ptr<storage::ObjectStore>>& stores) {
  for (const StorageConfig& storage : config.storages) {
    storage::StoreSpec spec{.kind = storage.bucket.kind,
                            .name = storage.bucket.name,
                            .region = storage.bucket.region,
                            .endpoint = storage.bucket.endpoint,
                            .settings = storage.settings};
    if (!storage.root.empty()) spec.settings["root"] = storage.root;
    LS_ASSIGN_OR_RETURN(stores[storage.bucket.name], storage::OpenObjectStore(spec),
                        "storage " + storage.bucket.name);
  }
  return absl::OkStatus();
}

constexpr const char* kLivesnapVersion = "0.1.0";

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// The address other nodes reach a listener by: a wildcard host is replaced
// by this machine's name.
std::string Advertised(const std::string& host, int port) {
  const bool wildcard = host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
  return fmt::format("{}:{}", wildcard ? HostName() : host, port);
}

// The templates' periodic reload on a shared catalog, where the change feed
// brings other nodes' changes at once.
constexpr int64_t kSharedCatalogRefreshMs = 30'000;

// How long Stop lets the uploaders deliver what waits before they spool it.
constexpr std::chrono::milliseconds kUploadGrace(5000);
// How long Stop lets the records of the last uploads reach the catalog.
constexpr std::chrono::milliseconds kRecordGrace(2000);

class DaemonImpl final : public Daemon {
 public:
  explicit DaemonImpl(Config config)
      : config_(std::move(config)), hub_(SystemClock::Instance(), metrics_) {}

  absl::Status Init() {
    LS_ASSIGN_OR_RETURN(catalog_, catalog::OpenCatalog(config_.catalog_url), "open catalog");
    LS_RETURN_IF_ERROR(SeedCatalog(config_, *catalog_, SystemClock::Instance()), "seed catalog");

    // On PostgreSQL other nodes' changes arrive at once through the change
    // feed (LISTEN/NOTIFY); the periodic reload is then only its fallback.
    const bool shared = config_.catalog_url.starts_with("postgres");
    LS_ASSIGN_OR_RETURN(
        templates_,
        snapshot::TemplateCache::Create(
            *catalog_, {.refresh_interval_ms = shared ? kSharedCatalogRefreshMs : 2000},
            SystemClock::Instance()),
        "snapshot templates");
    LS_ASSIGN_OR_RETURN(
        change_feed_,
        catalog::OpenChangeFeed(config_.catalog_url, [this] { (void)templates_->Reload(); }),
        "catalog change feed");
    // Publishes start on RTMP loop threads: the domain is looked up in
    // memory, never in the catalog (see snapshot/template_cache.h).
    // The cluster's lease is taken last, once every local check passed (see
    // server/cluster_member.h for its cost on the loop thread).
    hub_.SetAdmissionPolicy([this](const media::StreamInfo& info) -> absl::Status {
      if (!templates_->HasDomain(info.key.domain)) {
        return absl::NotFoundError("unknown domain \"" + info.key.domain +
                                   "\": add it with AddLiveDomain or the config file");
      }
      if (absl::Status signature = CheckSignature(info); !signature.ok()) return signature;
      return cluster_->Admit(info);
    });
    LS_ASSIGN_OR_RETURN(registry_, catalog::OpenRegistry(config_.catalog_url), "cluster registry");

    LS_RETURN_IF_ERROR(OpenStores(config_, stores_), "open storage");
    std::vector<std::filesystem::path> disk_paths = {config_.data_dir};
    for (const StorageConfig& storage : config_.storages) {
      if (!storage.root.empty()) disk_paths.emplace_back(storage.root);
    }
    disk_ = std::make_unique<DiskMonitor>(
        std::move(disk_paths), static_cast<uint64_t>(config_.min_free_disk_bytes), metrics_);
    LS_ASSIGN_OR_RETURN(notifier_, notify::Notifier::Create({}, metrics_, SystemClock::Instance()),
                        "snapshot callbacks");
    backlog_ = std::make_unique<snapshot::CatalogBacklog>(
        *catalog_,
        snapshot::CatalogBacklogOptions{.max_bytes =
                                            static_cast<size_t>(config_.catalog_backlog_max_bytes)},
        metrics_, SystemClock::Instance());
    recorder_ = std::make_unique<snapshot::SnapshotRecorder>(*backlog_, notifier_.get(), metrics_,
                                                             SystemClock::Instance());
    LS_RETURN_IF_ERROR(StartUploaders(), "start uploads");
    snapshot::UploaderMap uploader_map;
    for (const auto& [name, uploader] : uploaders_) uploader_map.emplace(name, uploader.get());
    snapshot::SnapshotterOptions capture;
    capture.workers = config_.snapshot_workers;
    capture.jpeg_quality = config_.jpeg_quality;
    capture.max_pending_bytes = static_cast<size_t>(config_.capture_queue_max_bytes);
    LS_ASSIGN_OR_RETURN(
        snapshotter_,
        snapshot::Snapshotter::Create(capture, *templates_, *backlog_, std::move(uploader_map),
                                      *recorder_, metrics_, SystemClock::Instance()),
        "snapshot pipeline");
    hub_.AddSubscriber(snapshotter_.get());
    if (config_.record_retention_days > 0) {
      LS_ASSIGN_OR_RETURN(
          retention_,
          snapshot::RecordRetention::Create({.retention_days = config_.record_retention_days},
                                            *catalog_, metrics_, SystemClock::Instance()),
          "record retention");
    }

    rtmp::RtmpServerOptions rtmp;
    rtmp.listen_host = config_.rtmp_listen.host;
    rtmp.port = config_.rtmp_listen.port;
    rtmp.io_threads = config_.rtmp_io_threads;
    rtmp.max_connections = config_.rtmp_max_connections;
    rtmp.max_connections_per_ip = config_.rtmp_max_connections_per_ip;
    rtmp.max_handshakes_in_flight = config_.rtmp_max_handshakes_in_flight;
    rtmp.publishes_per_second_per_ip = config_.rtmp_publishes_per_second_per_ip;
    rtmp.partial_message_budget_bytes =
        static_cast<uint64_t>(config_.rtmp_partial_message_budget_bytes);
    rtmp.handshake_timeout_ms = config_.rtmp_handshake_timeout_ms;
    rtmp.idle_timeout_ms = config_.rtmp_idle_timeout_ms;
    rtmp.read_batch_bytes = config_.rtmp_read_batch_bytes;
    rtmp.read_sweep_ms = config_.rtmp_read_sweep_ms;
    rtmp.session.chunk_limits.max_chunk_size = config_.rtmp_max_chunk_size;
    if (config_.rtmp_tls_listen) {
      rtmp.tls_listen_host = config_.rtmp_tls_listen->host;
      rtmp.tls_port = config_.rtmp_tls_listen->port;
      rtmp.tls_cert_file = config_.rtmp_tls_cert_file;
      rtmp.tls_key_file = config_.rtmp_tls_key_file;
    }
    rtmp.session.chunk_limits.max_message_size = config_.rtmp_max_message_size;
    LS_ASSIGN_OR_RETURN(rtmp_, rtmp::RtmpServer::Create(rtmp, hub_, metrics_), "RTMP server");
    LS_RETURN_IF_ERROR(StartSrt(), "SRT listener");

    api::ApiOptions api;
    api.listen_host = config_.api_listen.host;
    api.port = config_.api_listen.port;
    api.auth_enabled = config_.api_auth;
    api.access_keys = config_.access_keys;
    api.worker_threads = config_.api_threads;
    api.request_timeout_ms = config_.api_request_timeout_ms;
    api.max_connections_per_ip = config_.api_max_connections_per_ip;
    api.metrics_token = config_.api_metrics_token;
    api.public_snapshots = config_.api_public_snapshots;
    api.console_files = [](std::string_view path) -> std::optional<api::ConsoleFile> {
      const std::optional<console::ConsoleAsset> asset = console::FindConsoleAsset(path);
      if (!asset) return std::nullopt;
      return api::ConsoleFile{asset->content, asset->mime_type, asset->etag};
    };
    api.console_dir = config_.api_console_dir;
    api.config_changed = [this] { (void)templates_->Reload(); };  // failures are logged there
    api.health = [this] { return HealthProblems(); };
    api.registry = registry_.get();
    api.lease_ms = config_.cluster_lease_ms;
    api::SnapshotSources snapshots;
    for (const auto& [name, store] : stores_) snapshots.stores.emplace(name, store.get());
    snapshots.latest_image =
        [this](const media::StreamKey& key) -> std::optional<api::LatestImage> {
      std::optional<snapshot::LatestImage> latest = snapshotter_->Latest(key);
      if (latest) {
        return api::LatestImage{latest->jpeg, latest->width, latest->height,
                                latest->capture_unix_ms};
      }
      return latest_proxy_->Fetch(key);  // live on another node?
    };
    // The node id and addresses need the bound ports; the API learns the id
    // before it serves.
    const std::string node_id = !config_.cluster_node_id.empty()
                                    ? config_.cluster_node_id
                                    : fmt::format("{}:{}", HostName(), rtmp_->port());
    api.node_id = node_id;
    latest_proxy_ =
        std::make_unique<LatestImageProxy>(*registry_, node_id, SystemClock::Instance());
    if (config_.api_auth && !config_.access_keys.empty()) {
      // Another node's images answer signed requests only.
      const auto& [key_id, key_secret] = *config_.access_keys.begin();
      latest_proxy_->set_access_key(key_id, key_secret);
    }
    LS_ASSIGN_OR_RETURN(api_,
                        api::ApiServer::Create(api, catalog_.get(), &hub_, &metrics_,
                                               &SystemClock::Instance(), std::move(snapshots)),
                        "API server");
    return JoinCluster(node_id);
  }

  // Registers this node and subscribes its leases to the hub (before Start).
  absl::Status JoinCluster(const std::string& node_id) {
    ClusterMemberOptions cluster;
    cluster.node_id = node_id;
    cluster.rtmp_address = !config_.cluster_advertise_rtmp.empty()
                               ? config_.cluster_advertise_rtmp
                               : Advertised(config_.rtmp_listen.host, rtmp_->port());
    cluster.api_address = !config_.cluster_advertise_api.empty()
                              ? config_.cluster_advertise_api
                              : Advertised(config_.api_listen.host, api_->port());
    cluster.version = kLivesnapVersion;
    cluster.lease_ms = config_.cluster_lease_ms;
    cluster.heartbeat_ms = config_.cluster_heartbeat_ms;
    cluster.stats = [this] { return NodeStats(); };
    cluster.live_streams = [this] { return hub_.ListLiveStreams(); };
    LS_ASSIGN_OR_RETURN(
        cluster_,
        ClusterMember::Create(std::move(cluster), *registry_, SystemClock::Instance(), metrics_),
        "cluster");
    hub_.AddSubscriber(cluster_.get());
    return absl::OkStatus();
  }

  catalog::NodeStats NodeStats() const {
    catalog::NodeStats stats;
    for (const auto& [name, uploader] : uploaders_) {
      stats.upload_backlog += static_cast<int64_t>(uploader->backlog().uploads);
    }
    for (const prometheus::MetricFamily& family : metrics_.Collect()) {
      if (family.name != "livesnap_snapshots_total") continue;
      for (const prometheus::ClientMetric& metric : family.metric) {
        for (const prometheus::ClientMetric::Label& label : metric.label) {
          if (label.name == "result" && label.value == "stored") {
            stats.snapshots_total += static_cast<int64_t>(metric.counter.value);
          }
        }
      }
    }
    return stats;
  }

  absl::Status Start() override {
    if (!config_.api_auth) {
      spdlog::warn(
          "API authentication is OFF (api.auth = \"off\"): anyone who reaches {}:{} "
          "can change the configuration",
          config_.api_listen.host, api_->port());
    }
    rtmp_->Start();
    LS_RETURN_IF_ERROR(api_->Start(), "start API server");
    const bool has_console =
        !config_.api_console_dir.empty() || !console::AllConsoleAssets().empty();
    spdlog::info("livesnapd ready: rtmp://{}:{}/<app>/<stream>, API http://{}:{}/{}",
                 config_.rtmp_listen.host, rtmp_->port(), config_.api_listen.host, api_->port(),
                 has_console ? fmt::format(", console http://{}:{}/console/",
                                           config_.api_listen.host, api_->port())
                             : "");
    return absl::OkStatus();
  }

  // Ingest first (ends every publish), then the captures already queued
  // and their sequence numbers, then their uploads (what the grace leaves is
  // spooled for the next start) and records, then the callbacks of what was
  // stored, and the API last so it answers until the end. Catalog work that
  // still waits for a catalog that is down when the grace is over is given
  // up and counted.
  void Stop() override {
    if (cluster_ != nullptr) cluster_->BeginDrain();  // the LB sends reconnects elsewhere
    rtmp_->Stop();
    if (srt_ != nullptr) srt_->Stop();
    snapshotter_->Stop();
    change_feed_.reset();  // calls templates_
    templates_->Stop();
    if (retention_ != nullptr) retention_->Stop();
    const auto deadline = std::chrono::steady_clock::now() + kUploadGrace;
    backlog_->WaitIdle(deadline);  // numbers for the last captures
    for (auto& [name, uploader] : uploaders_) {
      uploader->Stop(std::max(std::chrono::milliseconds(0),
                              std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())));
    }
    backlog_->WaitIdle(std::max(deadline, std::chrono::steady_clock::now() + kRecordGrace));
    backlog_->Stop();
    // Leases went as the publishes ended; now the node's row.
    if (cluster_ != nullptr) cluster_->Stop();
    notifier_->Stop(std::chrono::seconds(5));
    api_->Stop();
  }

  uint16_t rtmp_port() const override { return rtmp_->port(); }

  void Reload() override {
    if (!config_.rtmp_tls_listen) {
      spdlog::info("SIGHUP: nothing to reload (no rtmp.tls_listen)");
      return;
    }
    if (absl::Status reloaded = rtmp_->ReloadTlsCertificate(); !reloaded.ok()) {
      spdlog::error("SIGHUP: RTMPS certificate not reloaded, the previous one stays: {}",
                    std::string(reloaded.message()));
      return;
    }
    spdlog::info("SIGHUP: RTMPS certificate {} reloaded; new handshakes use it",
                 config_.rtmp_tls_cert_file);
  }

  // The SRT listener, when srt.listen names a port: its publishes go through
  // the same hub admission (domain, signature, cluster lease) as RTMP's.
  absl::Status StartSrt() {
    if (config_.srt_listen.port == 0) return absl::OkStatus();
    srt::SrtServerOptions options;
    options.listen_host = config_.srt_listen.host;
    options.port = config_.srt_listen.port;
    options.default_domain = config_.srt_default_domain;
    options.passphrase = config_.srt_passphrase;
    options.latency_ms = config_.srt_latency_ms;
    options.max_connections = config_.srt_max_connections;
    options.max_connections_per_ip = config_.srt_max_connections_per_ip;
    options.publishes_per_second_per_ip = config_.srt_publishes_per_second_per_ip;
    options.idle_timeout_ms = config_.srt_idle_timeout_ms;
    options.pes_budget_bytes = static_cast<uint64_t>(config_.srt_pes_budget_bytes);
    options.read_batch_ms = config_.srt_read_batch_ms;
    LS_ASSIGN_OR_RETURN(srt_, srt::SrtServer::Create(options, hub_, metrics_), "");
    spdlog::info("SRT listening on {}:{}{}", options.listen_host, srt_->port(),
                 options.passphrase.empty() ? "" : " (encrypted)");
    return absl::OkStatus();
  }

  // Refuses a push whose URL signature the domain's aliauth settings reject,
  // with a log line and a count by reason. Runs on RTMP loop threads.
  absl::Status CheckSignature(const media::StreamInfo& info) {
    const std::optional<catalog::PushAuth> auth = templates_->PushAuthOf(info.key.domain);
    if (!auth) return absl::OkStatus();
    const snapshot::PushAuthConfig config{.auth_type = auth->auth_type,
                                          .auth_key1 = auth->auth_key1,
                                          .auth_key2 = auth->auth_key2,
                                          .delta_s = auth->delta_s};
    const snapshot::PushAuthResult result =
        snapshot::VerifyPush(config,
                             {.app = info.key.app,
                              .stream = info.key.stream,
                              .query = info.query,
                              .path_signature = info.path_signature},
                             SystemClock::Instance().UnixMs() / 1000);
    if (result.verdict == snapshot::PushAuthVerdict::kAccepted) return absl::OkStatus();
    auth_refusals_.Add({{"reason", std::string(snapshot::PushAuthVerdictName(result.verdict))}})
        .Increment();
    spdlog::warn("[{}] publish refused from {}: {}", info.key.ToString(), info.client_addr,
                 result.description);
    return absl::PermissionDeniedError(result.description);
  }
  int api_port() const override { return api_->port(); }

 private:
  // What /healthz reports beyond the catalog: failing stores, low disk space.
  std::vector<api::HealthProblem> HealthProblems() const {
    std::vector<api::HealthProblem> problems;
    for (const auto& [name, uploader] : uploaders_) {
      const storage::StoreHealth health = uploader->health();
      if (!health.failing) continue;
      const storage::ReliableUploader::Backlog backlog = uploader->backlog();
      problems.push_back(
          {.component = "storage " + name,
           .reason = health.reason,
           .message = fmt::format("failing since {} with {} uploads waiting ({} in memory, {} "
                                  "spooled): {}",
                                  FormatIso8601Utc(health.failing_since_unix_ms), backlog.uploads,
                                  HumanBytes(backlog.memory_bytes), HumanBytes(backlog.spool_bytes),
                                  health.last_error)});
    }
    if (std::optional<api::HealthProblem> backlog = BacklogProblem()) {
      problems.push_back(*std::move(backlog));
    }
    for (api::HealthProblem& problem : disk_->Check()) problems.push_back(std::move(problem));
    return problems;
  }

  // Snapshot catalog work waiting for a catalog that does not answer.
  std::optional<api::HealthProblem> BacklogProblem() const {
    const snapshot::CatalogBacklogState state = backlog_->state();
    if (!state.catalog_down) return std::nullopt;
    return api::HealthProblem{
        .component = "snapshot catalog backlog",
        .reason = state.bytes >= static_cast<size_t>(config_.catalog_backlog_max_bytes) * 9 / 10
                      ? "backlog_full"
                      : "catalog_unreachable",
        .message = fmt::format(
            "catalog unreachable since {}: {} sequence captures wait for "
            "their numbers and {} records for the catalog ({} of {} in memory; {} given up "
            "for a full backlog since the start): {}",
            FormatIso8601Utc(state.down_since_unix_ms), state.sequence_tasks, state.record_tasks,
            HumanBytes(state.bytes),
            HumanBytes(static_cast<size_t>(config_.catalog_backlog_max_bytes)), state.dropped_full,
            state.last_error)};
  }

  // One uploader per store, spooling under data_dir/spool/<bucket>.
  absl::Status StartUploaders() {
    for (const auto& [name, store] : stores_) {
      if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
        return absl::InvalidArgumentError("storage name \"" + name +
                                          "\" cannot name a spool directory");
      }
      storage::ReliableUploaderOptions options;
      options.name = name;
      options.spool_dir = std::filesystem::path(config_.data_dir) / "spool" / name;
      LS_ASSIGN_OR_RETURN(uploaders_[name],
                          storage::ReliableUploader::Create(options, *store, recorder_->Callback(),
                                                            metrics_, SystemClock::Instance()),
                          "uploads to " + name);
    }
    return absl::OkStatus();
  }

  const Config config_;
  prometheus::Registry metrics_;  // declared first: every module registers into it
  prometheus::Family<prometheus::Counter>& auth_refusals_ =
      prometheus::BuildCounter()
          .Name("livesnap_push_auth_refused_total")
          .Help("Pushes refused by URL signing, by reason")
          .Register(metrics_);
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<catalog::Registry> registry_;
  std::unique_ptr<LatestImageProxy> latest_proxy_;
  std::map<std::string, std::unique_ptr<storage::ObjectStore>> stores_;
  std::unique_ptr<DiskMonitor> disk_;  // the data dir and file-store roots
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<snapshot::CatalogBacklog> backlog_;     // sequence numbers and records
  std::unique_ptr<snapshot::SnapshotRecorder> recorder_;  // the uploaders' completions
  std::map<std::string, std::unique_ptr<storage::ReliableUploader>> uploaders_;  // by bucket
  std::unique_ptr<snapshot::TemplateCache> templates_;
  std::unique_ptr<catalog::ChangeFeed> change_feed_;      // null on SQLite; reloads templates_
  std::unique_ptr<snapshot::RecordRetention> retention_;  // null: records are kept forever
  std::unique_ptr<snapshot::Snapshotter> snapshotter_;    // subscribed to hub_: declared before it
  std::unique_ptr<ClusterMember> cluster_;                // subscribed to hub_: declared before it
  media::MediaHub hub_;
  std::unique_ptr<rtmp::RtmpServer> rtmp_;
  std::unique_ptr<srt::SrtServer> srt_;  // null unless srt.listen is set
  std::unique_ptr<api::ApiServer> api_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Create(Config config) {
  auto daemon = std::make_unique<DaemonImpl>(std::move(config));
  LS_RETURN_IF_ERROR(daemon->Init(), "livesnapd");
  return daemon;
}

}  // namespace livesnap::server
