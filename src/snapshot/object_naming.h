// File: snapshot/object_naming.h
//
// Expands a template's object pattern into an object key (DESIGN.md
// "Storage naming"). Variables: {Domain} {AppName} {StreamName}
// {UnixTimestamp} (seconds) {Sequence} {Date} (UTC, yyyy-mm-dd).
//
//   ExpandObjectPattern("{AppName}/{StreamName}/{Sequence}.jpg", vars)
//     -> "live/demo/12.jpg"
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace livesnap::snapshot {

inline constexpr std::string_view kDefaultOverwritePattern = "{AppName}/{StreamName}.jpg";
inline constexpr std::string_view kDefaultSequencePattern = "{AppName}/{StreamName}/{Sequence}.jpg";

struct NamingVariables {
  std::string_view domain;
  std::string_view app;
  std::string_view stream;
  int64_t unix_ms = 0;
  int64_t sequence = -1;  // -1: {Sequence} is not available
};

// Fails (InvalidArgument, naming the variable) on an unknown or unclosed
// variable, or {Sequence} without a sequence number.
absl::StatusOr<std::string> ExpandObjectPattern(std::string_view pattern,
                                                const NamingVariables& vars);

bool PatternUsesSequence(std::string_view pattern);

}  // namespace livesnap::snapshot
