#include "storage/store_failure.h"

#include <errno.h>

#include <charconv>
#include <string>

#include "absl/strings/cord.h"

namespace livesnap::storage {

namespace {
constexpr char kErrnoPayload[] = "type.livesnap/errno";
}  // namespace

absl::Status WithErrno(absl::Status status, int error_number) {
  if (!status.ok()) status.SetPayload(kErrnoPayload, absl::Cord(std::to_string(error_number)));
  return status;
}

std::optional<int> ErrnoOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kErrnoPayload);  // absl::optional on Debian
  if (!payload) return std::nullopt;
  const std::string text(*payload);
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view StoreFailureReason(const absl::Status& status) {
  if (status.ok()) return "";
  if (const std::optional<int> error_number = ErrnoOf(status);
      error_number && (*error_number == ENOSPC || *error_number == EDQUOT)) {
    return "no_space";
  }
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return "timeout";
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return "denied";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    default:
      return "refused";
  }
}

}  // namespace livesnap::storage
