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

// Longest pattern accepted, in bytes (the reference's "< 256 bytes").
inline constexpr size_t kMaxObjectPatternBytes = 255;

enum class PatternKind { kOverwrite, kSequence };

// OK if `pattern` can name objects: it ends in .jpg, is at most
// kMaxObjectPatternBytes, uses only known variables ({UnixTimestamp} and
// {Sequence} only in a sequence pattern, which needs one of them), and its
// expansion with the worst-case values of the variables (the shortest and the
// longest names a stream can have) is a valid object key by
// storage::ValidateObjectKey: no "." or ".." segment, no empty segment, no
// leading '/', within the key length limit. Otherwise InvalidArgument saying
// which rule the pattern breaks. The API and the config file both check
// templates with this.
absl::Status ValidateObjectPattern(std::string_view pattern, PatternKind kind);

}  // namespace livesnap::snapshot
