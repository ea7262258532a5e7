// TemplateCache over a real SQLite catalog on a fake clock: what a publish
// resolves comes from memory, follows the catalog within the refresh
// interval or at once after Reload, and outlives a catalog that fails.
#include "snapshot/template_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "catalog/testing/forwarding_catalog.h"
#include "tests/support/subprocess.h"

namespace livesnap::snapshot {
namespace {

using namespace std::chrono_literals;

constexpr char kDomain[] = "push.example.com";

catalog::Domain LocalDomain(const std::string& name) {
  catalog::Domain domain;
  domain.name = name;
  domain.region = "local";
  return domain;
}

catalog::SnapshotTemplate MakeTemplate(const std::string& app, int interval_s) {
  catalog::SnapshotTemplate tmpl;
  tmpl.domain = kDomain;
  tmpl.app = app;
  tmpl.interval_s = interval_s;
  tmpl.endpoint = "file.local";
  tmpl.bucket = "snaps";
  tmpl.sequence_pattern = "{AppName}/{StreamName}/{Sequence}.jpg";
  return tmpl;
}

// A real catalog whose reads of the configuration fail while `failing`: a
// PostgreSQL server that went away, as the cache sees it.
class FlakyCatalog final : public catalog::testing::ForwardingCatalog {
 public:
  using ForwardingCatalog::ForwardingCatalog;
  std::atomic<bool> failing{false};
  std::atomic<int> list_domains_calls{0};

  absl::StatusOr<std::vector<catalog::Domain>> ListDomains() override {
    ++list_domains_calls;
    if (failing) return absl::UnavailableError("catalog unreachable");
    return ForwardingCatalog::ListDomains();
  }
  absl::StatusOr<catalog::TemplatePage> ListTemplates(const catalog::TemplateQuery& q) override {
    if (failing) return absl::UnavailableError("catalog unreachable");
    return ForwardingCatalog::ListTemplates(q);
  }
  absl::StatusOr<catalog::NotifyConfig> GetNotifyConfig(std::string_view domain) override {
    if (failing) return absl::UnavailableError("catalog unreachable");
    return ForwardingCatalog::GetNotifyConfig(domain);
  }
  absl::StatusOr<std::vector<catalog::PushAuth>> ListPushAuths() override {
    if (failing) return absl::UnavailableError("catalog unreachable");
    return ForwardingCatalog::ListPushAuths();
  }
};

class TemplateCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<catalog::Catalog>> catalog =
        catalog::OpenCatalog("sqlite://" + (dir_ / "catalog.db").string());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = *std::move(catalog);
    flaky_ = std::make_unique<FlakyCatalog>(*catalog_);
    ASSERT_TRUE(catalog_->AddDomain(LocalDomain(kDomain)).ok());
    ASSERT_TRUE(catalog_->UpsertBucket({"snaps", "local", "file.local", "file"}).ok());
    ASSERT_TRUE(catalog_->AddTemplate(MakeTemplate("*", 5)).ok());
  }

  std::unique_ptr<TemplateCache> Open() {
    absl::StatusOr<std::unique_ptr<TemplateCache>> cache =
        TemplateCache::Create(*flaky_, {.refresh_interval_ms = 2000}, clock_);
    EXPECT_TRUE(cache.ok()) << cache.status();
    return cache.ok() ? *std::move(cache) : nullptr;
  }

  int Interval(const TemplateCache& cache, const std::string& app) {
    std::optional<BoundTemplate> bound = cache.Resolve(kDomain, app);
    return bound ? bound->tmpl.interval_s : 0;
  }

  livesnap::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<FlakyCatalog> flaky_;
};

