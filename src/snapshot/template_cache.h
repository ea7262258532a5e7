// File: snapshot/template_cache.h
//
// The catalog's domains, snapshot templates and notify configs, held in
// memory so that a publish is bound to its template without a catalog round
// trip: publishes start on RTMP loop threads, where a slow or unreachable
// PostgreSQL would stall every stream of the loop. A background thread
// reloads everything every refresh_interval_ms; Reload() reloads at once on
// the calling thread, which the API calls after it changed a domain,
// template or notify config.
//
// So "a template change takes effect on the next push" holds on the node
// whose API made the change as soon as the API has answered, and on every
// other node sharing the catalog within one refresh interval (2 s by
// default, plus the reload's own time): a publish starting in between on
// another node still follows the previous template, and keeps it until it
// ends. While the catalog cannot be read, the last state loaded stays in use
// (the failure is logged once, and the recovery).
//
//   LS_ASSIGN_OR_RETURN(auto templates, TemplateCache::Create(catalog, {}, clock), "templates");
//   std::optional<BoundTemplate> bound = templates->Resolve("push.example.com", "live");
//   ...
//   templates->Reload();  // after a change through this node's API
//   templates->Stop();
//
// Each reload costs 2 + 2 * (number of domains) catalog queries.
//
// A push names a host; the domain that serves it is the host itself if it is
// registered, else the longest wildcard domain above it (".example.com"
// serves a.example.com and b.c.example.com; catalog/domain_match.h). Resolve,
// HasDomain and PushAuthOf all answer for that serving domain.
//
// Thread-safety: thread-safe. Resolve and HasDomain only copy a pointer under
// a short lock; reloads are serialised, so the last one to finish holds the
// newest state.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "catalog/catalog.h"

namespace livesnap::snapshot {

struct TemplateCacheOptions {
  int64_t refresh_interval_ms = 2000;  // on the clock given to Create; >= 1
};

// What a publish follows: its template, its domain's notify config and the
// signing of the template's Callback (SetSnapshotCallbackAuth).
struct BoundTemplate {
  catalog::SnapshotTemplate tmpl;
  std::optional<catalog::NotifyConfig> notify;
  catalog::CallbackAuth callback_auth;
};

class TemplateCache {
 public:
  // Loads the catalog once (an error if that fails: a node should not start
  // without knowing its templates), then starts the refresh thread. The
  // catalog and clock must outlive the cache.
  static absl::StatusOr<std::unique_ptr<TemplateCache>> Create(catalog::Catalog& catalog,
                                                               TemplateCacheOptions options,
                                                               const Clock& clock);
  ~TemplateCache();  // Stop()
  TemplateCache(const TemplateCache&) = delete;
  TemplateCache& operator=(const TemplateCache&) = delete;

  // The template of `app` on the domain serving `host`: exact AppName, else
  // "*", else nullopt (also when no domain serves the host).
  std::optional<BoundTemplate> Resolve(std::string_view host, std::string_view app) const;
  // Whether a registered domain serves `host`.
  bool HasDomain(std::string_view host) const;
  // The push URL signing of the domain serving `host`; nullopt when it has
  // none (or no domain serves it). Read from memory: safe on RTMP loop threads.
  std::optional<catalog::PushAuth> PushAuthOf(std::string_view host) const;

  // Loads the catalog now and installs what it read; on failure the state
  // in use is kept and the error returned. Waits for a reload under way.
  absl::Status Reload();

  // Ends the refresh thread. Later calls return at once.
  void Stop();

 private:
  struct Domain {
    std::map<std::string, catalog::SnapshotTemplate, std::less<>> templates;  // by AppName
    std::optional<catalog::NotifyConfig> notify;
    std::optional<catalog::PushAuth> push_auth;
    catalog::CallbackAuth callback_auth;
  };
  using State = std::map<std::string, Domain, std::less<>>;  // by domain name

  // The entry of the domain serving `host` in `state`, or nullptr.
  static const Domain* Serving(const State& state, std::string_view host);

  TemplateCache(catalog::Catalog& catalog, TemplateCacheOptions options, const Clock& clock);
  static absl::StatusOr<State> Load(catalog::Catalog& catalog);
  std::shared_ptr<const State> state() const;
  void RefreshLoop();

  catalog::Catalog& catalog_;
  const TemplateCacheOptions options_;
  const Clock& clock_;

  std::mutex reload_mu_;  // serialises Reload; guards failing_
  bool failing_ = false;  // the last reload failed (for one log line per outage)

  mutable std::mutex mu_;
  std::condition_variable stop_changed_;
  std::shared_ptr<const State> state_;  // guarded by mu_; never null after Create
  int64_t next_reload_ms_ = 0;          // guarded by mu_; clock_.MonotonicMs() time
  bool stopping_ = false;               // guarded by mu_
  std::thread refresher_;
};

}  // namespace livesnap::snapshot
