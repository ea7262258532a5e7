// URL signing of pushes, as ApsaraVideo Live signs them (the domain function
// "aliauth"). Type A: the stream's query string carries
//   auth_key={timestamp}-{rand}-{uid}-{md5hash}
// with md5hash = md5("/{AppName}/{StreamName}-{timestamp}-{rand}-{uid}-{key}")
// in lowercase hex; the URL is valid until timestamp + delta_s. The primary
// and the secondary key are both accepted, so keys rotate without a cut.
//
// The verifier is pure (no I/O, no clock of its own): the caller passes the
// time. A refusal's description says what is wrong and never the expected
// hash; the keys appear in no result. Hashes are compared in constant time.
//
// Thread-safety: every function is reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace livesnap::snapshot {

// One domain's signing settings, named as aliauth's FunctionArgs name them.
struct PushAuthConfig {
  std::string auth_type = "no_auth";  // "no_auth" or "type_a"
  std::string auth_key1;              // primary key
  std::string auth_key2;              // secondary key, "" for none
  int64_t delta_s = 1800;             // ali_auth_delta: validity after timestamp
};

// Checks a configuration (auth_type known, a primary key when signing is on,
// keys 6..32 letters and digits as the cloud service takes them, delta_s in
// 1..31536000).
absl::Status ValidatePushAuthConfig(const PushAuthConfig& config);

enum class PushAuthVerdict { kAccepted, kMissing, kMalformed, kExpired, kWrongSignature };

// "accepted", "missing", "malformed", "expired", "wrong_signature".
std::string_view PushAuthVerdictName(PushAuthVerdict verdict);

struct PushAuthResult {
  PushAuthVerdict verdict = PushAuthVerdict::kAccepted;
  std::string description;  // for the publisher and the log; empty when accepted
};

// Verifies the auth_key of `query` (the stream name's query string, without
// '?') for the push of app/stream at now_unix_s.
PushAuthResult VerifyPush(const PushAuthConfig& config, std::string_view app,
                          std::string_view stream, std::string_view query, int64_t now_unix_s);

// The auth_key value that signs a push of app/stream with `key` (type A).
std::string SignPushTypeA(std::string_view key, std::string_view app, std::string_view stream,
                          int64_t timestamp_s, std::string_view rand, std::string_view uid);

}  // namespace livesnap::snapshot
