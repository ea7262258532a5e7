#include "snapshot/push_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>
#include <cstdio>
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

// Constant-time equality of a received hash with the one expected.
bool SameHash(std::string_view expected, std::string_view received) {
  return expected.size() == received.size() &&
         CRYPTO_memcmp(expected.data(), received.data(), received.size()) == 0;
}

template <typename Predicate>
bool AllOf(std::string_view text, Predicate predicate) {
  for (char c : text) {
    if (!predicate(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsLowerHexMd5(std::string_view text) {
  return text.size() == 32 && AllOf(text, [](unsigned char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

// Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr int64_t kUtcPlus8S = 8 * 3600;

// "YYYYMMDDHHMM" in UTC+8 to Unix seconds; -1 when it is no such minute.
int64_t ParseTypeBTimestamp(std::string_view text) {
  if (text.size() != 12 || !AllOf(text, [](unsigned char c) { return absl::ascii_isdigit(c); }))
    return -1;
  auto field = [&](size_t at, size_t size) {
    int64_t value = 0;
    for (char c : text.substr(at, size)) value = value * 10 + (c - '0');
    return value;
  };
  const int64_t year = field(0, 4), month = field(4, 2), day = field(6, 2);
  const int64_t hour = field(8, 2), minute = field(10, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59) return -1;
  const int64_t next_month =
      month == 12 ? DaysFromCivil(year + 1, 1, 1) : DaysFromCivil(year, month + 1, 1);
  const int64_t days = DaysFromCivil(year, month, day);
  if (days >= next_month) return -1;  // the 30th of February
  return days * 86400 + hour * 3600 + minute * 60 - kUtcPlus8S;
}

std::string FormatTypeBTimestamp(int64_t unix_s) {
  const int64_t local = unix_s + kUtcPlus8S;
  const int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const int64_t seconds = local - days * 86400;
  // civil_from_days, the inverse of DaysFromCivil.
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char text[112];  // room for five 64-bit numbers
  std::snprintf(text, sizeof(text), "%04lld%02lld%02lld%02lld%02lld", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day),
                static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60));
  return text;
}

// Hexadecimal Unix seconds (either case) to a number; -1 when not one.
int64_t ParseHexTimestamp(std::string_view text) {
  int64_t value = -1;
  if (text.empty() || text.size() > 15) return -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (error != std::errc() || end != text.data() + text.size()) return -1;
  return value;
}

std::string PathOf(std::string_view app, std::string_view stream) {
  return "/" + std::string(app) + "/" + std::string(stream);
}

PushAuthResult Refuse(PushAuthVerdict verdict, std::string description) {
  return {verdict, std::move(description)};
}

}  // namespace

absl::Status ValidatePushAuthConfig(const PushAuthConfig& config) {
  if (config.auth_type == "no_auth") return absl::OkStatus();
  if (config.auth_type != "type_a" && config.auth_type != "type_b" &&
      config.auth_type != "type_c") {
    return absl::InvalidArgumentError("auth_type \"" + config.auth_type +
                                      "\" is not no_auth, type_a, type_b or type_c");
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

namespace {

PushAuthResult VerifyTypeA(const PushAuthConfig& config, const PushCredentials& push,
                           int64_t now_unix_s) {
  std::string_view auth_key;
  bool found = false;
  for (std::string_view param : Split(push.query, '&')) {
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
  bool matched = false;
  for (const std::string& key : {config.auth_key1, config.auth_key2}) {
    if (key.empty()) continue;
    const std::string expected =
        SignPushTypeA(key, push.app, push.stream, timestamp_s, parts[1], parts[2]);
    matched |= SameHash(std::string_view(expected).substr(expected.rfind('-') + 1), parts[3]);
  }
  if (!matched) {
    return Refuse(PushAuthVerdict::kWrongSignature,
                  "auth_key signature does not match this app and stream");
  }
  return {};
}

// Types B and C: the signature is the first two segments of the URL's path.
PushAuthResult VerifyPathSignature(const PushAuthConfig& config, const PushCredentials& push,
                                   int64_t now_unix_s) {
  const bool type_b = config.auth_type == "type_b";
  const char* const shape = type_b ? "/{timestamp}/{md5hash}/ with timestamp YYYYMMDDHHMM (UTC+8)"
                                   : "/{md5hash}/{timestamp}/ with timestamp in hexadecimal";
  if (push.path_signature.empty()) {
    return Refuse(PushAuthVerdict::kMissing,
                  std::string("signed path missing: the domain requires rtmp://domain") + shape +
                      "AppName/StreamName");
  }
  const size_t slash = push.path_signature.find('/');
  std::string_view timestamp = push.path_signature.substr(0, slash);
  std::string_view hash =
      slash == std::string_view::npos ? std::string_view() : push.path_signature.substr(slash + 1);
  if (!type_b) std::swap(timestamp, hash);
  const int64_t timestamp_s =
      type_b ? ParseTypeBTimestamp(timestamp) : ParseHexTimestamp(timestamp);
  if (timestamp_s < 0 || !IsLowerHexMd5(hash)) {
    return Refuse(PushAuthVerdict::kMalformed,
                  std::string("signed path malformed: expected ") + shape);
  }
  if (now_unix_s > timestamp_s + config.delta_s) {
    return Refuse(PushAuthVerdict::kExpired, "signed path expired at " +
                                                 std::to_string(timestamp_s + config.delta_s) +
                                                 " (now " + std::to_string(now_unix_s) + ")");
  }
  const std::string path = PathOf(push.app, push.stream);
  bool matched = false;  // both keys always tried, as for type A
  for (const std::string& key : {config.auth_key1, config.auth_key2}) {
    if (key.empty()) continue;
    const std::string expected = type_b ? Md5Hex(key + std::string(timestamp) + path)
                                        : Md5Hex(key + path + std::string(timestamp));
    matched |= SameHash(expected, hash);
  }
  if (!matched) {
    return Refuse(PushAuthVerdict::kWrongSignature,
                  "signed path signature does not match this app and stream");
  }
  return {};
}

}  // namespace

PushAuthResult VerifyPush(const PushAuthConfig& config, const PushCredentials& push,
                          int64_t now_unix_s) {
  if (config.auth_type == "type_a") return VerifyTypeA(config, push, now_unix_s);
  if (config.auth_type == "type_b" || config.auth_type == "type_c") {
    return VerifyPathSignature(config, push, now_unix_s);
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

std::string SignPushTypeB(std::string_view key, std::string_view app, std::string_view stream,
                          int64_t timestamp_s) {
  const std::string timestamp = FormatTypeBTimestamp(timestamp_s);
  return timestamp + "/" + Md5Hex(std::string(key) + timestamp + PathOf(app, stream));
}

std::string SignPushTypeC(std::string_view key, std::string_view app, std::string_view stream,
                          int64_t timestamp_s) {
  char timestamp[24];
  std::snprintf(timestamp, sizeof(timestamp), "%llX", static_cast<unsigned long long>(timestamp_s));
  return Md5Hex(std::string(key) + PathOf(app, stream) + timestamp) + "/" + timestamp;
}

}  // namespace livesnap::snapshot
