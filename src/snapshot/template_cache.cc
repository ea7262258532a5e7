#include "snapshot/template_cache.h"

#include <spdlog/spdlog.h>

#include "base/status.h"
#include "catalog/domain_match.h"

namespace livesnap::snapshot {

namespace {

constexpr int64_t kTemplatePage = 1000;

}  // namespace

absl::StatusOr<std::unique_ptr<TemplateCache>> TemplateCache::Create(catalog::Catalog& catalog,
                                                                     TemplateCacheOptions options,
                                                                     const Clock& clock) {
  if (options.refresh_interval_ms < 1) {
    return absl::InvalidArgumentError("template refresh interval " +
                                      std::to_string(options.refresh_interval_ms) +
                                      " ms is not positive");
  }
  std::unique_ptr<TemplateCache> cache(new TemplateCache(catalog, options, clock));
  LS_RETURN_IF_ERROR(cache->Reload(), "load snapshot templates");
  cache->refresher_ = std::thread([cache = cache.get()] { cache->RefreshLoop(); });
  return cache;
}

TemplateCache::TemplateCache(catalog::Catalog& catalog, TemplateCacheOptions options,
                             const Clock& clock)
    : catalog_(catalog), options_(options), clock_(clock) {}

TemplateCache::~TemplateCache() { Stop(); }

absl::StatusOr<TemplateCache::State> TemplateCache::Load(catalog::Catalog& catalog) {
  State state;
  LS_ASSIGN_OR_RETURN(std::vector<catalog::Domain> domains, catalog.ListDomains(), "domains");
  for (const catalog::Domain& domain : domains) {
    Domain& entry = state[domain.name];
    entry.callback_auth = domain.callback_auth;
    catalog::TemplateQuery query;
    query.domain = domain.name;
    query.limit = kTemplatePage;
    while (true) {
      LS_ASSIGN_OR_RETURN(catalog::TemplatePage page, catalog.ListTemplates(query),
                          "templates of " + domain.name);
      for (catalog::SnapshotTemplate& tmpl : page.items) {
        std::string app = tmpl.app;
        entry.templates.emplace(std::move(app), std::move(tmpl));
      }
      if (static_cast<int64_t>(page.items.size()) < kTemplatePage) break;
      query.offset += kTemplatePage;
    }
    absl::StatusOr<catalog::NotifyConfig> notify = catalog.GetNotifyConfig(domain.name);
    if (notify.ok()) {
      entry.notify = *std::move(notify);
    } else if (!absl::IsNotFound(notify.status())) {
      return Annotate(notify.status(), "notify config of " + domain.name);
    }
  }
  LS_ASSIGN_OR_RETURN(std::vector<catalog::PushAuth> auths, catalog.ListPushAuths(), "push auth");
  for (catalog::PushAuth& auth : auths) {
    auto entry = state.find(auth.domain);
    if (entry != state.end()) entry->second.push_auth = std::move(auth);
  }
  return state;
}

absl::Status TemplateCache::Reload() {
  std::lock_guard reload_lock(reload_mu_);
  absl::StatusOr<State> loaded = Load(catalog_);
  std::lock_guard lock(mu_);
  next_reload_ms_ = clock_.MonotonicMs() + options_.refresh_interval_ms;
  if (!loaded.ok()) {
    if (!failing_ && state_ != nullptr) {
      spdlog::error("snapshot templates: cannot reload from the catalog, keeping those loaded: {}",
                    loaded.status().ToString());
    }
    failing_ = true;
    return loaded.status();
  }
  if (failing_ && state_ != nullptr) {
    spdlog::info("snapshot templates: reloaded from the catalog again");
  }
  failing_ = false;
  state_ = std::make_shared<const State>(*std::move(loaded));
  return absl::OkStatus();
}

std::shared_ptr<const TemplateCache::State> TemplateCache::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

const TemplateCache::Domain* TemplateCache::Serving(const State& state, std::string_view host) {
  for (const std::string& name : catalog::ServingDomainCandidates(host)) {
    if (const auto entry = state.find(name); entry != state.end()) return &entry->second;
  }
  return nullptr;
}

std::optional<BoundTemplate> TemplateCache::Resolve(std::string_view host,
                                                    std::string_view app) const {
  const std::shared_ptr<const State> state = this->state();
  const Domain* domain = Serving(*state, host);
  if (domain == nullptr) return std::nullopt;
  auto tmpl = domain->templates.find(app);
  if (tmpl == domain->templates.end()) tmpl = domain->templates.find("*");
  if (tmpl == domain->templates.end()) return std::nullopt;
  return BoundTemplate{tmpl->second, domain->notify, domain->callback_auth};
}

bool TemplateCache::HasDomain(std::string_view host) const {
  const std::shared_ptr<const State> state = this->state();
  return Serving(*state, host) != nullptr;
}

std::optional<catalog::PushAuth> TemplateCache::PushAuthOf(std::string_view host) const {
  const std::shared_ptr<const State> state = this->state();
  const Domain* domain = Serving(*state, host);
  if (domain == nullptr) return std::nullopt;
  return domain->push_auth;
}

void TemplateCache::RefreshLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (clock_.MonotonicMs() < next_reload_ms_) {
      clock_.WaitUntil(lock, stop_changed_, next_reload_ms_);
      continue;
    }
    lock.unlock();
    (void)Reload();  // a failure is logged there, and retried at the next interval
    lock.lock();
  }
}

void TemplateCache::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    stop_changed_.notify_all();
  }
  if (refresher_.joinable()) refresher_.join();
}

}  // namespace livesnap::snapshot
