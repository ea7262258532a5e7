#include "base/status.h"

#include <string>

namespace livesnap {

absl::Status Annotate(const absl::Status& status, std::string_view context) {
  if (status.ok() || context.empty()) return status;
  std::string message(context);
  message += ": ";
  message += std::string(status.message());  // Debian's absl has its own string_view
  return absl::Status(status.code(), message);
}

}  // namespace livesnap
