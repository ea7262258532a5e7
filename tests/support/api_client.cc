#include "tests/support/api_client.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <random>

#include "base/utc_time.h"

namespace livesnap::testing {

namespace {

std::string Base64(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(written);
  return out;
}

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

ApiResponse ToResponse(const httplib::Result& result) {
  ApiResponse response;
  if (!result) return response;
  response.status = result->status;
  response.raw = result->body;
  for (const auto& [name, value] : result->headers) response.headers[Lowercase(name)] = value;
  response.body = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  return response;
}

std::string FormEncode(const std::map<std::string, std::string>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += "&";
    out += ApiClient::PercentEncode(name) + "=" + ApiClient::PercentEncode(value);
  }
  return out;
}

}  // namespace

std::string ApiResponse::Code() const {
  if (!body.is_object() || !body.contains("Code")) return "";
  return body["Code"].get<std::string>();
}

std::string ApiClient::PercentEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TimeWindow HourAroundNow() {
  constexpr int64_t kHourMs = 3'600'000;
  const int64_t now_ms = NowUnixMs();
  return {ApiClient::Iso8601(now_ms - kHourMs), ApiClient::Iso8601(now_ms + kHourMs)};
}

std::string ApiClient::Iso8601(int64_t unix_ms) { return FormatIso8601Utc(unix_ms); }

bool IsWholeSecondIso8601(std::string_view text) {
  static constexpr char kShape[] = "dddd-dd-ddTdd:dd:ddZ";
  if (text.size() != sizeof(kShape) - 1) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return false;
  }
  return true;
}

std::string ApiClient::Sign(const std::string& http_method,
                            const std::map<std::string, std::string>& params,
                            const std::string& secret, const std::string& path) {
  // std::map is sorted by name already.
  std::string canonical;
  for (const auto& [name, value] : params) {
    if (name == "Signature") continue;
    if (!canonical.empty()) canonical += "&";
    canonical += PercentEncode(name) + "=" + PercentEncode(value);
  }
  const std::string to_sign =
      http_method + "&" + PercentEncode(path) + "&" + PercentEncode(canonical);
  const std::string key = secret + "&";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), digest, &size);
  return Base64(digest, size);
}

std::map<std::string, std::string> ApiClient::SignedParams(
    const std::string& action, std::map<std::string, std::string> params, Method method) const {
  params.emplace("Action", action);
  params.emplace("Version", "2016-11-01");
  params.emplace("Format", "JSON");
  if (!credentials_) return params;
  thread_local std::mt19937_64 random{std::random_device{}()};
  const int64_t now_ms = now_ms_ ? now_ms_() : NowUnixMs();
  params.emplace("AccessKeyId", credentials_->access_key_id);
  params.emplace("SignatureMethod", "HMAC-SHA1");
  params.emplace("SignatureVersion", "1.0");
  params.emplace("SignatureNonce", std::to_string(random()));
  params.emplace("Timestamp", Iso8601(now_ms));
  params["Signature"] =
      Sign(method == kPost ? "POST" : "GET", params, credentials_->access_key_secret);
  return params;
}

ApiResponse ApiClient::Call(const std::string& action,
                            const std::map<std::string, std::string>& params, Method method) {
  return Send(SignedParams(action, params, method), method);
}

ApiResponse ApiClient::Send(const std::map<std::string, std::string>& params, Method method) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  // What a script sends to an API without auth so that a change by GET is
  // taken (a web page of another origin cannot send this header).
  const httplib::Headers headers = {{"X-Requested-With", "livesnap-tests"}};
  if (method == kGet) return ToResponse(client.Get("/?" + FormEncode(params), headers));
  return ToResponse(
      client.Post("/", headers, FormEncode(params), "application/x-www-form-urlencoded"));
}

ApiResponse ApiClient::StreamSnapshotInfo(const std::string& domain, const std::string& app,
                                          const std::string& stream) {
  const TimeWindow window = HourAroundNow();
  return Call("DescribeLiveStreamSnapshotInfo", {{"DomainName", domain},
                                                 {"AppName", app},
                                                 {"StreamName", stream},
                                                 {"StartTime", window.start},
                                                 {"EndTime", window.end},
                                                 {"Limit", "100"}});
}

ApiResponse ApiClient::Get(const std::string& path) { return Request("GET", path); }

ApiResponse ApiClient::Request(const std::string& method, const std::string& path) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  client.set_follow_location(false);
  httplib::Request request;
  request.method = method;
  request.path = path;
  return ToResponse(client.send(request));
}

}  // namespace livesnap::testing
