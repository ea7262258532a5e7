// File: catalog/internal/migration.h
//
// A versioned schema change. Each backend keeps an ordered list of them
// (versions 1, 2, 3, ... without gaps); opening a catalog applies, each in its
// own transaction, those newer than the version recorded in the database's
// schema_version table, and refuses a database newer than the list.
//
//   constexpr Migration kMigrations[] = {{1, "domains, buckets, templates", "CREATE TABLE ..."}};
//
// Thread-safety: plain data.
#pragma once

#include <string_view>

namespace livesnap::catalog::internal {

struct Migration {
  int version = 0;
  std::string_view description;
  std::string_view sql;  // one or more statements, no parameters
};

}  // namespace livesnap::catalog::internal
