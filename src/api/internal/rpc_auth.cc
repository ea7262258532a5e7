#include "api/internal/rpc_auth.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/internal/validation.h"
#include "api/signature.h"

namespace livesnap::api::internal {

bool NonceCache::Insert(const std::string& nonce, int64_t now_ms, int64_t expires_ms) {
  std::lock_guard lock(mu_);
  while (!expiry_.empty() && expiry_.top().first <= now_ms) {
    held_.erase(expiry_.top().second);
    expiry_.pop();
  }
  if (!held_.insert(nonce).second) return false;
  expiry_.emplace(expires_ms, nonce);
  return true;
}

size_t NonceCache::size() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

std::optional<ApiError> RpcAuthenticator::Verify(std::string_view http_method,
                                                 const RequestParams& params,
                                                 std::string_view path) {
  const auto key_id = params.Get("AccessKeyId");
  if (!key_id) return Fail(codes::kMissingAccessKeyId);
  const auto signature = params.Get("Signature");
  if (!signature) return Fail(codes::kMissingSignature);
  const auto nonce = params.Get("SignatureNonce");
  if (!nonce) return Fail(codes::kMissingSignatureNonce);
  const auto timestamp = params.Get("Timestamp");
  if (!timestamp) return Fail(codes::kMissingTimestamp);
  if (auto method = params.Get("SignatureMethod"); method && *method != "HMAC-SHA1") {
    return Fail(codes::kInvalidSignatureMethod,
                absl::StrCat("SignatureMethod \"", absl::CHexEscape(std::string(*method)),
                             "\" is not HMAC-SHA1"));
  }
  if (auto version = params.Get("SignatureVersion"); version && *version != "1.0") {
    return Fail(codes::kInvalidSignatureVersion,
                absl::StrCat("SignatureVersion \"", absl::CHexEscape(std::string(*version)),
                             "\" is not 1.0"));
  }

  const auto secret = access_keys_.find(std::string(*key_id));
  if (secret == access_keys_.end()) {
    return Fail(codes::kInvalidAccessKeyIdNotFound,
                absl::StrCat("Specified access key is not found: \"",
                             absl::CHexEscape(std::string(*key_id)), "\""));
  }

  const std::optional<int64_t> timestamp_ms = ParseIso8601Utc(*timestamp);
  if (!timestamp_ms) {
    return Fail(codes::kInvalidTimeStampFormat,
                absl::StrCat("Timestamp \"", absl::CHexEscape(std::string(*timestamp)),
                             "\" is not yyyy-MM-ddTHH:mm:ssZ (UTC)"));
  }
  const int64_t now_ms = clock_.UnixMs();
  if (*timestamp_ms < now_ms - kTimestampToleranceMs ||
      *timestamp_ms > now_ms + kTimestampToleranceMs) {
    return Fail(codes::kInvalidTimeStampExpired,
                absl::StrCat("Specified time stamp or date value is expired: Timestamp ",
                             std::string(*timestamp), " is more than 15 minutes from now (",
                             FormatIso8601Utc(now_ms), ")"));
  }

  const std::string expected = RpcSignature(
      StringToSign(http_method, CanonicalizedQuery(params.all()), path), secret->second);
  if (!SignaturesEqual(*signature, expected)) {
    return Fail(codes::kSignatureDoesNotMatch,
                "Specified signature is not matched with our calculation: check the "
                "AccessKeySecret and the string to sign (METHOD&%2F&percent-encoded sorted "
                "parameters).");
  }

  // Held until the Timestamp itself could no longer pass.
  const int64_t expires_ms = std::max(now_ms, *timestamp_ms) + kTimestampToleranceMs;
  if (!nonces_.Insert(absl::StrCat(std::string(*key_id), "\n", std::string(*nonce)), now_ms,
                      expires_ms)) {
    return Fail(codes::kSignatureNonceUsed,
                absl::StrCat("Specified signature nonce was used already: \"",
                             absl::CHexEscape(std::string(*nonce)), "\""));
  }
  return std::nullopt;
}

}  // namespace livesnap::api::internal
