#include "snapshot/object_naming.h"

#include <ctime>

namespace livesnap::snapshot {

namespace {

std::string UtcDate(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[16];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d", &tm);
  return buffer;
}

}  // namespace

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
      out += UtcDate(vars.unix_ms);
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
