#include "catalog/internal/sqlite_db.h"

#include <limits>
#include <string>
#include <utility>

#include "base/status.h"

namespace livesnap::catalog::internal {

absl::Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (sqlite code " + std::to_string(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return absl::AlreadyExistsError(message);
      }
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return absl::FailedPreconditionError(message);
      return absl::InternalError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<bool> StatementRun::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, sqlite3_db_handle(stmt_), "step");
}

absl::Status StatementRun::Finish() {
  while (true) {
    LS_ASSIGN_OR_RETURN(bool row, Step(), "");
    if (!row) return absl::OkStatus();
  }
}

std::string StatementRun::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

absl::Status StatementRun::BindOne(std::string_view value) {
  if (value.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError("parameter " + std::to_string(next_index_) + " is " +
                                      std::to_string(value.size()) + " bytes, too long");
  }
  int rc = sqlite3_bind_text(stmt_, next_index_, value.data(), static_cast<int>(value.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    return SqliteStatus(rc, sqlite3_db_handle(stmt_), "bind " + std::to_string(next_index_));
  }
  ++next_index_;
  return absl::OkStatus();
}

absl::Status StatementRun::BindOne(int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, next_index_, value);
  if (rc != SQLITE_OK) {
    return SqliteStatus(rc, sqlite3_db_handle(stmt_), "bind " + std::to_string(next_index_));
  }
  ++next_index_;
  return absl::OkStatus();
}

absl::Status StatementRun::BindOne(std::nullptr_t) {
  int rc = sqlite3_bind_null(stmt_, next_index_);
  if (rc != SQLITE_OK) {
    return SqliteStatus(rc, sqlite3_db_handle(stmt_), "bind " + std::to_string(next_index_));
  }
  ++next_index_;
  return absl::OkStatus();
}

absl::StatusOr<SqliteDb> SqliteDb::Open(const std::string& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteDb db;
  db.db_.reset(raw);  // sqlite3_open_v2 allocates a handle even when it fails
  if (rc != SQLITE_OK) return SqliteStatus(rc, raw, "open " + path);
  sqlite3_extended_result_codes(raw, 1);
  rc = sqlite3_busy_timeout(raw, busy_timeout_ms);
  if (rc != SQLITE_OK) return SqliteStatus(rc, raw, "set busy timeout");
  return db;
}

absl::Status SqliteDb::Exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_.get(), "exec");
  return absl::OkStatus();
}

absl::StatusOr<Statement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  Statement statement(stmt);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_.get(), "prepare \"" + std::string(sql) + "\"");
  return statement;
}

absl::StatusOr<std::string> SqliteDb::QueryText(std::string_view sql) {
  LS_ASSIGN_OR_RETURN(Statement statement, Prepare(sql), "");
  StatementRun run(statement);
  LS_ASSIGN_OR_RETURN(bool row, run.Step(), std::string(sql));
  if (!row) return absl::InternalError("\"" + std::string(sql) + "\" returned no row");
  std::string value = run.Text(0);
  LS_RETURN_IF_ERROR(run.Finish(), std::string(sql));
  return value;
}

absl::StatusOr<SqliteTransaction> SqliteTransaction::Begin(SqliteDb& db, Mode mode) {
  LS_RETURN_IF_ERROR(db.Exec(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"),
                     "begin transaction");
  return SqliteTransaction(&db);
}

SqliteTransaction::~SqliteTransaction() {
  // Reached only on an error path; the error being returned says why.
  if (db_ != nullptr) sqlite3_exec(db_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

absl::Status SqliteTransaction::Commit() {
  absl::Status status = db_->Exec("COMMIT");
  if (status.ok()) db_ = nullptr;
  return Annotate(status, "commit");
}

}  // namespace livesnap::catalog::internal
