#include "server/daemon.h"

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "api/api_server.h"
#include "base/clock.h"
#include "base/status.h"
#include "catalog/catalog.h"
#include "media/hub.h"
#include "notify/notifier.h"
#include "rtmp/server.h"
#include "snapshot/snapshotter.h"
#include "storage/file_store.h"
#include "web/console_assets.h"

namespace livesnap::server {

namespace {

// Creates what the config declares and the catalog lacks; what the API has
// changed since is left as it is.
absl::Status SeedCatalog(const Config& config, catalog::Catalog& catalog, const Clock& clock) {
  for (const StorageConfig& storage : config.storages) {
    LS_RETURN_IF_ERROR(catalog.UpsertBucket(storage.bucket), "storage " + storage.bucket.name);
  }
  for (catalog::Domain domain : config.seed_domains) {
    if (catalog.GetDomain(domain.name).ok()) continue;
    domain.created_ms = clock.UnixMs();
    LS_RETURN_IF_ERROR(catalog.AddDomain(domain), "domain " + domain.name);
    spdlog::info("catalog: added domain {} (region {}) from the config", domain.name,
                 domain.region);
  }
  for (catalog::SnapshotTemplate tmpl : config.seed_templates) {
    if (catalog.GetTemplate(tmpl.domain, tmpl.app).ok()) continue;
    if (tmpl.endpoint.empty()) {
      LS_ASSIGN_OR_RETURN(catalog::Bucket bucket, catalog.GetBucket(tmpl.bucket),
                          "template " + tmpl.domain + "/" + tmpl.app);
      tmpl.endpoint = bucket.endpoint;
    }
    tmpl.created_ms = tmpl.updated_ms = clock.UnixMs();
    LS_RETURN_IF_ERROR(catalog.AddTemplate(tmpl), "template " + tmpl.domain + "/" + tmpl.app);
    spdlog::info("catalog: added snapshot template {}/{} every {} s from the config", tmpl.domain,
                 tmpl.app, tmpl.interval_s);
  }
  return absl::OkStatus();
}

// One store per [[storage]] of the config, keyed by bucket name.
absl::Status OpenStores(const Config& config,
                        std::map<std::string, std::unique_ptr<storage::ObjectStore>>& stores) {
  for (const StorageConfig& storage : config.storages) {
    if (storage.bucket.kind != "file") {
      return absl::InvalidArgumentError("storage " + storage.bucket.name + ": kind \"" +
                                        storage.bucket.kind + "\" is not supported");
    }
    LS_ASSIGN_OR_RETURN(stores[storage.bucket.name], storage::FileStore::Create(storage.root),
                        "storage " + storage.bucket.name);
  }
  return absl::OkStatus();
}

class DaemonImpl final : public Daemon {
 public:
  explicit DaemonImpl(Config config)
      : config_(std::move(config)), hub_(SystemClock::Instance(), metrics_) {}

