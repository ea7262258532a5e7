// URL signing of pushes, as ApsaraVideo Live signs them (the domain function
// "aliauth"). Type A: the stream's query string carries
//   auth_key={timestamp}-{rand}-{uid}-{md5hash}
// with md5hash = md5("/{AppName}/{StreamName}-{timestamp}-{rand}-{uid}-{key}")
// in lowercase hex; the URL is valid until timestamp + delta_s. The primary
// and the secondary key are both accepted, so keys rotate without a cut.
//
// Types B and C sign the path, as Alibaba's CDN does, with the signature as
// the first two segments of the push URL's path, before the AppName
// (ingest/publish_target.h takes them off into `path_signature`):
//   type B  rtmp://domain/{timestamp}/{md5hash}/{AppName}/{StreamName}
//           timestamp = YYYYMMDDHHMM in UTC+8,
//           md5hash = md5("{key}{timestamp}/{AppName}/{StreamName}")
//   type C  rtmp://domain/{md5hash}/{timestamp}/{AppName}/{StreamName}
//           timestamp = Unix seconds in hexadecimal,
//           md5hash = md5("{key}/{AppName}/{StreamName}{timestamp}")
// Both are valid until timestamp + delta_s, with either key, like type A.
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
  std::string auth_type = "no_auth";  // "no_auth", "type_a", "type_b" or "type_c"
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

// What a push offers to be checked: the names it publishes, the stream
// name's query string (without '?', type A's auth_key) and the two path
// segments that sign it ("" or "{a}/{b}", types B and C).
struct PushCredentials {
  std::string_view app;
  std::string_view stream;
  std::string_view query;
  std::string_view path_signature;
};

// Verifies the push of push.app/push.stream at now_unix_s.
PushAuthResult VerifyPush(const PushAuthConfig& config, const PushCredentials& push,
                          int64_t now_unix_s);

// The auth_key value that signs a push of app/stream with `key` (type A).
std::string SignPushTypeA(std::string_view key, std::string_view app, std::string_view stream,
                          int64_t timestamp_s, std::string_view rand, std::string_view uid);

// The path signature "{YYYYMMDDHHMM}/{md5hash}" that signs a push of
// app/stream with `key` (type B); the timestamp is cut to the minute.
std::string SignPushTypeB(std::string_view key, std::string_view app, std::string_view stream,
                          int64_t timestamp_s);

// The path signature "{md5hash}/{HEXTIMESTAMP}" that signs a push of
// app/stream with `key` (type C).
std::string SignPushTypeC(std::string_view key, std::string_view app, std::string_view stream,
                          int64_t timestamp_s);

}  // namespace livesnap::snapshot
