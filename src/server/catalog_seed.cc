#include "server/catalog_seed.h"

#include <spdlog/spdlog.h>

#include "base/status.h"
#include "snapshot/template_rules.h"

namespace livesnap::server {

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
  // A domain's URL signing from the config, unless the catalog has one (the
  // API's change wins; after DeleteLiveSpecificConfig a restart restores it).
  for (const auto& [name, auth] : config.push_auth) {
    absl::StatusOr<catalog::PushAuth> current = catalog.GetPushAuth(name);
    if (current.ok()) continue;
    if (!absl::IsNotFound(current.status())) return Annotate(current.status(), "domain " + name);
    LS_RETURN_IF_ERROR(catalog.SetPushAuth({.domain = name,
                                            .auth_type = auth.auth_type,
                                            .auth_key1 = auth.auth_key1,
                                            .auth_key2 = auth.auth_key2,
                                            .delta_s = auth.delta_s}),
                       "domain " + name);
    spdlog::info("catalog: push URL signing ({}) of domain {} from the config", auth.auth_type,
                 name);
  }
  for (catalog::SnapshotTemplate tmpl : config.seed_templates) {
    if (catalog.GetTemplate(tmpl.domain, tmpl.app).ok()) continue;
    const std::string context = "template " + tmpl.domain + "/" + tmpl.app;
    absl::StatusOr<catalog::Bucket> bucket = catalog.GetBucket(tmpl.bucket);
    if (tmpl.endpoint.empty()) {
      if (!bucket.ok()) return Annotate(bucket.status(), context);
      tmpl.endpoint = bucket->endpoint;
    }
    // The rules the API applies, the region too: the domain may have come
    // from the catalog rather than the file.
    absl::StatusOr<catalog::Domain> domain = catalog.GetDomain(tmpl.domain);
    if (auto violation = snapshot::ValidateTemplate(tmpl, bucket.ok() ? &*bucket : nullptr,
                                                    domain.ok() ? &*domain : nullptr)) {
      return absl::InvalidArgumentError(context + ": " + violation->message);
    }
    tmpl.created_ms = tmpl.updated_ms = clock.UnixMs();
    LS_RETURN_IF_ERROR(catalog.AddTemplate(tmpl), context);
    spdlog::info("catalog: added snapshot template {}/{} every {} s from the config", tmpl.domain,
                 tmpl.app, tmpl.interval_s);
  }
  return absl::OkStatus();
}

}  // namespace livesnap::server
