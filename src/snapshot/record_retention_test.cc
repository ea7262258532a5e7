// RecordRetention over a real SQLite catalog on a fake clock: sequence
// records older than the retention go, in batches, at start and at every
// sweep; overwrite records and younger ones stay.
#include "snapshot/record_retention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "tests/support/registry_metrics.h"
#include "tests/support/subprocess.h"

namespace livesnap::snapshot {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

constexpr int64_t kDayMs = 24 * 3600 * 1000;
constexpr int64_t kNowMs = 1'764'028'800'000;

class RecordRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<catalog::Catalog>> catalog =
        catalog::OpenCatalog("sqlite://" + (dir_ / "catalog.db").string());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = *std::move(catalog);
  }

  void Add(int64_t age_days, bool overlay, int64_t sequence) {
    catalog::SnapshotRecord record;
    record.domain = "push.example.com";
    record.app = "live";
    record.stream = "s";
    record.endpoint = "file.local";
    record.bucket = "snaps";
    record.object_key = overlay ? "live/s.jpg" : "live/s/" + std::to_string(sequence) + ".jpg";
    record.overlay = overlay;
    record.sequence = overlay ? -1 : sequence;
    record.capture_ms = kNowMs - age_days * kDayMs;
    ASSERT_TRUE(catalog_->AddSnapshotRecord(record).ok());
  }

  // The sequence numbers of the records left, oldest first (-1: the overwrite record).
  std::vector<int64_t> Left() {
    catalog::RecordQuery query;
    query.domain = "push.example.com";
    query.app = "live";
    query.stream = "s";
    query.end_ms = kNowMs + 100 * kDayMs;
    query.limit = 100;
    absl::StatusOr<std::vector<catalog::SnapshotRecord>> records =
        catalog_->QuerySnapshotRecords(query);
    EXPECT_TRUE(records.ok()) << records.status();
    std::vector<int64_t> left;
    for (const catalog::SnapshotRecord& r :
         records.value_or(std::vector<catalog::SnapshotRecord>{}))
      left.push_back(r.sequence);
    return left;
  }

  double Pruned() {
    return livesnap::testing::MetricValue(registry_, "livesnap_snapshot_records_pruned_total");
  }

  livesnap::testing::TempDir dir_;
  FakeClock clock_{kNowMs};
  prometheus::Registry registry_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

TEST_F(RecordRetentionTest, RemovesOldSequenceRecordsAtStartAndAtEverySweep) {
  Add(40, /*overlay=*/true, -1);
  for (int64_t sequence = 0; sequence < 5; ++sequence) Add(40 - sequence, false, sequence);
  Add(29, false, 5);
  Add(1, false, 6);
  absl::StatusOr<std::unique_ptr<RecordRetention>> retention = RecordRetention::Create(
      {.retention_days = 30, .sweep_interval_ms = 3 * kDayMs, .batch_size = 2, .batch_pause_ms = 0},
      *catalog_, registry_, clock_);
  ASSERT_TRUE(retention.ok()) << retention.status();
  // Ages 40..36 days: beyond 30, removed in batches of 2.
  ASSERT_TRUE(livesnap::testing::WaitFor([&] { return Pruned() == 5; }, 10s));
  EXPECT_THAT(Left(), ElementsAre(-1, 5, 6));

  // Two days on, the 29-day record is too old, but only the next sweep, a
  // day later, sees it.
  clock_.AdvanceMs(2 * kDayMs);
  ASSERT_TRUE(clock_.AwaitIdleWaits(2, 10s));  // the sweeper saw the time and went back to sleep
  EXPECT_THAT(Left(), ElementsAre(-1, 5, 6));
  clock_.AdvanceMs(kDayMs);
  ASSERT_TRUE(livesnap::testing::WaitFor([&] { return Pruned() == 6; }, 10s));
  EXPECT_THAT(Left(), ElementsAre(-1, 6));
  (*retention)->Stop();
}

TEST_F(RecordRetentionTest, OptionsOutOfRangeAreRefused) {
  for (RecordRetentionOptions options :
       {RecordRetentionOptions{.retention_days = 0}, RecordRetentionOptions{.batch_size = 0},
        RecordRetentionOptions{.sweep_interval_ms = 0}}) {
    EXPECT_EQ(RecordRetention::Create(options, *catalog_, registry_, clock_).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace livesnap::snapshot
