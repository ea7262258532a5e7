// File: server/catalog_seed.h
//
// Puts the config's storages, domains, push URL signing and templates into
// the catalog at start. Buckets are always written (the config owns them);
// a domain, signing or template is created only when the catalog lacks it,
// so what the API changed since is left as it is. A template must follow the
// API's rules (snapshot::ValidateTemplate), its bucket's region included.
//
//   LS_RETURN_IF_ERROR(SeedCatalog(config, *catalog, SystemClock::Instance()), "seed catalog");
//
// Thread-safety: a free function; the catalog is thread-safe.
#pragma once

#include "absl/status/status.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "server/config.h"

namespace livesnap::server {

// InvalidArgument naming the template when one breaks a template rule;
// catalog errors with the item being written.
absl::Status SeedCatalog(const Config& config, catalog::Catalog& catalog, const Clock& clock);

}  // namespace livesnap::server
