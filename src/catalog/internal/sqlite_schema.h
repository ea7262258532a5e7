// File: catalog/internal/sqlite_schema.h
//
// The SQLite catalog schema as versioned migrations, and the code that brings
// a database file up to date:
//
//   LS_ASSIGN_OR_RETURN(int version, MigrateSqlite(db, SqliteMigrations()), "migrate");
//
// Several processes may open one file at once: each migration runs in a
// BEGIN IMMEDIATE transaction that re-reads the version under the write lock,
// so exactly one of them applies it.
//
// Thread-safety: MigrateSqlite uses `db` alone; its caller owns it.
#pragma once

#include <span>

#include "absl/status/statusor.h"
#include "catalog/internal/migration.h"
#include "catalog/internal/sqlite_db.h"

namespace livesnap::catalog::internal {

std::span<const Migration> SqliteMigrations();

// Applies the migrations newer than the database's version, each in its own
// transaction; returns the version the database is at afterwards.
// FailedPrecondition when the database is newer than `migrations`.
absl::StatusOr<int> MigrateSqlite(SqliteDb& db, std::span<const Migration> migrations);

}  // namespace livesnap::catalog::internal
