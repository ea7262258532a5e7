#include "server/latest_image_proxy.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <ctime>
#include <random>

#include "api/signature.h"
#include "base/utc_time.h"

namespace livesnap::server {
namespace {

// "2026-12-05T10:00:00.123Z" -> Unix ms; 0 when it does not parse.
int64_t ParseCaptureTime(const std::string& text) {
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) < 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + millis;
}

int HeaderInt(const httplib::Result& result, const char* name) {
  return std::atoi(result->get_header_value(name).c_str());
}

}  // namespace

std::string LatestImageProxy::SignedQuery(const std::string& path) const {
  if (key_id_.empty()) return "";
  thread_local std::mt19937_64 random{std::random_device{}()};
  api::QueryParams params = {{"AccessKeyId", key_id_},
                             {"SignatureMethod", "HMAC-SHA1"},
                             {"SignatureVersion", "1.0"},
                             {"SignatureNonce", std::to_string(random())},
                             {"Timestamp", FormatIso8601Utc(clock_.UnixMs())}};
  params.emplace_back(
      "Signature",
      api::RpcSignature(api::StringToSign("GET", api::CanonicalizedQuery(params), path),
                        key_secret_));
  std::string query;
  for (const auto& [name, value] : params) {
    query +=
        (query.empty() ? "?" : "&") + api::PercentEncode(name) + "=" + api::PercentEncode(value);
  }
  return query;
}

std::optional<api::LatestImage> LatestImageProxy::Fetch(const media::StreamKey& key) const {
  absl::StatusOr<std::optional<catalog::StreamLease>> lease =
      registry_.FindStream(key.domain, key.app, key.stream, clock_.UnixMs());
  if (!lease.ok() || !lease->has_value() || (*lease)->node_id == node_id_) return std::nullopt;
  absl::StatusOr<std::vector<catalog::Node>> nodes = registry_.ListNodes(clock_.UnixMs());
  if (!nodes.ok()) return std::nullopt;
  std::string address;
  for (const catalog::Node& node : *nodes) {
    if (node.node_id == (*lease)->node_id) address = node.api_address;
  }
  if (address.empty()) return std::nullopt;
  httplib::Client client("http://" + address);
  client.set_connection_timeout(0, kProxyTimeoutMs * 1000);
  client.set_read_timeout(0, kProxyTimeoutMs * 1000);
  const std::string path = "/snapshots/latest/" + httplib::detail::encode_query_param(key.domain) +
                           "/" + httplib::detail::encode_query_param(key.app) + "/" +
                           httplib::detail::encode_query_param(key.stream) + ".jpg";
  httplib::Result result = client.Get(path + SignedQuery("/snapshots/latest/" + key.domain + "/" +
                                                         key.app + "/" + key.stream + ".jpg"));
  if (!result) {
    spdlog::warn("[{}] latest image: node {} at {} did not answer: {}", key.ToString(),
                 (*lease)->node_id, address, httplib::to_string(result.error()));
    return std::nullopt;
  }
  if (result->status != 200) return std::nullopt;
  api::LatestImage image;
  image.jpeg =
      std::make_shared<const std::vector<uint8_t>>(result->body.begin(), result->body.end());
  image.width = HeaderInt(result, "X-Snapshot-Width");
  image.height = HeaderInt(result, "X-Snapshot-Height");
  image.capture_unix_ms = ParseCaptureTime(result->get_header_value("X-Snapshot-Capture-Time"));
  return image;
}

}  // namespace livesnap::server
