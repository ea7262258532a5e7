// File: catalog/internal/pg_pool.h
//
// A small pool of PostgreSQL connections, opened on demand up to a maximum.
// A lease hands one connection to one caller; when the lease ends the
// connection goes back to the pool, unless it broke or was left inside a
// transaction, in which case it is closed. An idle connection whose session
// the server ended (restart, pg_terminate_backend) is noticed before it is
// handed out, and a new one is opened instead. While the server cannot be
// reached, Acquire fails with Unavailable; the next call tries again.
//
//   PgPool pool(url, /*max_connections=*/8, "SET synchronous_commit TO off");
//   LS_ASSIGN_OR_RETURN(PgPool::Lease lease, pool.Acquire(), "catalog");
//   PgExec(lease.get(), "SELECT 1");
//
// Thread-safety: Acquire may be called from any thread; a Lease belongs to
// the thread that acquired it.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "catalog/internal/pg_conn.h"

namespace livesnap::catalog::internal {

class PgPool {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PGconn* get() const { return conn_.get(); }

   private:
    friend class PgPool;
    Lease(PgPool* pool, PgConn conn) : pool_(pool), conn_(std::move(conn)) {}
    PgPool* pool_;
    PgConn conn_;
  };

  // `session_setup`, when not empty, is fixed SQL (e.g. a SET) every new
  // connection runs before its first use.
  PgPool(std::string url, int max_connections, std::string session_setup = "");
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Waits while all max_connections are leased.
  absl::StatusOr<Lease> Acquire();

 private:
  void Release(PgConn conn);
  // Logs when the server goes away and when it comes back, once each.
  void NoteReachable(bool reachable, const std::string& error);

  absl::StatusOr<PgConn> Connect();

  const std::string url_;
  const int max_connections_;
  const std::string session_setup_;
  std::mutex mu_;
  std::condition_variable released_;
  std::vector<PgConn> idle_;  // guarded by mu_
  int open_ = 0;              // guarded by mu_: idle plus leased connections
  bool reachable_ = true;     // guarded by mu_
};

}  // namespace livesnap::catalog::internal
