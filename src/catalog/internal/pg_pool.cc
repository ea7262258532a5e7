#include "catalog/internal/pg_pool.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace livesnap::catalog::internal {

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_));
}

PgPool::PgPool(std::string url, int max_connections, std::string session_setup)
    : url_(std::move(url)),
      max_connections_(max_connections),
      session_setup_(std::move(session_setup)) {}

absl::StatusOr<PgConn> PgPool::Connect() {
  absl::StatusOr<PgConn> conn = PgConnect(url_);
  if (!conn.ok() || session_setup_.empty()) return conn;
  absl::Status setup = PgExecScript(conn->get(), session_setup_);
  if (!setup.ok()) {
    return absl::Status(setup.code(), "set up session: " + std::string(setup.message()));
  }
  return conn;
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock lock(mu_);
  while (true) {
    released_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
    if (idle_.empty()) break;
    PgConn conn = std::move(idle_.back());
    idle_.pop_back();
    if (PgConnectionAlive(conn.get())) return Lease(this, std::move(conn));
    // The server ended this session while it sat idle: drop it, try the next.
    --open_;
    lock.unlock();
    conn.reset();
    lock.lock();
  }
  ++open_;  // reserved while connecting, outside the lock
  lock.unlock();
  absl::StatusOr<PgConn> conn = Connect();
  lock.lock();
  if (!conn.ok()) {
    --open_;
    released_.notify_one();
    NoteReachable(false, std::string(conn.status().message()));
    return conn.status();
  }
  NoteReachable(true, "");
  return Lease(this, std::move(*conn));
}

void PgPool::Release(PgConn conn) {
  const bool reusable =
      PQstatus(conn.get()) == CONNECTION_OK && PQtransactionStatus(conn.get()) == PQTRANS_IDLE;
  std::lock_guard lock(mu_);
  if (reusable) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  released_.notify_one();
}

void PgPool::NoteReachable(bool reachable, const std::string& error) {
  if (reachable == reachable_) return;
  reachable_ = reachable;
  if (reachable) {
    spdlog::info("catalog: PostgreSQL is reachable again");
  } else {
    spdlog::warn("catalog: PostgreSQL unreachable, catalog calls fail until it returns: {}", error);
  }
}

}  // namespace livesnap::catalog::internal
