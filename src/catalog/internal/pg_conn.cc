#include "catalog/internal/pg_conn.h"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

namespace livesnap::catalog::internal {
namespace {

std::string Trimmed(const char* text) {
  std::string out = text != nullptr ? text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

void LogNotice(void* /*arg*/, const char* message) {
  spdlog::debug("catalog: postgres says: {}", Trimmed(message));
}

absl::StatusCode CodeForSqlState(std::string_view state) {
  if (state == "23505") return absl::StatusCode::kAlreadyExists;
  if (state == "23503") return absl::StatusCode::kFailedPrecondition;
  if (state == "40001" || state == "40P01") return absl::StatusCode::kAborted;
  if (state == "57P01" || state == "57P02" || state == "57P03" || state == "55P03") {
    return absl::StatusCode::kUnavailable;  // shutdown, crash, starting up, lock timeout
  }
  if (state.starts_with("08") || state.starts_with("53")) {
    return absl::StatusCode::kUnavailable;  // connection exception, insufficient resources
  }
  if (state.starts_with("22")) return absl::StatusCode::kInvalidArgument;
  return absl::StatusCode::kInternal;
}

}  // namespace

absl::StatusOr<PgConn> PgConnect(const std::string& url) {
  const std::string timeout = std::to_string(kPgConnectTimeoutS);
  // With expand_dbname, the URL's own parameters override the earlier entries.
  const char* const keywords[] = {"connect_timeout", "client_encoding", "application_name",
                                  "dbname", nullptr};
  const char* const values[] = {timeout.c_str(), "UTF8", "livesnap", url.c_str(), nullptr};
  PgConn conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError("connect to PostgreSQL: " + Trimmed(PQerrorMessage(conn.get())));
  }
  PQsetNoticeProcessor(conn.get(), LogNotice, nullptr);
  return conn;
}

PgParams& PgParams::Add(std::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}

PgParams& PgParams::Add(int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

PgParams& PgParams::Add(bool value) {
  values_.emplace_back(value ? "true" : "false");
  return *this;
}

PgParams& PgParams::Add(std::nullptr_t) {
  values_.emplace_back(std::nullopt);
  return *this;
}

PgParams& PgParams::Add(const std::optional<std::string>& value) {
  values_.push_back(value);
  return *this;
}

std::vector<const char*> PgParams::Pointers() const {
  std::vector<const char*> pointers;
  pointers.reserve(values_.size());
  for (const std::optional<std::string>& value : values_) {
    pointers.push_back(value ? value->c_str() : nullptr);
  }
  return pointers;
}

absl::Status PgStatus(PGconn* conn, const PGresult* result) {
  if (result == nullptr || PQstatus(conn) == CONNECTION_BAD) {
    return absl::UnavailableError("PostgreSQL connection lost: " + Trimmed(PQerrorMessage(conn)));
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  std::string message = primary != nullptr ? primary : Trimmed(PQresultErrorMessage(result));
  if (state == nullptr) return absl::InternalError(message);
  message += " (SQLSTATE " + std::string(state) + ")";
  return absl::Status(CodeForSqlState(state), message);
}

absl::StatusOr<PgResult> PgExec(PGconn* conn, std::string_view sql, const PgParams& params) {
  const std::string text(sql);
  const std::vector<const char*> values = params.Pointers();
  PgResult result(PQexecParams(conn, text.c_str(), params.size(), /*paramTypes=*/nullptr,
                               values.data(), /*paramLengths=*/nullptr, /*paramFormats=*/nullptr,
                               /*resultFormat=*/0));
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return PgStatus(conn, result.get());
  }
  return result;
}

absl::Status PgExecScript(PGconn* conn, std::string_view sql) {
  const std::string text(sql);
  PgResult result(PQexec(conn, text.c_str()));
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return PgStatus(conn, result.get());
  }
  return absl::OkStatus();
}

std::string PgText(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     static_cast<size_t>(PQgetlength(result, row, column)));
}

int64_t PgInt64(const PGresult* result, int row, int column) {
  return std::strtoll(PQgetvalue(result, row, column), nullptr, 10);
}

int PgInt(const PGresult* result, int row, int column) {
  return static_cast<int>(PgInt64(result, row, column));
}

bool PgBool(const PGresult* result, int row, int column) {
  return PQgetvalue(result, row, column)[0] == 't';
}

int64_t PgAffectedRows(const PGresult* result) {
  return std::strtoll(PQcmdTuples(const_cast<PGresult*>(result)), nullptr, 10);
}

absl::StatusOr<PgTransaction> PgTransaction::Begin(PGconn* conn, std::string_view begin) {
  absl::Status status = PgExecScript(conn, begin);
  if (!status.ok()) return absl::Status(status.code(), "begin: " + std::string(status.message()));
  return PgTransaction(conn);
}

PgTransaction::~PgTransaction() {
  // Reached only on an error path, whose status says why; a connection the
  // rollback fails on is closed by its pool (it is not idle).
  if (conn_ != nullptr) (void)PgExecScript(conn_, "ROLLBACK");
}

absl::Status PgTransaction::Commit() {
  absl::Status status = PgExecScript(conn_, "COMMIT");
  if (!status.ok()) return absl::Status(status.code(), "commit: " + std::string(status.message()));
  conn_ = nullptr;
  return absl::OkStatus();
}

bool PgConnectionAlive(PGconn* conn) {
  if (PQstatus(conn) != CONNECTION_OK) return false;
  pollfd fd{.fd = PQsocket(conn), .events = POLLIN, .revents = 0};
  if (fd.fd < 0) return false;
  // Nothing arrives on an idle session unless the server is ending it (a
  // FATAL message, then end-of-file) or sends a notification. Reading until
  // the socket is quiet turns an ended session into CONNECTION_BAD.
  for (int reads = 0; reads < 8; ++reads) {
    fd.revents = 0;
    if (::poll(&fd, 1, 0) <= 0) break;
    if (PQconsumeInput(conn) == 0) return false;
    while (PGnotify* notify = PQnotifies(conn)) PQfreemem(notify);
  }
  return PQstatus(conn) == CONNECTION_OK;
}

}  // namespace livesnap::catalog::internal
