#include "srt/stream_id.h"

#include <string>

#include "base/status.h"

namespace livesnap::srt {
namespace {

constexpr std::string_view kAccessControlPrefix = "#!::";

}  // namespace

absl::StatusOr<ingest::PublishTarget> ParseStreamId(std::string_view stream_id,
                                                    std::string_view default_domain) {
  if (stream_id.empty()) return absl::InvalidArgumentError("empty stream id");
  std::string domain(default_domain);
  std::string_view resource = stream_id;
  if (stream_id.starts_with(kAccessControlPrefix)) {
    resource = {};
    std::string_view rest = stream_id.substr(kAccessControlPrefix.size());
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view pair = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        return absl::InvalidArgumentError("stream id entry \"" + std::string(pair.substr(0, 64)) +
                                          "\" is not key=value");
      }
      const std::string_view key = pair.substr(0, eq), value = pair.substr(eq + 1);
      if (key == "h") {
        domain = std::string(value);
      } else if (key == "r") {
        resource = value;
      } else if (key == "m" && value != "publish") {
        return absl::InvalidArgumentError("stream id mode \"" + std::string(value.substr(0, 32)) +
                                          "\": only publish is served");
      }
    }
  }
  const std::string_view path = resource.substr(0, resource.find('?'));
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) {
    return absl::InvalidArgumentError(
        "stream id resource \"" + std::string(resource.substr(0, 64)) + "\" is not <app>/<stream>");
  }
  if (domain.empty()) {
    return absl::InvalidArgumentError(
        "stream id names no domain (h=) and the listener has no default domain");
  }
  if (domain.find_first_of("/?@:[]") != std::string::npos) {
    return absl::InvalidArgumentError("stream id domain \"" + domain.substr(0, 64) +
                                      "\" is not a host name");
  }
  const std::string_view app = resource.substr(0, slash);
  const std::string_view stream = resource.substr(slash + 1);
  return ingest::ResolvePublishTarget("srt://" + domain + "/" + std::string(app), app, stream);
}

}  // namespace livesnap::srt
