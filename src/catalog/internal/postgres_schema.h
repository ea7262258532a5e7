// File: catalog/internal/postgres_schema.h
//
// The PostgreSQL catalog schema as versioned migrations, and the code that
// brings a database up to date:
//
//   LS_ASSIGN_OR_RETURN(int version, MigratePostgres(conn, PostgresMigrations()), "migrate");
//
// Several nodes may start at once against one database: MigratePostgres
// holds a session advisory lock (kMigrationLockKey) while it reads the
// version and applies what is missing, each migration in its own
// transaction, so exactly one node applies each and the others wait for it.
//
// Thread-safety: MigratePostgres uses `conn` alone; its caller owns it.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "catalog/internal/migration.h"

namespace livesnap::catalog::internal {

// "livesnap" in ASCII: the advisory lock key schema migrations hold.
inline constexpr int64_t kMigrationLockKey = 0x6c697665736e6170;

std::span<const Migration> PostgresMigrations();

// Applies the migrations newer than the database's version, each in its own
// transaction, under the migration lock; returns the version the database is
// at afterwards. FailedPrecondition when the database is newer than
// `migrations`.
absl::StatusOr<int> MigratePostgres(PGconn* conn, std::span<const Migration> migrations);

}  // namespace livesnap::catalog::internal
