// OpenCatalog's URL forms and the SQLite file it creates.
#include "catalog/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "catalog/internal/sqlite_db.h"
#include "catalog/testing/status_matchers.h"
#include "tests/support/subprocess.h"

namespace livesnap::catalog {
namespace {

using testing::IsOk;
using testing::IsOkAndHolds;
using testing::StatusIs;

std::string JournalMode(const std::filesystem::path& path) {
  absl::StatusOr<internal::SqliteDb> db = internal::SqliteDb::Open(path.string(), 1000);
  if (!db.ok()) return db.status().ToString();
  return db->QueryText("PRAGMA journal_mode").value_or("error");
}

TEST(OpenCatalogTest, SqliteUrlWithAbsolutePathCreatesDirectoriesAndAWalFile) {
  livesnap::testing::TempDir dir;
  const std::filesystem::path path = dir / "data/nested/catalog.db";
  absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog("sqlite://" + path.string());
  ASSERT_THAT(catalog, IsOk());
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(JournalMode(path), "wal");
}

TEST(OpenCatalogTest, PlainPathIsASqliteFile) {
  livesnap::testing::TempDir dir;
  const std::filesystem::path path = dir / "catalog.db";
  absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog(path.string());
  ASSERT_THAT(catalog, IsOk());
  ASSERT_THAT((*catalog)->AddDomain({.name = "push.example.com", .region = "r"}), IsOk());
  catalog->reset();
  absl::StatusOr<std::unique_ptr<Catalog>> again = OpenCatalog("sqlite://" + path.string());
  ASSERT_THAT(again, IsOk());
  EXPECT_THAT((*again)->GetDomain("push.example.com"), IsOk());
}

TEST(OpenCatalogTest, SqliteUrlWithoutLeadingSlashIsRelative) {
  livesnap::testing::TempDir dir;
  const std::filesystem::path previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog("sqlite://relative.db");
  std::filesystem::current_path(previous);
  ASSERT_THAT(catalog, IsOk());
  EXPECT_TRUE(std::filesystem::exists(dir / "relative.db"));
}

TEST(OpenCatalogTest, InMemoryCatalogWorks) {
  absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog(":memory:");
  ASSERT_THAT(catalog, IsOk());
  EXPECT_THAT((*catalog)->NextSequence("d", "a", "s"), IsOkAndHolds(0));
  EXPECT_THAT((*catalog)->NextSequence("d", "a", "s"), IsOkAndHolds(1));
}

TEST(OpenCatalogTest, RejectsOtherSchemes) {
  EXPECT_THAT(OpenCatalog("mysql://db.internal/livesnap"),
              StatusIs(absl::StatusCode::kInvalidArgument, "mysql://"));
  EXPECT_THAT(OpenCatalog(""), StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
  EXPECT_THAT(OpenCatalog("sqlite://"), StatusIs(absl::StatusCode::kInvalidArgument, "empty"));
}

TEST(OpenCatalogTest, NotADatabaseFileIsRefused) {
  livesnap::testing::TempDir dir;
  const std::filesystem::path path = dir / "catalog.db";
  std::ofstream(path) << "this is not an SQLite database, just some text long enough to "
                         "fill the header SQLite reads first";
  EXPECT_THAT(OpenCatalog(path.string()), StatusIs(absl::StatusCode::kDataLoss, "not a database"));
}

TEST(OpenCatalogTest, TwoCatalogsOnOneFileSeeEachOthersWrites) {
  livesnap::testing::TempDir dir;
  const std::string url = "sqlite://" + (dir / "catalog.db").string();
  absl::StatusOr<std::unique_ptr<Catalog>> first = OpenCatalog(url);
  absl::StatusOr<std::unique_ptr<Catalog>> second = OpenCatalog(url);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  ASSERT_THAT((*first)->AddDomain({.name = "push.example.com", .region = "r"}), IsOk());
  EXPECT_THAT((*second)->GetDomain("push.example.com"), IsOk());
  EXPECT_THAT((*first)->NextSequence("d", "a", "s"), IsOkAndHolds(0));
  EXPECT_THAT((*second)->NextSequence("d", "a", "s"), IsOkAndHolds(1));
  EXPECT_THAT((*first)->NextSequence("d", "a", "s"), IsOkAndHolds(2));
}

}  // namespace
}  // namespace livesnap::catalog
