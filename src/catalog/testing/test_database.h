// File: catalog/testing/test_database.h
//
// Fresh, empty catalog databases for tests and benchmarks, one per test, on
// either backend: a SQLite file in a new temporary directory, or a new
// database on the PostgreSQL server that the `postgres` CTest fixture
// (tests/postgres/pg_fixture.sh) started, whose URL is in the file named by
// LIVESNAP_TEST_POSTGRES_URL_FILE.
//
//   LS_ASSIGN_OR_RETURN(auto db, TestDatabase::Create(Backend::kPostgres), "test database");
//   auto catalog = OpenCatalog(db->url());
//
// A missing PostgreSQL server is an error, never a reason to skip: tests that
// need it fail when the fixture did not start.
//
// Thread-safety: a TestDatabase has one owner; its methods open their own
// connections, so they may run while catalogs use the database.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap::catalog::testing {

enum class Backend { kSqlite, kPostgres };

// "Sqlite" or "Postgres", for parameterised test names.
std::string BackendName(Backend backend);
// So GoogleTest prints a Backend parameter by its name.
inline void PrintTo(Backend backend, std::ostream* out) { *out << BackendName(backend); }

// The URL of the fixture's PostgreSQL server (its maintenance database).
absl::StatusOr<std::string> PostgresServerUrl();

// A catalog URL of `backend` that cannot be opened: a SQLite path below a
// regular file, or a PostgreSQL port nothing listens on.
std::string UnreachableUrl(Backend backend);

class TestDatabase {
 public:
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(Backend backend);
  ~TestDatabase();  // removes the file or drops the database
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  Backend backend() const { return backend_; }
  const std::string& url() const { return url_; }

  // SQL run directly on the database, bypassing any catalog.
  absl::Status Exec(const std::string& sql);
  // The first column of every row, as text ("" for NULL).
  absl::StatusOr<std::vector<std::string>> QueryColumn(const std::string& sql);

  // PostgreSQL only: refuse (or again accept) new connections to the
  // database, and end every session connected to it, as a server restart
  // or a network failure would.
  absl::Status SetConnectionsAllowed(bool allowed);
  absl::Status TerminateSessions();

 private:
  TestDatabase(Backend backend, std::string url, std::string location)
      : backend_(backend), url_(std::move(url)), location_(std::move(location)) {}

  Backend backend_;
  std::string url_;
  std::string location_;  // SQLite: the temporary directory; PostgreSQL: the database name
};

}  // namespace livesnap::catalog::testing
