#include "snapshot/internal/snapshot_note.h"

#include <nlohmann/json.hpp>

namespace livesnap::snapshot::internal {

namespace {

constexpr int kVersion = 1;

}  // namespace

std::string EncodeSnapshotNote(const SnapshotNote& note) {
  const catalog::SnapshotRecord& r = note.record;
  nlohmann::json json = {
      {"version", kVersion},    {"domain", r.domain},
      {"app", r.app},           {"stream", r.stream},
      {"endpoint", r.endpoint}, {"bucket", r.bucket},
      {"object", r.object_key}, {"overlay", r.overlay},
      {"sequence", r.sequence}, {"capture_ms", r.capture_ms},
      {"size", r.size_bytes},   {"width", r.width},
      {"height", r.height},     {"callback", note.callback_url},
  };
  if (!note.callback_auth_key.empty()) json["callback_auth_key"] = note.callback_auth_key;
  if (note.notify) {
    json["notify"] = {{"url", note.notify->notify_url},
                      {"req_auth", note.notify->req_auth},
                      {"auth_key", note.notify->auth_key}};
  }
  return json.dump();
}

absl::StatusOr<SnapshotNote> DecodeSnapshotNote(std::string_view text) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return absl::DataLossError("snapshot note is not a JSON object");
  if (json.value("version", 0) != kVersion) {
    return absl::DataLossError("snapshot note version " +
                               json.value("version", nlohmann::json()).dump() + " is not " +
                               std::to_string(kVersion));
  }
  try {
    SnapshotNote note;
    catalog::SnapshotRecord& r = note.record;
    r.domain = json.at("domain").get<std::string>();
    r.app = json.at("app").get<std::string>();
    r.stream = json.at("stream").get<std::string>();
    r.endpoint = json.at("endpoint").get<std::string>();
    r.bucket = json.at("bucket").get<std::string>();
    r.object_key = json.at("object").get<std::string>();
    r.overlay = json.at("overlay").get<bool>();
    r.sequence = json.at("sequence").get<int64_t>();
    r.capture_ms = json.at("capture_ms").get<int64_t>();
    r.size_bytes = json.at("size").get<int64_t>();
    r.width = json.at("width").get<int>();
    r.height = json.at("height").get<int>();
    note.callback_url = json.at("callback").get<std::string>();
    note.callback_auth_key = json.value("callback_auth_key", std::string());
    if (json.contains("notify")) {
      const nlohmann::json& notify = json.at("notify");
      note.notify = catalog::NotifyConfig{.domain = r.domain,
                                          .notify_url = notify.at("url").get<std::string>(),
                                          .req_auth = notify.at("req_auth").get<bool>(),
                                          .auth_key = notify.at("auth_key").get<std::string>()};
    }
    return note;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("snapshot note: ") + e.what());
  }
}

}  // namespace livesnap::snapshot::internal
