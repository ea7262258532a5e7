#include "base/status.h"

#include <string>

namespace livesnap {

absl::Status Annotate(const absl::Status& status, std::string_view context) {
  if (status.ok() || context.empty()) return status;
  std::string message(context);
  message += ": ";
  message += status.message();
  return absl::Status(status.code(), message);
}

}  // namespace livesnap
