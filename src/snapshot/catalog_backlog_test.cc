// The CatalogBacklog against a real SQLite catalog that fails on demand, as
// a PostgreSQL server that went away looks to its callers.
#include "snapshot/catalog_backlog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace livesnap::snapshot {
namespace {

using ::testing::ElementsAre;

constexpr char kDomain[] = "push.example.com";

// A real catalog whose sequence numbers and records fail while `failing`
// (with `failure`); everything else passes through.
class FlakyCatalog final : public catalog::Catalog {
 public:
  explicit FlakyCatalog(catalog::Catalog& real) : real_(real) {}
  std::atomic<bool> failing{false};
  std::atomic<int> attempts{0};
  absl::Status failure = absl::UnavailableError("catalog unreachable");  // set before failing

  absl::StatusOr<int64_t> NextSequence(std::string_view d, std::string_view a,
                                       std::string_view s) override {
    ++attempts;
    if (failing) return failure;
    return real_.NextSequence(d, a, s);
  }
  absl::Status AddSnapshotRecord(const catalog::SnapshotRecord& r) override {
    ++attempts;
    if (failing) return failure;
    return real_.AddSnapshotRecord(r);
  }

  absl::StatusOr<std::vector<catalog::Domain>> ListDomains() override {
    return real_.ListDomains();
  }
  absl::StatusOr<catalog::TemplatePage> ListTemplates(const catalog::TemplateQuery& q) override {
    return real_.ListTemplates(q);
  }
  absl::StatusOr<catalog::NotifyConfig> GetNotifyConfig(std::string_view domain) override {
    return real_.GetNotifyConfig(domain);
  }
  absl::StatusOr<std::vector<catalog::PushAuth>> ListPushAuths() override {
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

double Value(prometheus::Registry& registry, const std::string& name,
             const std::map<std::string, std::string>& labels = {}) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> have;
      for (const auto& label : metric.label) have[label.name] = label.value;
      if (have != labels) continue;
      return family.type == prometheus::MetricType::Gauge ? metric.gauge.value
                                                          : metric.counter.value;
    }
  }
  return -1;
}

class CatalogBacklogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<catalog::Catalog>> real =
        catalog::OpenCatalog("sqlite://" + (dir_ / "catalog.db").string());
    ASSERT_TRUE(real.ok()) << real.status();
    real_ = *std::move(real);
    flaky_ = std::make_unique<FlakyCatalog>(*real_);
  }

  void Start(CatalogBacklogOptions options = {.retry_ms = 1000}) {
    backlog_ = std::make_unique<CatalogBacklog>(*flaky_, options, registry_, clock_);
  }

  // A task numbering one capture of `stream`; the number lands in numbered_.
  CatalogTask Number(const std::string& stream, size_t size_bytes = 1000) {
    return CatalogTask{
        .lane = "s:" + stream,
        .kind = CatalogWork::kSequence,
        .size_bytes = size_bytes,
        .run = [this, stream](catalog::Catalog& c) -> absl::Status {
          absl::StatusOr<int64_t> n = c.NextSequence(kDomain, "live", stream);
          if (!n.ok()) return n.status();
          std::lock_guard lock(mu_);
          numbered_[stream].push_back(*n);
          return absl::OkStatus();
        },
        .failed =
            [this, stream](const absl::Status& why) {
              std::lock_guard lock(mu_);
              failed_[stream].push_back(why.code());
            },
    };
  }

  std::vector<int64_t> Numbered(const std::string& stream) {
    std::lock_guard lock(mu_);
    return numbered_[stream];
  }
  std::vector<absl::StatusCode> Failed(const std::string& stream) {
    std::lock_guard lock(mu_);
    return failed_[stream];
  }

  livesnap::testing::TempDir dir_;
  FakeClock clock_;
  prometheus::Registry registry_;
  std::unique_ptr<catalog::Catalog> real_;
  std::unique_ptr<FlakyCatalog> flaky_;
  std::unique_ptr<CatalogBacklog> backlog_;
  std::mutex mu_;
  std::map<std::string, std::vector<int64_t>> numbered_;         // guarded by mu_
  std::map<std::string, std::vector<absl::StatusCode>> failed_;  // guarded by mu_
};

TEST_F(CatalogBacklogTest, RunsAtOnceWhileTheCatalogAnswers) {
  Start();
  backlog_->Submit(Number("a"));
  backlog_->Submit(Number("a"));
  EXPECT_THAT(Numbered("a"), ElementsAre(0, 1)) << "done before Submit returned";
  EXPECT_EQ(Value(registry_, "livesnap_catalog_deferred_total", {{"kind", "sequence"}}), 0);
  EXPECT_FALSE(backlog_->state().catalog_down);
}

