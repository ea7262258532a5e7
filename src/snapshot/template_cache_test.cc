// TemplateCache over a real SQLite catalog on a fake clock: what a publish
// resolves comes from memory, follows the catalog within the refresh
// interval or at once after Reload, and outlives a catalog that fails.
#include "snapshot/template_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "tests/support/subprocess.h"

namespace livesnap::snapshot {
namespace {

using namespace std::chrono_literals;

constexpr char kDomain[] = "push.example.com";

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
class FlakyCatalog final : public catalog::Catalog {
 public:
  explicit FlakyCatalog(catalog::Catalog& real) : real_(real) {}
  std::atomic<bool> failing{false};
  std::atomic<int> list_domains_calls{0};

  absl::StatusOr<std::vector<catalog::Domain>> ListDomains() override {
    ++list_domains_calls;
    if (failing) return absl::UnavailableError("catalog unreachable");
    return real_.ListDomains();
  }
  absl::StatusOr<catalog::TemplatePage> ListTemplates(const catalog::TemplateQuery& q) override {
    if (failing) return absl::UnavailableError("catalog unreachable");
    return real_.ListTemplates(q);
  }
  absl::StatusOr<catalog::NotifyConfig> GetNotifyConfig(std::string_view domain) override {
    if (failing) return absl::UnavailableError("catalog unreachable");
    return real_.GetNotifyConfig(domain);
  }

  absl::StatusOr<std::vector<catalog::PushAuth>> ListPushAuths() override {
    if (failing) return absl::UnavailableError("catalog unreachable");
    return real_.ListPushAuths();
  }
  absl::Status SetPushAuth(const catalog::PushAuth& a) override { return real_.SetPushAuth(a); }
  absl::StatusOr<catalog::PushAuth> GetPushAuth(std::string_view d) override {
    return real_.GetPushAuth(d);
  }
  absl::Status DeletePushAuth(std::string_view d) override { return real_.DeletePushAuth(d); }

  absl::Status AddDomain(const catalog::Domain& d) override { return real_.AddDomain(d); }
  absl::Status DeleteDomain(std::string_view n) override { return real_.DeleteDomain(n); }
  absl::StatusOr<catalog::Domain> GetDomain(std::string_view n) override {
    return real_.GetDomain(n);
  }
  absl::Status UpsertBucket(const catalog::Bucket& b) override { return real_.UpsertBucket(b); }
  absl::StatusOr<catalog::Bucket> GetBucket(std::string_view n) override {
    return real_.GetBucket(n);
  }
  absl::StatusOr<std::vector<catalog::Bucket>> ListBuckets() override {
    return real_.ListBuckets();
  }
  absl::Status AddTemplate(const catalog::SnapshotTemplate& t) override {
    return real_.AddTemplate(t);
  }
  absl::Status UpdateTemplate(const catalog::SnapshotTemplate& t) override {
    return real_.UpdateTemplate(t);
  }
  absl::Status DeleteTemplate(std::string_view d, std::string_view a) override {
    return real_.DeleteTemplate(d, a);
  }
  absl::StatusOr<catalog::SnapshotTemplate> GetTemplate(std::string_view d,
                                                        std::string_view a) override {
    return real_.GetTemplate(d, a);
  }
  absl::StatusOr<std::optional<catalog::SnapshotTemplate>> ResolveTemplate(
      std::string_view d, std::string_view a) override {
    return real_.ResolveTemplate(d, a);
  }
  absl::Status SetNotifyConfig(const catalog::NotifyConfig& c) override {
    return real_.SetNotifyConfig(c);
  }
  absl::Status DeleteNotifyConfig(std::string_view d) override {
    return real_.DeleteNotifyConfig(d);
  }
  absl::StatusOr<int64_t> NextSequence(std::string_view d, std::string_view a,
                                       std::string_view s) override {
    return real_.NextSequence(d, a, s);
  }
  absl::Status AddSnapshotRecord(const catalog::SnapshotRecord& r) override {
    return real_.AddSnapshotRecord(r);
  }
  absl::StatusOr<int64_t> PruneSequenceRecords(int64_t before_ms, int64_t limit) override {
    return real_.PruneSequenceRecords(before_ms, limit);
  }
  absl::StatusOr<std::vector<catalog::SnapshotRecord>> QuerySnapshotRecords(
      const catalog::RecordQuery& q) override {
    return real_.QuerySnapshotRecords(q);
  }
  absl::StatusOr<std::vector<catalog::SnapshotRecord>> DeleteSnapshotRecords(
      std::string_view d, std::string_view a, std::string_view s,
      const std::vector<int64_t>& times) override {
    return real_.DeleteSnapshotRecords(d, a, s, times);
  }
  absl::StatusOr<std::vector<catalog::DailySnapshotCount>> CountSnapshotsByDay(
      std::string_view d, int64_t start_ms, int64_t end_ms) override {
    return real_.CountSnapshotsByDay(d, start_ms, end_ms);
  }

 private:
  catalog::Catalog& real_;
};

class TemplateCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<catalog::Catalog>> catalog =
        catalog::OpenCatalog("sqlite://" + (dir_ / "catalog.db").string());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = *std::move(catalog);
    flaky_ = std::make_unique<FlakyCatalog>(*catalog_);
    ASSERT_TRUE(catalog_->AddDomain({kDomain, "local", 0}).ok());
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
  ASSERT_TRUE(catalog_->AddDomain({"new.example.com", "local", 0}).ok());
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
