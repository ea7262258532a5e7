// File: catalog/internal/sqlite_db.h
//
// RAII wrappers for SQLite's C handles: SqliteDb owns a sqlite3*, Statement a
// sqlite3_stmt*. Result codes become absl::Status right here (see
// SqliteStatus), so callers see NotFound/AlreadyExists/Unavailable, never an
// int.
//
//   LS_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open("/var/lib/livesnap/catalog.db"), "open");
//   LS_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT region FROM domains WHERE name = ?1"),
//                       "prepare");
//   StatementRun run(stmt);  // resets the statement however the scope is left
//   LS_RETURN_IF_ERROR(run.Bind("push.example.com"), "bind");
//   LS_ASSIGN_OR_RETURN(bool row, run.Step(), "select");
//
// Thread-safety: none; SqliteDb is opened SQLITE_OPEN_NOMUTEX and its owner
// serialises every use of it and of its statements.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap::catalog::internal {

// The Status for SQLite result code `rc` (an extended code), with `context`
// and the connection's error message: BUSY/LOCKED and I/O failures are
// Unavailable, UNIQUE/PRIMARY KEY violations AlreadyExists, FOREIGN KEY
// violations FailedPrecondition, corruption DataLoss, the rest Internal.
absl::Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  sqlite3_stmt* get() const { return stmt_.get(); }
  sqlite3* db() const { return sqlite3_db_handle(stmt_.get()); }

 private:
  struct Deleter {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  std::unique_ptr<sqlite3_stmt, Deleter> stmt_;
};

// One execution of a prepared statement: binds parameters in order, steps,
// reads columns, and on destruction resets the statement and clears its
// bindings, so an abandoned statement never holds a read transaction open.
class StatementRun {
 public:
  explicit StatementRun(Statement& statement) : stmt_(statement.get()) {}
  StatementRun(const StatementRun&) = delete;
  StatementRun& operator=(const StatementRun&) = delete;
  ~StatementRun() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // Binds the values to parameters next_index, next_index+1, ...
  template <typename... Values>
  absl::Status Bind(const Values&... values) {
    absl::Status status;
    auto bind = [&](const auto& value) {
      if (status.ok()) status = BindOne(value);
    };
    (bind(values), ...);
    return status;
  }

  // true when a row is available, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Steps to the end, for statements that return no rows.
  absl::Status Finish();
  // Rows changed by the finished INSERT/UPDATE/DELETE.
  int64_t Changes() const { return sqlite3_changes64(sqlite3_db_handle(stmt_)); }

  int64_t Int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  int Int(int column) const { return sqlite3_column_int(stmt_, column); }
  bool Bool(int column) const { return sqlite3_column_int(stmt_, column) != 0; }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const;

 private:
  absl::Status BindOne(std::string_view value);
  absl::Status BindOne(const std::string& value) { return BindOne(std::string_view(value)); }
  absl::Status BindOne(const char* value) { return BindOne(std::string_view(value)); }
  absl::Status BindOne(int64_t value);
  absl::Status BindOne(int value) { return BindOne(static_cast<int64_t>(value)); }
  absl::Status BindOne(bool value) { return BindOne(static_cast<int64_t>(value ? 1 : 0)); }
  absl::Status BindOne(std::nullptr_t);
  absl::Status BindOne(const std::optional<std::string>& value) {
    return value ? BindOne(std::string_view(*value)) : BindOne(nullptr);
  }

  sqlite3_stmt* stmt_;
  int next_index_ = 1;
};

class SqliteDb {
 public:
  // Opens (creating when absent) the database file at `path` read-write,
  // with extended result codes and the given busy timeout.
  static absl::StatusOr<SqliteDb> Open(const std::string& path, int busy_timeout_ms);

  sqlite3* get() const { return db_.get(); }
  // Runs SQL text without parameters (one or more statements).
  absl::Status Exec(std::string_view sql);
  absl::StatusOr<Statement> Prepare(std::string_view sql);
  // The single text value a statement such as "PRAGMA journal_mode=WAL" returns.
  absl::StatusOr<std::string> QueryText(std::string_view sql);

 private:
  struct Deleter {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Deleter> db_;
};

// A transaction on a SqliteDb; rolled back unless Commit() succeeded.
// kImmediate takes the write lock at BEGIN, so a read-then-write transaction
// never fails half-way because another connection wrote first.
class SqliteTransaction {
 public:
  enum class Mode { kDeferred, kImmediate };
  static absl::StatusOr<SqliteTransaction> Begin(SqliteDb& db, Mode mode);
  SqliteTransaction(SqliteTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();
  absl::Status Commit();

 private:
  explicit SqliteTransaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;  // null once committed or rolled back
};

}  // namespace livesnap::catalog::internal