  absl::Status Init() {
    LS_ASSIGN_OR_RETURN(catalog_, catalog::OpenCatalog(config_.catalog_url), "open catalog");
    LS_RETURN_IF_ERROR(SeedCatalog(config_, *catalog_, SystemClock::Instance()), "seed catalog");

    hub_.SetAdmissionPolicy([this](const media::StreamInfo& info) -> absl::Status {
      absl::StatusOr<catalog::Domain> domain = catalog_->GetDomain(info.key.domain);
      if (domain.ok()) return absl::OkStatus();
      if (absl::IsNotFound(domain.status())) {
        return absl::NotFoundError("unknown domain \"" + info.key.domain +
                                   "\": add it with AddLiveDomain or the config file");
      }
      return Annotate(domain.status(), "look up domain");
    });

    LS_RETURN_IF_ERROR(OpenStores(config_, stores_), "open storage");
    snapshot::StoreMap store_map;
    for (const auto& [name, store] : stores_) store_map.emplace(name, store.get());
    LS_ASSIGN_OR_RETURN(notifier_, notify::Notifier::Create({}, metrics_, SystemClock::Instance()),
                        "snapshot callbacks");
    snapshot::SnapshotterOptions capture;
    capture.workers = config_.snapshot_workers;
    capture.jpeg_quality = config_.jpeg_quality;
    LS_ASSIGN_OR_RETURN(
        snapshotter_,
        snapshot::Snapshotter::Create(capture, *catalog_, std::move(store_map), notifier_.get(),
                                      metrics_, SystemClock::Instance()),
        "snapshot pipeline");
    hub_.AddSubscriber(snapshotter_.get());

    rtmp::RtmpServerOptions rtmp;
    rtmp.listen_host = config_.rtmp_listen.host;
    rtmp.port = config_.rtmp_listen.port;
    rtmp.io_threads = config_.rtmp_io_threads;
    rtmp.max_connections = config_.rtmp_max_connections;
    rtmp.handshake_timeout_ms = config_.rtmp_handshake_timeout_ms;
    rtmp.idle_timeout_ms = config_.rtmp_idle_timeout_ms;
    rtmp.session.chunk_limits.max_chunk_size = config_.rtmp_max_chunk_size;
    rtmp.session.chunk_limits.max_message_size = config_.rtmp_max_message_size;
    LS_ASSIGN_OR_RETURN(rtmp_, rtmp::RtmpServer::Create(rtmp, hub_, metrics_), "RTMP server");

    api::ApiOptions api;
    api.listen_host = config_.api_listen.host;
    api.port = config_.api_listen.port;
    api.auth_enabled = config_.api_auth;
    api.access_keys = config_.access_keys;
    api.worker_threads = config_.api_threads;
    api.console_files = [](std::string_view path) -> std::optional<api::ConsoleFile> {
      const std::optional<console::ConsoleAsset> asset = console::FindConsoleAsset(path);
      if (!asset) return std::nullopt;
      return api::ConsoleFile{asset->content, asset->mime_type, asset->etag};
    };
    api.console_dir = config_.api_console_dir;
    api::SnapshotSources snapshots;
    for (const auto& [name, store] : stores_) snapshots.stores.emplace(name, store.get());
    snapshots.latest_image =
        [this](const media::StreamKey& key) -> std::optional<api::LatestImage> {
      std::optional<snapshot::LatestImage> latest = snapshotter_->Latest(key);
      if (!latest) return std::nullopt;
      return api::LatestImage{latest->jpeg, latest->width, latest->height, latest->capture_unix_ms};
    };
    LS_ASSIGN_OR_RETURN(api_,
                        api::ApiServer::Create(api, catalog_.get(), &hub_, &metrics_,
                                               &SystemClock::Instance(), std::move(snapshots)),
                        "API server");
    return absl::OkStatus();
  }

  absl::Status Start() override {
    if (!config_.api_auth) {
      spdlog::warn(
          "API authentication is OFF (api.auth = \"off\"): anyone who reaches port {} "
          "can change the configuration",
          api_->port());
    }
    rtmp_->Start();
    LS_RETURN_IF_ERROR(api_->Start(), "start API server");
    spdlog::info("livesnapd ready: rtmp://{}:{}/<app>/<stream>, API http://{}:{}/",
                 config_.rtmp_listen.host, rtmp_->port(), config_.api_listen.host, api_->port());
    return absl::OkStatus();
  }

  // Ingest first (ends every publish), then the captures already queued,
  // then their callbacks, and the API last so it answers until the end.
  void Stop() override {
    rtmp_->Stop();
    snapshotter_->Stop();
    notifier_->Stop(std::chrono::seconds(5));
    api_->Stop();
  }

  uint16_t rtmp_port() const override { return rtmp_->port(); }
  int api_port() const override { return api_->port(); }

 private:
  const Config config_;
  prometheus::Registry metrics_;  // declared first: every module registers into it
  std::unique_ptr<catalog::Catalog> catalog_;
  std::map<std::string, std::unique_ptr<storage::ObjectStore>> stores_;
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<snapshot::Snapshotter> snapshotter_;  // subscribed to hub_: declared before it
  media::MediaHub hub_;
  std::unique_ptr<rtmp::RtmpServer> rtmp_;
  std::unique_ptr<api::ApiServer> api_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Create(Config config) {
  auto daemon = std::make_unique<DaemonImpl>(std::move(config));
  LS_RETURN_IF_ERROR(daemon->Init(), "livesnapd");
  return daemon;
}

}  // namespace livesnap::server
