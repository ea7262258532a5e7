// What only the PostgreSQL backend has: a connection pool that survives the
// server ending its sessions, reports Unavailable while the database refuses
// connections, and recovers without reopening the catalog.
#include "catalog/internal/postgres_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "catalog/catalog.h"
#include "catalog/testing/status_matchers.h"
#include "catalog/testing/test_database.h"

namespace livesnap::catalog {
namespace {

using testing::Backend;
using testing::IsOk;
using testing::IsOkAndHolds;
using testing::StatusIs;
using testing::TestDatabase;

class PostgresCatalogTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestDatabase>> database = TestDatabase::Create(GetParam());
    ASSERT_THAT(database, IsOk());
    database_ = std::move(*database);
    absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog(database_->url());
    ASSERT_THAT(catalog, IsOk());
    catalog_ = std::move(*catalog);
    ASSERT_THAT(catalog_->AddDomain({.name = "push.example.com", .region = "cn-shanghai"}), IsOk());
  }

  int64_t SessionCount() {
    absl::StatusOr<std::vector<std::string>> count = database_->QueryColumn(
        "SELECT COUNT(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    EXPECT_THAT(count, IsOk());
    return count.ok() ? std::stoll(count->at(0)) : -1;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_P(PostgresCatalogTest, ReplacesSessionsTheServerEnded) {
  const SnapshotRecord record{
      .domain = "push.example.com", .app = "live", .stream = "s", .capture_ms = 1000};
  ASSERT_THAT(catalog_->NextSequence("push.example.com", "live", "s"), IsOkAndHolds(0));
  ASSERT_THAT(catalog_->AddSnapshotRecord(record), IsOk());
  ASSERT_GT(SessionCount(), 0);
  ASSERT_THAT(database_->TerminateSessions(), IsOk());
  ASSERT_EQ(SessionCount(), 0);

  EXPECT_THAT(catalog_->GetDomain("push.example.com"), IsOk());
  EXPECT_THAT(catalog_->NextSequence("push.example.com", "live", "s"), IsOkAndHolds(1));
  SnapshotRecord next = record;  // an identical record would be kept once
  next.capture_ms = 1500;
  EXPECT_THAT(catalog_->AddSnapshotRecord(next), IsOk());
  absl::StatusOr<std::vector<SnapshotRecord>> records = catalog_->QuerySnapshotRecords(
      {.domain = "push.example.com", .app = "live", .stream = "s", .end_ms = 2000});
  ASSERT_THAT(records, IsOk());
  EXPECT_EQ(records->size(), 2u);
}

TEST_P(PostgresCatalogTest, UnavailableWhileRefusedThenRecovers) {
  ASSERT_THAT(catalog_->NextSequence("push.example.com", "live", "s"), IsOkAndHolds(0));
  ASSERT_THAT(database_->SetConnectionsAllowed(false), IsOk());
  ASSERT_THAT(database_->TerminateSessions(), IsOk());

  EXPECT_THAT(catalog_->GetDomain("push.example.com"),
              StatusIs(absl::StatusCode::kUnavailable, "connect to PostgreSQL"));
  EXPECT_THAT(catalog_->NextSequence("push.example.com", "live", "s"),
              StatusIs(absl::StatusCode::kUnavailable, "next sequence"));
  EXPECT_THAT(
      catalog_->AddSnapshotRecord(
          {.domain = "push.example.com", .app = "live", .stream = "s", .object_key = "live/s.jpg"}),
      StatusIs(absl::StatusCode::kUnavailable, ""));

  ASSERT_THAT(database_->SetConnectionsAllowed(true), IsOk());
  EXPECT_THAT(catalog_->GetDomain("push.example.com"), IsOk());
  // The refused call allocated nothing: numbering continues without a gap.
  EXPECT_THAT(catalog_->NextSequence("push.example.com", "live", "s"), IsOkAndHolds(1));
}

TEST_P(PostgresCatalogTest, ManyCallersShareABoundedPool) {
  constexpr int kThreads = 3 * internal::kPostgresMaxConnections;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (!catalog_->NextSequence("push.example.com", "live", "s" + std::to_string(t)).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  const int64_t sessions = SessionCount();
  EXPECT_GT(sessions, 0);
  EXPECT_LE(sessions, internal::kPostgresMaxConnections);
}

TEST_P(PostgresCatalogTest, UnknownDatabaseIsUnavailable) {
  std::string url = database_->url();
  url.replace(url.rfind('/'), std::string::npos, "/no_such_database");
  EXPECT_THAT(OpenCatalog(url), StatusIs(absl::StatusCode::kUnavailable, "no_such_database"));
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresCatalogTest, ::testing::Values(Backend::kPostgres),
                         ParamName);

}  // namespace
}  // namespace livesnap::catalog
