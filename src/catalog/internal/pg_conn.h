// File: catalog/internal/pg_conn.h
//
// RAII for libpq's C handles (PgConn owns a PGconn*, PgResult a PGresult*)
// and the one way the catalog talks to PostgreSQL: parameterised statements
// (PQexecParams, values sent as text, never spliced into SQL). Failures
// become absl::Status here (see PgStatus).
//
//   LS_ASSIGN_OR_RETURN(PgConn conn, PgConnect(url), "connect");
//   LS_ASSIGN_OR_RETURN(PgResult result,
//                       PgExec(conn.get(), "SELECT region FROM domains WHERE name = $1",
//                              PgParams::Of("push.example.com")),
//                       "get domain");
//   std::string region = PgText(result.get(), 0, 0);
//
// Thread-safety: a PGconn is used by one thread at a time (libpq's rule).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap::catalog::internal {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

inline constexpr int kPgConnectTimeoutS = 5;

// Connects to the libpq URL (its own parameters win over the defaults:
// connect_timeout kPgConnectTimeoutS, client_encoding UTF8). Unavailable when
// the server cannot be reached or refuses the connection; the message never
// contains the URL, which may carry a password.
absl::StatusOr<PgConn> PgConnect(const std::string& url);

// The values of one statement's parameters, $1, $2, ... in order.
class PgParams {
 public:
  template <typename... Values>
  static PgParams Of(const Values&... values) {
    PgParams params;
    (params.Add(values), ...);
    return params;
  }
  PgParams& Add(std::string_view value);
  PgParams& Add(const std::string& value) { return Add(std::string_view(value)); }
  PgParams& Add(const char* value) { return Add(std::string_view(value)); }
  PgParams& Add(int64_t value);
  PgParams& Add(int value) { return Add(static_cast<int64_t>(value)); }
  PgParams& Add(bool value);
  PgParams& Add(std::nullptr_t);
  PgParams& Add(const std::optional<std::string>& value);

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers into this object, valid while it is alive and unchanged.
  std::vector<const char*> Pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// The Status for a failed statement or connection: a broken connection or a
// server shutting down is Unavailable, unique_violation AlreadyExists,
// foreign_key_violation FailedPrecondition, a data exception InvalidArgument,
// a serialization failure or deadlock Aborted, the rest Internal.
absl::Status PgStatus(PGconn* conn, const PGresult* result);

// Runs one statement with `params`; a result that is neither rows nor a
// completed command becomes an error.
absl::StatusOr<PgResult> PgExec(PGconn* conn, std::string_view sql, const PgParams& params = {});
// Runs fixed SQL text with no parameters, possibly several statements: for
// the schema, never for values that come from outside.
absl::Status PgExecScript(PGconn* conn, std::string_view sql);

std::string PgText(const PGresult* result, int row, int column);
int64_t PgInt64(const PGresult* result, int row, int column);
int PgInt(const PGresult* result, int row, int column);
bool PgBool(const PGresult* result, int row, int column);
// Rows an INSERT/UPDATE/DELETE changed.
int64_t PgAffectedRows(const PGresult* result);

// One row of a result, read by column index like a SQLite StatementRun, so
// the readers of catalog_sql.h serve both backends. Valid while `result` is.
struct PgRow {
  const PGresult* result;
  int row;
  std::string Text(int column) const { return PgText(result, row, column); }
  int64_t Int64(int column) const { return PgInt64(result, row, column); }
  int Int(int column) const { return PgInt(result, row, column); }
  bool Bool(int column) const { return PgBool(result, row, column); }
};

// A transaction on one connection; rolled back unless Commit() succeeded.
class PgTransaction {
 public:
  // `begin` is the statement that opens it, e.g. "BEGIN ISOLATION LEVEL REPEATABLE READ".
  static absl::StatusOr<PgTransaction> Begin(PGconn* conn, std::string_view begin = "BEGIN");
  PgTransaction(PgTransaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();
  absl::Status Commit();

 private:
  explicit PgTransaction(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;  // null once committed or rolled back
};

// Whether an idle connection is still usable: a server that restarted or
// ended the session has closed the socket, which a zero-timeout poll sees.
bool PgConnectionAlive(PGconn* conn);

}  // namespace livesnap::catalog::internal