TEST_F(TemplateCacheTest, ResolvesExactAppThenStarWithTheNotifyConfig) {
  ASSERT_TRUE(catalog_->AddTemplate(MakeTemplate("live", 10)).ok());
  ASSERT_TRUE(
      catalog_->SetNotifyConfig({kDomain, "http://hooks/n", true, "0123456789abcdef"}).ok());
  std::unique_ptr<TemplateCache> cache = Open();
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(Interval(*cache, "live"), 10);
  EXPECT_EQ(Interval(*cache, "game"), 5);
  std::optional<BoundTemplate> bound = cache->Resolve(kDomain, "game");
  ASSERT_TRUE(bound.has_value());
  EXPECT_EQ(bound->tmpl.app, "*");
  EXPECT_EQ(bound->tmpl.bucket, "snaps");
  ASSERT_TRUE(bound->notify.has_value());
  EXPECT_EQ(bound->notify->notify_url, "http://hooks/n");
  EXPECT_TRUE(bound->notify->req_auth);
  EXPECT_FALSE(cache->Resolve("other.example.com", "live").has_value());
  EXPECT_TRUE(cache->HasDomain(kDomain));
  EXPECT_FALSE(cache->HasDomain("other.example.com"));
}

TEST_F(TemplateCacheTest, AChangeShowsAfterTheRefreshIntervalOrAtOnceAfterReload) {
  std::unique_ptr<TemplateCache> cache = Open();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(catalog_->UpdateTemplate(MakeTemplate("*", 30)).ok());
  ASSERT_TRUE(catalog_->AddDomain(LocalDomain("new.example.com")).ok());
  // Nothing reads the catalog before the interval is over.
  const int reads = flaky_->list_domains_calls;
  clock_.AdvanceMs(1999);
  ASSERT_TRUE(clock_.AwaitIdleWaits(2, 10s));  // the refresher saw 1999 ms and went back to sleep
  EXPECT_EQ(flaky_->list_domains_calls, reads);
  EXPECT_EQ(Interval(*cache, "live"), 5);
  EXPECT_FALSE(cache->HasDomain("new.example.com"));
  clock_.AdvanceMs(1);
  EXPECT_TRUE(livesnap::testing::WaitFor([&] { return Interval(*cache, "live") == 30; }, 10s));
  EXPECT_TRUE(cache->HasDomain("new.example.com"));

  // The API's hook: the change is there when Reload returns.
  ASSERT_TRUE(catalog_->DeleteTemplate(kDomain, "*").ok());
  ASSERT_TRUE(catalog_->AddTemplate(MakeTemplate("live", 60)).ok());
  ASSERT_TRUE(cache->Reload().ok());
  EXPECT_EQ(Interval(*cache, "live"), 60);
  EXPECT_FALSE(cache->Resolve(kDomain, "game").has_value());
}

TEST_F(TemplateCacheTest, HoldsEachDomainsPushSigningAfterReload) {
  std::unique_ptr<TemplateCache> cache = Open();
  ASSERT_NE(cache, nullptr);
  EXPECT_FALSE(cache->PushAuthOf(kDomain).has_value());
  ASSERT_TRUE(catalog_->SetPushAuth({kDomain, "type_a", "primary1", "secondary2", 600}).ok());
  EXPECT_FALSE(cache->PushAuthOf(kDomain).has_value());  // until the reload
  ASSERT_TRUE(cache->Reload().ok());
  std::optional<catalog::PushAuth> auth = cache->PushAuthOf(kDomain);
  ASSERT_TRUE(auth.has_value());
  EXPECT_EQ(auth->auth_key1, "primary1");
  EXPECT_EQ(auth->auth_key2, "secondary2");
  EXPECT_EQ(auth->delta_s, 600);
  EXPECT_FALSE(cache->PushAuthOf("other.example.com").has_value());
  ASSERT_TRUE(catalog_->DeletePushAuth(kDomain).ok());
  ASSERT_TRUE(cache->Reload().ok());
  EXPECT_FALSE(cache->PushAuthOf(kDomain).has_value());
}

