// File: tests/support/api_client.h
//
// Calls livesnapd's RPC API the way a script would, for tests: unsigned
// (auth off), or signed with an access key (signature version 1.0, computed
// here independently of src/api). Also plain GETs of other paths.
//
//   ApiClient api(server.api_port());
//   auto r = api.Call("DescribeLiveSnapshotConfig", {{"DomainName", "a.com"}});
//   EXPECT_EQ(r.status, 200);
//
//   ApiClient signed_api(port, ApiCredentials{"id", "secret"});
//   auto p = signed_api.Call("AddLiveDomain", {...}, ApiClient::kPost);
//
// Thread-safety: one owner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace livesnap::testing {

struct ApiResponse {
  int status = 0;  // HTTP status; 0 when the request did not complete
  nlohmann::json body;
  std::string raw;
  std::map<std::string, std::string> headers;  // names in lowercase

  std::string Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? "" : it->second;
  }
  // body["Code"], or "" for a success.
  std::string Code() const;
};

struct ApiCredentials {
  std::string access_key_id;
  std::string access_key_secret;
};

// "yyyy-MM-ddTHH:mm:ssZ": an API time in whole seconds, no fraction.
bool IsWholeSecondIso8601(std::string_view text);

// The wall clock in Unix ms, as the API's times count.
int64_t NowUnixMs();

// StartTime and EndTime (ISO 8601) an hour either side of now: a window that
// holds every snapshot record a test makes.
struct TimeWindow {
  std::string start;
  std::string end;
};
TimeWindow HourAroundNow();

class ApiClient {
 public:
  enum Method { kGet, kPost };

  explicit ApiClient(uint16_t port) : port_(port) {}
  ApiClient(uint16_t port, ApiCredentials credentials)
      : port_(port), credentials_(std::move(credentials)) {}

  // The Unix time (ms) Timestamp is taken from; the system clock by default.
  void set_clock(std::function<int64_t()> now_ms) { now_ms_ = std::move(now_ms); }

  // Action, Version=2016-11-01 and Format=JSON plus `params`; with
  // credentials also AccessKeyId, SignatureMethod, SignatureVersion, a fresh
  // SignatureNonce, Timestamp and Signature. A POST sends them as a
  // url-encoded form.
  ApiResponse Call(const std::string& action, const std::map<std::string, std::string>& params,
                   Method method = kGet);
  // Exactly `params` (nothing added, nothing signed), with the header
  // X-Requested-With as a script sends it.
  ApiResponse Send(const std::map<std::string, std::string>& params, Method method = kGet);
  // DescribeLiveStreamSnapshotInfo of one stream over HourAroundNow(), up to
  // 100 records.
  ApiResponse StreamSnapshotInfo(const std::string& domain, const std::string& app,
                                 const std::string& stream);
  // A plain GET of `path`, body returned raw (and parsed when it is JSON).
  ApiResponse Get(const std::string& path);
  // Any method on `path`, without following redirects.
  ApiResponse Request(const std::string& method, const std::string& path);

  // The complete signed parameter set Call would send.
  std::map<std::string, std::string> SignedParams(const std::string& action,
                                                  std::map<std::string, std::string> params,
                                                  Method method) const;

  // Alibaba's signature v1 of `params` (Signature excluded), for tests that
  // build requests by hand; `path` is "/" for the actions, an image's path
  // for livesnapd's /snapshots/ routes.
  static std::string Sign(const std::string& http_method,
                          const std::map<std::string, std::string>& params,
                          const std::string& secret, const std::string& path = "/");
  static std::string PercentEncode(const std::string& text);
  static std::string Iso8601(int64_t unix_ms);

 private:
  uint16_t port_;
  std::optional<ApiCredentials> credentials_;
  std::function<int64_t()> now_ms_;
};

}  // namespace livesnap::testing
