#include "media/stream.h"

namespace livesnap::media {

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kUnpublished:
      return "unpublished";
    case StopReason::kDisconnected:
      return "disconnected";
    case StopReason::kProtocolError:
      return "protocol_error";
    case StopReason::kIdleTimeout:
      return "idle_timeout";
    case StopReason::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

}  // namespace livesnap::media
