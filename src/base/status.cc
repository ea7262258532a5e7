#include "base/status.h"

#include <string>

#include "absl/strings/cord.h"

namespace livesnap {

absl::Status Annotate(const absl::Status& status, std::string_view context) {
  if (status.ok() || context.empty()) return status;
  std::string message(context);
  message += ": ";
  message += std::string(status.message());  // Debian's absl has its own string_view
  absl::Status annotated(status.code(), message);
  // Payloads carry what callers classify failures by (storage's errno).
  status.ForEachPayload([&annotated](absl::string_view type_url, const absl::Cord& payload) {
    annotated.SetPayload(type_url, payload);
  });
  return annotated;
}

}  // namespace livesnap
