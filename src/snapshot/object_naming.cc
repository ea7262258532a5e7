#include "snapshot/object_naming.h"

#include <limits>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/utc_time.h"
#include "storage/object_store.h"

namespace livesnap::snapshot {

namespace {

absl::Status BadPattern(std::string_view pattern, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("object pattern \"", absl::CHexEscape(std::string(pattern.substr(0, 300))),
                   "\" ", std::string(why)));
}

// The variables of `pattern` may only be the known ones, and {UnixTimestamp}
// and {Sequence} only in a sequence pattern, which needs one of them.
absl::Status CheckVariables(std::string_view pattern, PatternKind kind) {
  bool has_sequence_variable = false;
  size_t pos = 0;
  while (pos < pattern.size()) {
    const char c = pattern[pos];
    if (c == '}') return BadPattern(pattern, "has a } without its {");
    if (c != '{') {
      ++pos;
      continue;
    }
    const size_t close = pattern.find('}', pos);
    if (close == std::string_view::npos) return BadPattern(pattern, "has a { without its }");
    const std::string name(pattern.substr(pos + 1, close - pos - 1));
    if (name == "UnixTimestamp" || name == "Sequence") {
      if (kind == PatternKind::kOverwrite) {
        return BadPattern(pattern, absl::StrCat("uses {", name,
                                                "}, which would name a new object every time; "
                                                "overwrite patterns may use {Domain} {AppName} "
                                                "{StreamName} {Date}"));
      }
      has_sequence_variable = true;
    } else if (name != "Domain" && name != "AppName" && name != "StreamName" && name != "Date") {
      return BadPattern(pattern, absl::StrCat("uses the unknown variable {", name,
                                              "}; known: {Domain} {AppName} {StreamName} "
                                              "{UnixTimestamp} {Sequence} {Date}"));
    }
    pos = close + 1;
  }
  if (kind == PatternKind::kSequence && !has_sequence_variable) {
    return BadPattern(pattern, "contains neither {UnixTimestamp} nor {Sequence}");
  }
  return absl::OkStatus();
}

// The expansion with the given names must be a valid object key.
absl::Status CheckExpansion(std::string_view pattern, const NamingVariables& vars,
                            std::string_view which) {
  absl::StatusOr<std::string> key = ExpandObjectPattern(pattern, vars);
  if (!key.ok()) return key.status();
  const absl::Status valid = storage::ValidateObjectKey(*key);
  if (valid.ok()) return valid;
  return BadPattern(pattern, absl::StrCat("cannot name an object (with ", std::string(which),
                                          "): ", std::string(valid.message())));
}

}  // namespace

absl::Status ValidateObjectPattern(std::string_view pattern, PatternKind kind) {
  if (pattern.size() > kMaxObjectPatternBytes) {
    return BadPattern(
        pattern, absl::StrCat("is ", pattern.size(), " bytes, more than ", kMaxObjectPatternBytes));
  }
  if (pattern.size() <= 4 || !pattern.ends_with(".jpg")) {
    return BadPattern(pattern, "does not end in .jpg");
  }
  for (char c : pattern) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\' || u < 0x20 || u == 0x7F) {
      return BadPattern(pattern, "contains \\ or a control character");
    }
  }
  if (absl::Status status = CheckVariables(pattern, kind); !status.ok()) return status;
  // Names are never empty, never "." or "..", and hold no '/' (the API's
  // and the ingest's name rules), so one-letter names show every segment a
  // pattern can produce; the longest names show the longest key.
  NamingVariables shortest;
  shortest.domain = "d";
  shortest.app = "a";
  shortest.stream = "s";
  shortest.unix_ms = 0;
  shortest.sequence = 0;
  if (absl::Status status = CheckExpansion(pattern, shortest, "one-letter names"); !status.ok()) {
    return status;
  }
  const std::string long_domain(253, 'd');
  const std::string long_name(255, 'n');
  NamingVariables longest;
  longest.domain = long_domain;
  longest.app = long_name;
  longest.stream = long_name;
  longest.unix_ms = 99'999'999'999'999;  // 11-digit seconds
  longest.sequence = std::numeric_limits<int64_t>::max();
  return CheckExpansion(pattern, longest, "the longest names");
}

absl::StatusOr<std::string> ExpandObjectPattern(std::string_view pattern,
                                                const NamingVariables& vars) {
  std::string out;
  out.reserve(pattern.size() + 32);
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] != '{') {
      out.push_back(pattern[i++]);
      continue;
    }
    const size_t close = pattern.find('}', i);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError("object pattern \"" + std::string(pattern) +
                                        "\": unclosed '{' at offset " + std::to_string(i));
    }
    const std::string_view name = pattern.substr(i + 1, close - i - 1);
    if (name == "Domain") {
      out += vars.domain;
    } else if (name == "AppName") {
      out += vars.app;
    } else if (name == "StreamName") {
      out += vars.stream;
    } else if (name == "UnixTimestamp") {
      out += std::to_string(vars.unix_ms / 1000);
    } else if (name == "Date") {
      out += FormatUtcDate(vars.unix_ms);
    } else if (name == "Sequence") {
      if (vars.sequence < 0) {
        return absl::InvalidArgumentError("object pattern \"" + std::string(pattern) +
                                          "\": {Sequence} has no sequence number here");
      }
      out += std::to_string(vars.sequence);
    } else {
      return absl::InvalidArgumentError("object pattern \"" + std::string(pattern) +
                                        "\": unknown variable {" + std::string(name) + "}");
    }
    i = close + 1;
  }
  return out;
}

bool PatternUsesSequence(std::string_view pattern) {
  return pattern.find("{Sequence}") != std::string_view::npos;
}

}  // namespace livesnap::snapshot
