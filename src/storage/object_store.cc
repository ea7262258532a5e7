#include "storage/object_store.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace livesnap::storage {
namespace {

// Keys are shown escaped (a NUL or a control byte stays visible) and cut
// short, so one bad key cannot flood a log line.
std::string Printable(std::string_view key) {
  constexpr size_t kShownBytes = 128;
  std::string shown = absl::CHexEscape(std::string(key.substr(0, kShownBytes)));
  if (key.size() > kShownBytes) absl::StrAppend(&shown, "...");
  return shown;
}

absl::Status InvalidKey(std::string_view key, std::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid object key \"", Printable(key), "\": ", std::string(rule)));
}

}  // namespace

absl::Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) return InvalidKey(key, "empty");
  if (key.size() > kMaxObjectKeyBytes) {
    return InvalidKey(key, absl::StrCat(key.size(), " bytes, more than ", kMaxObjectKeyBytes));
  }
  if (key.front() == '/') return InvalidKey(key, "starts with '/'");
  if (key.find('\\') != std::string_view::npos) return InvalidKey(key, "contains a backslash");
  if (key.find('\0') != std::string_view::npos) return InvalidKey(key, "contains a NUL byte");
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    const std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty()) return InvalidKey(key, "has an empty segment");
    if (segment == "..") return InvalidKey(key, "has a \"..\" segment");
    if (segment == ".") return InvalidKey(key, "has a \".\" segment");
    if (slash == std::string_view::npos) return absl::OkStatus();
    start = slash + 1;
  }
}

absl::Status ValidateObjectKeyPrefix(std::string_view prefix) {
  if (prefix.empty()) return absl::OkStatus();
  std::string_view key = prefix;
  if (key.size() > 1 && key.back() == '/') key.remove_suffix(1);
  if (absl::Status status = ValidateObjectKey(key); !status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid object key prefix: ", std::string(status.message())));
  }
  return absl::OkStatus();
}

}  // namespace livesnap::storage