TEST_F(CatalogBacklogTest, WorkWaitsInOrderWhileTheCatalogIsDownAndCatchesUp) {
  Start();
  backlog_->Submit(Number("a"));  // 0, before the outage
  flaky_->failing = true;
  for (int i = 0; i < 4; ++i) backlog_->Submit(Number("a"));
  for (int i = 0; i < 3; ++i) backlog_->Submit(Number("b"));
  CatalogBacklogState state = backlog_->state();
  EXPECT_TRUE(state.catalog_down);
  EXPECT_EQ(state.sequence_tasks, 7u);
  EXPECT_EQ(state.bytes, 7000u);
  EXPECT_EQ(Value(registry_, "livesnap_catalog_backlog_tasks", {{"kind", "sequence"}}), 7);
  EXPECT_EQ(Value(registry_, "livesnap_catalog_reachable"), 0);
  // Only the first call after the failure and the backlog's retries reach
  // the catalog: later work waits without trying.
  const int attempts = flaky_->attempts;
  EXPECT_EQ(attempts, 2);
  clock_.AdvanceMs(999);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(flaky_->attempts, attempts) << "retried before retry_ms";
  clock_.AdvanceMs(1);
  ASSERT_TRUE(livesnap::testing::WaitFor([&] { return flaky_->attempts > attempts; },
                                         std::chrono::seconds(10)));
  EXPECT_THAT(Numbered("a"), ElementsAre(0));

  flaky_->failing = false;
  ASSERT_TRUE(livesnap::testing::WaitFor(
      [&] {
        clock_.AdvanceMs(100);
        return backlog_->state().sequence_tasks == 0;
      },
      std::chrono::seconds(10)));
  EXPECT_THAT(Numbered("a"), ElementsAre(0, 1, 2, 3, 4));
  EXPECT_THAT(Numbered("b"), ElementsAre(0, 1, 2));
  EXPECT_THAT(Failed("a"), ::testing::IsEmpty());
  EXPECT_FALSE(backlog_->state().catalog_down);
  EXPECT_EQ(Value(registry_, "livesnap_catalog_deferred_total", {{"kind", "sequence"}}), 7);
  EXPECT_EQ(Value(registry_, "livesnap_catalog_reachable"), 1);
  EXPECT_EQ(Value(registry_, "livesnap_catalog_backlog_bytes"), 0);
  // And the next number goes on from there, at once again.
  backlog_->Submit(Number("a"));
  EXPECT_THAT(Numbered("a"), ElementsAre(0, 1, 2, 3, 4, 5));
}

TEST_F(CatalogBacklogTest, AFullBacklogGivesUpNewWorkAndCountsIt) {
  Start({.max_bytes = 2500, .max_tasks = 10, .retry_ms = 1000});
  flaky_->failing = true;
  for (int i = 0; i < 3; ++i) backlog_->Submit(Number("a"));
  EXPECT_EQ(backlog_->state().sequence_tasks, 2u);
  EXPECT_THAT(Failed("a"), ElementsAre(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(backlog_->state().dropped_full, 1);
  EXPECT_EQ(Value(registry_, "livesnap_catalog_backlog_dropped_total",
                  {{"kind", "sequence"}, {"reason", "full"}}),
            1);
  flaky_->failing = false;
  ASSERT_TRUE(livesnap::testing::WaitFor(
      [&] {
        clock_.AdvanceMs(100);
        return Numbered("a").size() == 2;
      },
      std::chrono::seconds(10)));
  EXPECT_THAT(Numbered("a"), ElementsAre(0, 1)) << "no number for what was given up";
}

TEST_F(CatalogBacklogTest, AnErrorThatIsNotTransientEndsTheTask) {
  Start();
  flaky_->failure = absl::InvalidArgumentError("bad key");
  flaky_->failing = true;
  backlog_->Submit(Number("a"));
  EXPECT_THAT(Failed("a"), ElementsAre(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(backlog_->state().catalog_down) << "the catalog answered";
  EXPECT_EQ(backlog_->state().sequence_tasks, 0u);
}

TEST_F(CatalogBacklogTest, StopGivesUpWhatStillWaits) {
  Start();
  flaky_->failing = true;
  backlog_->Submit(Number("a"));
  backlog_->Submit(Number("a"));
  EXPECT_FALSE(
      backlog_->WaitIdle(std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
  backlog_->Stop();
  EXPECT_THAT(Failed("a"), ElementsAre(absl::StatusCode::kCancelled, absl::StatusCode::kCancelled));
  backlog_->Submit(Number("a"));
  EXPECT_EQ(Failed("a").size(), 3u) << "refused after Stop";
  EXPECT_EQ(Value(registry_, "livesnap_catalog_backlog_dropped_total",
                  {{"kind", "sequence"}, {"reason", "stopped"}}),
            3);
  EXPECT_THAT(Numbered("a"), ::testing::IsEmpty());
}

}  // namespace
}  // namespace livesnap::snapshot
