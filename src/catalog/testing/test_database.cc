#include "catalog/testing/test_database.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "base/status.h"
#include "catalog/internal/pg_conn.h"
#include "catalog/internal/sqlite_db.h"

namespace livesnap::catalog::testing {
namespace {

using internal::PgConn;
using internal::PgConnect;
using internal::PgExec;
using internal::PgParams;
using internal::PgResult;

constexpr const char* kUrlFileVariable = "LIVESNAP_TEST_POSTGRES_URL_FILE";

// A TCP port on 127.0.0.1 that nothing listens on at the time of the call.
int UnusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t length = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The fixture's URL with its database replaced by `database`.
absl::StatusOr<std::string> DatabaseUrl(const std::string& server_url,
                                        const std::string& database) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(server_url.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError("parse PostgreSQL URL: " + message);
  }
  std::string host = "127.0.0.1", port = "5432", user;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    std::string_view keyword = option->keyword;
    if (keyword == "host") host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "user") user = option->val;
  }
  PQconninfoFree(options);
  return "postgresql://" + (user.empty() ? "" : user + "@") + host + ":" + port + "/" + database;
}

absl::StatusOr<std::vector<std::string>> PgColumn(const std::string& url, const std::string& sql) {
  LS_ASSIGN_OR_RETURN(PgConn conn, PgConnect(url), "");
  LS_ASSIGN_OR_RETURN(PgResult result, PgExec(conn.get(), sql), sql);
  std::vector<std::string> values;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    values.push_back(internal::PgText(result.get(), row, 0));
  }
  return values;
}

absl::StatusOr<std::vector<std::string>> SqliteColumn(const std::string& path,
                                                      const std::string& sql) {
  LS_ASSIGN_OR_RETURN(internal::SqliteDb db, internal::SqliteDb::Open(path, 5000), "");
  LS_ASSIGN_OR_RETURN(internal::Statement statement, db.Prepare(sql), "");
  internal::StatementRun run(statement);
  std::vector<std::string> values;
  while (true) {
    LS_ASSIGN_OR_RETURN(bool row, run.Step(), sql);
    if (!row) return values;
    values.push_back(run.Text(0));
  }
}

std::string SqlitePath(const std::string& url) {
  return url.substr(std::string("sqlite://").size());
}

}  // namespace

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

absl::StatusOr<std::string> PostgresServerUrl() {
  const char* file = std::getenv(kUrlFileVariable);
  if (file == nullptr || *file == '\0') {
    return absl::FailedPreconditionError(
        std::string(kUrlFileVariable) +
        " is not set: run the test through ctest, whose postgres fixture starts the server "
        "(tests/postgres/pg_fixture.sh)");
  }
  std::ifstream in(file);
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    return absl::FailedPreconditionError(
        "no PostgreSQL URL in " + std::string(file) +
        ": the postgres fixture (tests/postgres/pg_fixture.sh start) did not start a server");
  }
  return url;
}

std::string UnreachableUrl(Backend backend) {
  if (backend == Backend::kSqlite) return "sqlite:///dev/null/catalog.db";
  return "postgresql://livesnap@127.0.0.1:" + std::to_string(UnusedPort()) + "/livesnap";
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(Backend backend) {
  if (backend == Backend::kSqlite) {
    std::string pattern = (std::filesystem::temp_directory_path() / "livesnap-catalog-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError("mkdtemp " + pattern + " failed");
    }
    return std::unique_ptr<TestDatabase>(
        new TestDatabase(backend, "sqlite://" + pattern + "/catalog.db", pattern));
  }
  LS_ASSIGN_OR_RETURN(std::string server_url, PostgresServerUrl(), "");
  static std::atomic<int> counter{0};
  std::random_device random;
  const std::string name = "livesnap_test_" + std::to_string(::getpid()) + "_" +
                           std::to_string(counter++) + "_" + std::to_string(random() % 100000);
  LS_ASSIGN_OR_RETURN(PgConn admin, PgConnect(server_url), "connect to the test server");
  LS_RETURN_IF_ERROR(PgExec(admin.get(), "CREATE DATABASE " + name).status(),
                     "create database " + name);
  LS_ASSIGN_OR_RETURN(std::string url, DatabaseUrl(server_url, name), "");
  return std::unique_ptr<TestDatabase>(new TestDatabase(backend, url, name));
}

TestDatabase::~TestDatabase() {
  if (backend_ == Backend::kSqlite) {
    std::error_code ignored;
    std::filesystem::remove_all(location_, ignored);
    return;
  }
  absl::StatusOr<std::string> server_url = PostgresServerUrl();
  if (!server_url.ok()) return;
  absl::StatusOr<PgConn> admin = PgConnect(*server_url);
  if (!admin.ok()) return;
  // A failure leaves a database behind in a cluster the fixture deletes.
  (void)PgExec(admin->get(), "DROP DATABASE IF EXISTS " + location_ + " WITH (FORCE)");
}

absl::Status TestDatabase::Exec(const std::string& sql) { return QueryColumn(sql).status(); }

absl::StatusOr<std::vector<std::string>> TestDatabase::QueryColumn(const std::string& sql) {
  if (backend_ == Backend::kSqlite) return SqliteColumn(SqlitePath(url_), sql);
  return PgColumn(url_, sql);
}

absl::Status TestDatabase::SetConnectionsAllowed(bool allowed) {
  if (backend_ != Backend::kPostgres) return absl::UnimplementedError("PostgreSQL only");
  LS_ASSIGN_OR_RETURN(std::string server_url, PostgresServerUrl(), "");
  LS_ASSIGN_OR_RETURN(PgConn admin, PgConnect(server_url), "");
  return PgExec(admin.get(), "ALTER DATABASE " + location_ + " ALLOW_CONNECTIONS " +
                                 (allowed ? "true" : "false"))
      .status();
}

absl::Status TestDatabase::TerminateSessions() {
  if (backend_ != Backend::kPostgres) return absl::UnimplementedError("PostgreSQL only");
  LS_ASSIGN_OR_RETURN(std::string server_url, PostgresServerUrl(), "");
  LS_ASSIGN_OR_RETURN(PgConn admin, PgConnect(server_url), "");
  return PgExec(admin.get(),
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1",
                PgParams::Of(location_))
      .status();
}

}  // namespace livesnap::catalog::testing