TEST_F(TemplateCacheTest, APushIsServedByItsDomainElseTheLongestWildcardAbove) {
  catalog::SnapshotTemplate wide = MakeTemplate("*", 10);
  wide.domain = ".example.com";
  catalog::SnapshotTemplate narrow = MakeTemplate("*", 20);
  narrow.domain = ".c.example.com";
  ASSERT_TRUE(catalog_->AddDomain(LocalDomain(".example.com")).ok());
  ASSERT_TRUE(catalog_->AddDomain(LocalDomain(".c.example.com")).ok());
  ASSERT_TRUE(catalog_->AddTemplate(wide).ok());
  ASSERT_TRUE(catalog_->AddTemplate(narrow).ok());
  ASSERT_TRUE(catalog_->SetPushAuth({".example.com", "type_a", "wildKey1", "", 600}).ok());
  ASSERT_TRUE(
      catalog_->SetCallbackAuth(".example.com", {.req_auth = true, .auth_key = "wildcardKey12345"})
          .ok());
  std::unique_ptr<TemplateCache> cache = Open();
  ASSERT_NE(cache, nullptr);

  // kDomain is push.example.com: registered itself, so it keeps its own.
  std::optional<BoundTemplate> exact = cache->Resolve(kDomain, "live");
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->tmpl.domain, kDomain);
  EXPECT_EQ(exact->tmpl.interval_s, 5);
  EXPECT_FALSE(exact->callback_auth.req_auth);
  EXPECT_FALSE(cache->PushAuthOf(kDomain).has_value());

  for (const char* host : {"a.example.com", "b.a.example.com"}) {
    std::optional<BoundTemplate> bound = cache->Resolve(host, "live");
    ASSERT_TRUE(bound.has_value()) << host;
    EXPECT_EQ(bound->tmpl.domain, ".example.com") << host;
    EXPECT_EQ(bound->tmpl.interval_s, 10) << host;
    EXPECT_TRUE(bound->callback_auth.req_auth) << host;
    EXPECT_EQ(bound->callback_auth.auth_key, "wildcardKey12345") << host;
    EXPECT_TRUE(cache->HasDomain(host)) << host;
    ASSERT_TRUE(cache->PushAuthOf(host).has_value()) << host;
    EXPECT_EQ(cache->PushAuthOf(host)->auth_key1, "wildKey1") << host;
  }
  std::optional<BoundTemplate> longest = cache->Resolve("x.c.example.com", "live");
  ASSERT_TRUE(longest.has_value());
  EXPECT_EQ(longest->tmpl.domain, ".c.example.com");
  EXPECT_EQ(longest->tmpl.interval_s, 20);
  EXPECT_FALSE(cache->PushAuthOf("x.c.example.com").has_value());

  // Not the wildcard's apex, not other names, not the wildcard's own name.
  for (const char* host : {"example.com", "example.org", "a.example.org", ".example.com"}) {
    EXPECT_FALSE(cache->HasDomain(host)) << host;
    EXPECT_FALSE(cache->Resolve(host, "live").has_value()) << host;
  }
}

TEST_F(TemplateCacheTest, KeepsWhatItHasWhileTheCatalogFails) {
  std::unique_ptr<TemplateCache> cache = Open();
  ASSERT_NE(cache, nullptr);
  flaky_->failing = true;
  ASSERT_TRUE(catalog_->UpdateTemplate(MakeTemplate("*", 30)).ok());
  EXPECT_EQ(cache->Reload().code(), absl::StatusCode::kUnavailable);
  const int reads = flaky_->list_domains_calls;
  clock_.AdvanceMs(2000);
  ASSERT_TRUE(livesnap::testing::WaitFor([&] { return flaky_->list_domains_calls > reads; }, 10s));
  EXPECT_EQ(Interval(*cache, "live"), 5) << "the state loaded before the failure stays";
  EXPECT_TRUE(cache->HasDomain(kDomain));
  flaky_->failing = false;
  clock_.AdvanceMs(2000);
  EXPECT_TRUE(livesnap::testing::WaitFor([&] { return Interval(*cache, "live") == 30; }, 10s));
}

TEST_F(TemplateCacheTest, ACatalogThatCannotBeReadAtStartIsAnError) {
  flaky_->failing = true;
  absl::StatusOr<std::unique_ptr<TemplateCache>> cache = TemplateCache::Create(*flaky_, {}, clock_);
  EXPECT_EQ(cache.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(TemplateCache::Create(*flaky_, {.refresh_interval_ms = 0}, clock_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace livesnap::snapshot
