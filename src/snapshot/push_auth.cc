#include "snapshot/push_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>
#include <vector>

#include "absl/strings/ascii.h"

namespace livesnap::snapshot {

namespace {

constexpr int64_t kMaxDeltaS = 31536000;  // one year

std::string Md5Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // MD5 of an in-memory string fails only when allocation fails.
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_md5(), nullptr) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool ValidKey(std::string_view key) {
  if (key.size() < 6 || key.size() > 32) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool MatchesKey(std::string_view key, std::string_view app, std::string_view stream,
                int64_t timestamp_s, std::string_view rand, std::string_view uid,
                std::string_view hash) {
  if (key.empty()) return false;
  const std::string expected = SignPushTypeA(key, app, stream, timestamp_s, rand, uid);
  const std::string_view expected_hash = std::string_view(expected).substr(expected.rfind('-') + 1);
  return expected_hash.size() == hash.size() &&
         CRYPTO_memcmp(expected_hash.data(), hash.data(), hash.size()) == 0;
}

PushAuthResult Refuse(PushAuthVerdict verdict, std::string description) {
  return {verdict, std::move(description)};
}

}  // namespace

absl::Status ValidatePushAuthConfig(const PushAuthConfig& config) {
  if (config.auth_type == "no_auth") return absl::OkStatus();
  if (config.auth_type != "type_a") {
    return absl::InvalidArgumentError("auth_type \"" + config.auth_type +
                                      "\" is not no_auth or type_a");
  }
  if (!ValidKey(config.auth_key1)) {
    return absl::InvalidArgumentError("auth_key1 must be 6 to 32 letters and digits");
  }
  if (!config.auth_key2.empty() && !ValidKey(config.auth_key2)) {
    return absl::InvalidArgumentError("auth_key2 must be 6 to 32 letters and digits");
  }
  if (config.delta_s < 1 || config.delta_s > kMaxDeltaS) {
    return absl::InvalidArgumentError("ali_auth_delta " + std::to_string(config.delta_s) +
                                      " is not 1..31536000 seconds");
  }
  return absl::OkStatus();
}

std::string_view PushAuthVerdictName(PushAuthVerdict verdict) {
  switch (verdict) {
    case PushAuthVerdict::kAccepted:
      return "accepted";
    case PushAuthVerdict::kMissing:
      return "missing";
    case PushAuthVerdict::kMalformed:
      return "malformed";
    case PushAuthVerdict::kExpired:
      return "expired";
    case PushAuthVerdict::kWrongSignature:
      return "wrong_signature";
  }
  return "unknown";
}

PushAuthResult VerifyPush(const PushAuthConfig& config, std::string_view app,
                          std::string_view stream, std::string_view query, int64_t now_unix_s) {
  if (config.auth_type == "no_auth") return {};
  std::string_view auth_key;
  bool found = false;
  for (std::string_view param : Split(query, '&')) {
    if (param.substr(0, 9) == "auth_key=") {
      auth_key = param.substr(9);
      found = true;
    }
  }
  if (!found) {
    return Refuse(PushAuthVerdict::kMissing, "auth_key missing: the domain requires signed URLs");
  }
  const std::vector<std::string_view> parts = Split(auth_key, '-');
  int64_t timestamp_s = -1;
  if (parts.size() == 4 && !parts[0].empty()) {
    auto [end, error] =
        std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), timestamp_s);
    if (error != std::errc() || end != parts[0].data() + parts[0].size()) timestamp_s = -1;
  }
  if (timestamp_s < 0 || parts[3].size() != 32) {
    return Refuse(PushAuthVerdict::kMalformed,
                  "auth_key malformed: expected {timestamp}-{rand}-{uid}-{md5hash}");
  }
  if (now_unix_s > timestamp_s + config.delta_s) {
    return Refuse(PushAuthVerdict::kExpired, "auth_key expired at " +
                                                 std::to_string(timestamp_s + config.delta_s) +
                                                 " (now " + std::to_string(now_unix_s) + ")");
  }
  // Both keys are always tried, so the time taken says nothing of which one matched.
  const bool primary =
      MatchesKey(config.auth_key1, app, stream, timestamp_s, parts[1], parts[2], parts[3]);
  const bool secondary =
      MatchesKey(config.auth_key2, app, stream, timestamp_s, parts[1], parts[2], parts[3]);
  if (!primary && !secondary) {
    return Refuse(PushAuthVerdict::kWrongSignature,
                  "auth_key signature does not match this app and stream");
  }
  return {};
}

std::string SignPushTypeA(std::string_view key, std::string_view app, std::string_view stream,
                          int64_t timestamp_s, std::string_view rand, std::string_view uid) {
  const std::string prefix =
      std::to_string(timestamp_s) + "-" + std::string(rand) + "-" + std::string(uid);
  const std::string hash = Md5Hex("/" + std::string(app) + "/" + std::string(stream) + "-" +
                                  prefix + "-" + std::string(key));
  return prefix + "-" + hash;
}

}  // namespace livesnap::snapshot
