// File: api/internal/rpc_auth.h
//
// Checks the signature (version 1.0, HMAC-SHA1; api/signature.h) of an RPC
// request against the configured access keys, in the reference's order:
// the common parameters present and well formed, the AccessKeyId known, the
// Timestamp within 15 minutes of now, the Signature right, and only then
// the SignatureNonce unused. A nonce is remembered per AccessKeyId until its
// request's Timestamp could no longer pass (at least 15 minutes), so a
// replay is refused for as long as it could otherwise succeed, and a request
// with a bad signature never uses up a nonce.
//
//   RpcAuthenticator auth(options.access_keys, clock);
//   if (auto error = auth.Verify("GET", params)) return *error;
//
// Thread-safety: Verify may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/internal/api_error.h"
#include "api/internal/request_params.h"
#include "base/clock.h"

namespace livesnap::api::internal {

inline constexpr int64_t kTimestampToleranceMs = 15 * 60 * 1000;

// Nonces seen, each until its expiry. Thread-safe.
class NonceCache {
 public:
  // False if `nonce` is held already; otherwise holds it until `expires_ms`.
  // Entries whose expiry is at or before `now_ms` are dropped first.
  bool Insert(const std::string& nonce, int64_t now_ms, int64_t expires_ms);
  size_t size() const;

 private:
  using Entry = std::pair<int64_t, std::string>;  // expiry, nonce
  mutable std::mutex mu_;
  std::set<std::string> held_;                                                  // guarded by mu_
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> expiry_;  // guarded by mu_
};

class RpcAuthenticator {
 public:
  // `access_keys`: AccessKeyId -> AccessKeySecret.
  RpcAuthenticator(std::map<std::string, std::string> access_keys, const Clock& clock)
      : access_keys_(std::move(access_keys)), clock_(clock) {}

  // nullopt when the request is authentic (its nonce is then used up).
  // `path` is the one signed: "/" for the actions, an image's path.
  std::optional<ApiError> Verify(std::string_view http_method, const RequestParams& params,
                                 std::string_view path = "/");

 private:
  const std::map<std::string, std::string> access_keys_;
  const Clock& clock_;
  NonceCache nonces_;
};

}  // namespace livesnap::api::internal
