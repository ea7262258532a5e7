// The schema migration runners of both backends, driven with small migration
// lists of their own: order, idempotence, atomicity, concurrent openers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "catalog/catalog.h"
#include "catalog/internal/pg_conn.h"
#include "catalog/internal/postgres_schema.h"
#include "catalog/internal/sqlite_db.h"
#include "catalog/internal/sqlite_schema.h"
#include "catalog/testing/status_matchers.h"
#include "catalog/testing/test_database.h"

namespace livesnap::catalog {
namespace {

using internal::Migration;
using testing::Backend;
using ::testing::ElementsAre;
using testing::IsOk;
using testing::IsOkAndHolds;
using testing::StatusIs;
using testing::TestDatabase;

constexpr Migration kFirst = {1, "table one", "CREATE TABLE one (x INTEGER NOT NULL)"};
constexpr Migration kSecond = {2, "table two", "CREATE TABLE two (x INTEGER NOT NULL)"};
// Its second statement fails, after the first one created a table.
constexpr Migration kBrokenSecond = {
    2, "broken", "CREATE TABLE two (x INTEGER NOT NULL); CREATE TABLE one (x INTEGER NOT NULL)"};

class MigrationTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestDatabase>> database = TestDatabase::Create(GetParam());
    ASSERT_THAT(database, IsOk());
    database_ = std::move(*database);
  }

  // Runs the backend's migration runner on its own connection.
  absl::StatusOr<int> Migrate(std::span<const Migration> migrations) {
    const std::string& url = database_->url();
    if (GetParam() == Backend::kSqlite) {
      absl::StatusOr<internal::SqliteDb> db =
          internal::SqliteDb::Open(url.substr(std::string("sqlite://").size()), 5000);
      if (!db.ok()) return db.status();
      return internal::MigrateSqlite(*db, migrations);
    }
    absl::StatusOr<internal::PgConn> conn = internal::PgConnect(url);
    if (!conn.ok()) return conn.status();
    return internal::MigratePostgres(conn->get(), migrations);
  }

  bool TableExists(const std::string& table) {
    const std::string sql = GetParam() == Backend::kSqlite
                                ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '"
                                : "SELECT tablename FROM pg_tables WHERE tablename = '";
    absl::StatusOr<std::vector<std::string>> rows = database_->QueryColumn(sql + table + "'");
    EXPECT_THAT(rows, IsOk());
    return rows.ok() && !rows->empty();
  }

  std::vector<std::string> Versions() {
    absl::StatusOr<std::vector<std::string>> versions =
        database_->QueryColumn("SELECT version FROM schema_version ORDER BY version");
    EXPECT_THAT(versions, IsOk());
    return versions.value_or(std::vector<std::string>{});
  }

  std::unique_ptr<TestDatabase> database_;
};

TEST_P(MigrationTest, AppliesEachMigrationOnceInOrder) {
  const Migration first[] = {kFirst};
  ASSERT_THAT(Migrate(first), IsOkAndHolds(1));
  EXPECT_TRUE(TableExists("one"));
  EXPECT_FALSE(TableExists("two"));
  ASSERT_THAT(database_->Exec("INSERT INTO one (x) VALUES (42)"), IsOk());

  // A later release adds a migration: only the new one runs.
  const Migration both[] = {kFirst, kSecond};
  ASSERT_THAT(Migrate(both), IsOkAndHolds(2));
  EXPECT_TRUE(TableExists("two"));
  EXPECT_THAT(database_->QueryColumn("SELECT x FROM one"), IsOkAndHolds(ElementsAre("42")));
  ASSERT_THAT(Migrate(both), IsOkAndHolds(2));
  EXPECT_THAT(Versions(), ElementsAre("1", "2"));
}

TEST_P(MigrationTest, AFailingMigrationLeavesNoTrace) {
  const Migration broken[] = {kFirst, kBrokenSecond};
  EXPECT_THAT(Migrate(broken), StatusIs(absl::StatusCode::kInternal, "schema migration 2"));
  EXPECT_TRUE(TableExists("one"));
  EXPECT_FALSE(TableExists("two"));  // its first statement was rolled back
  EXPECT_THAT(Versions(), ElementsAre("1"));

  // Once fixed, it applies.
  const Migration fixed[] = {kFirst, kSecond};
  EXPECT_THAT(Migrate(fixed), IsOkAndHolds(2));
}

TEST_P(MigrationTest, RefusesADatabaseNewerThanItsMigrations) {
  const Migration both[] = {kFirst, kSecond};
  ASSERT_THAT(Migrate(both), IsOkAndHolds(2));
  const Migration first[] = {kFirst};
  EXPECT_THAT(Migrate(first), StatusIs(absl::StatusCode::kFailedPrecondition, "version 2"));
}

TEST_P(MigrationTest, RejectsAListWithAGap) {
  const Migration gap[] = {kSecond};
  EXPECT_THAT(Migrate(gap), StatusIs(absl::StatusCode::kInternal, "want 1"));
  EXPECT_THAT(Migrate({}), IsOkAndHolds(0));
}

TEST_P(MigrationTest, ConcurrentOpenersMigrateAnEmptyDatabaseOnce) {
  constexpr int kOpeners = 4;
  std::vector<absl::Status> results(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] { results[i] = OpenCatalog(database_->url()).status(); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
  std::vector<std::string> want;
  const size_t latest = GetParam() == Backend::kSqlite ? internal::SqliteMigrations().size()
                                                       : internal::PostgresMigrations().size();
  for (size_t version = 1; version <= latest; ++version) want.push_back(std::to_string(version));
  EXPECT_EQ(Versions(), want);
}

TEST_P(MigrationTest, BothBackendsHaveTheSameNumberOfMigrations) {
  EXPECT_EQ(internal::SqliteMigrations().size(), internal::PostgresMigrations().size());
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, MigrationTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), ParamName);

}  // namespace
}  // namespace livesnap::catalog
