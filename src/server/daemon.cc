#include "server/daemon.h"

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "api/api_server.h"
#include "base/clock.h"
#include "base/status.h"
#include "catalog/catalog.h"
#include "media/hub.h"
#include "rtmp/server.h"

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
    LS_ASSIGN_OR_RETURN(
        api_,
        api::ApiServer::Create(api, catalog_.get(), &hub_, &metrics_, &SystemClock::Instance()),
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

  void Stop() override {
    rtmp_->Stop();
    api_->Stop();
  }

  uint16_t rtmp_port() const override { return rtmp_->port(); }
  int api_port() const override { return api_->port(); }

 private:
  const Config config_;
  prometheus::Registry metrics_;  // declared first: every module registers into it
  std::unique_ptr<catalog::Catalog> catalog_;
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
