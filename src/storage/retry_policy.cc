#include "storage/retry_policy.h"

namespace livesnap::storage {

bool IsRetryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

}  // namespace livesnap::storage
