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

#include "catalog/testing/forwarding_catalog.h"
#include "tests/support/registry_metrics.h"
#include "tests/support/subprocess.h"

namespace livesnap::snapshot {
namespace {

using livesnap::testing::MetricValue;
using ::testing::ElementsAre;

constexpr char kDomain[] = "push.example.com";

// A real catalog whose sequence numbers and records fail while `failing`
// (with `failure`); everything else passes through.
class FlakyCatalog final : public catalog::testing::ForwardingCatalog {
 public:
  using ForwardingCatalog::ForwardingCatalog;
  std::atomic<bool> failing{false};
  std::atomic<int> attempts{0};
  absl::Status failure = absl::UnavailableError("catalog unreachable");  // set before failing

  absl::StatusOr<int64_t> NextSequence(std::string_view d, std::string_view a,
                                       std::string_view s) override {
    ++attempts;
    if (failing) return failure;
    return ForwardingCatalog::NextSequence(d, a, s);
  }
  absl::Status AddSnapshotRecord(const catalog::SnapshotRecord& r) override {
    ++attempts;
    if (failing) return failure;
    return ForwardingCatalog::AddSnapshotRecord(r);
  }
};

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
  EXPECT_EQ(MetricValue(registry_, "livesnap_catalog_deferred_total", {{"kind", "sequence"}}), 0);
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
  EXPECT_EQ(MetricValue(registry_, "livesnap_catalog_backlog_tasks", {{"kind", "sequence"}}), 7);
  EXPECT_EQ(MetricValue(registry_, "livesnap_catalog_reachable"), 0);
  // Only the first call after the failure and the backlog's retries reach
  // the catalog: later work waits without trying.
  const int attempts = flaky_->attempts;
  EXPECT_EQ(attempts, 2);
  clock_.AdvanceMs(999);
  // The retry thread saw the clock at 999 ms and went back to waiting.
  ASSERT_TRUE(clock_.AwaitIdleWaits(2, std::chrono::seconds(10)));
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
  EXPECT_EQ(MetricValue(registry_, "livesnap_catalog_deferred_total", {{"kind", "sequence"}}), 7);
  EXPECT_EQ(MetricValue(registry_, "livesnap_catalog_reachable"), 1);
  EXPECT_EQ(MetricValue(registry_, "livesnap_catalog_backlog_bytes"), 0);
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
  EXPECT_EQ(MetricValue(registry_, "livesnap_catalog_backlog_dropped_total",
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
  EXPECT_EQ(MetricValue(registry_, "livesnap_catalog_backlog_dropped_total",
                        {{"kind", "sequence"}, {"reason", "stopped"}}),
            3);
  EXPECT_THAT(Numbered("a"), ::testing::IsEmpty());
}

}  // namespace
}  // namespace livesnap::snapshot
