// File: notify/callback_signature.h
//
// How ApsaraVideo Live signs snapshot callbacks when NotifyReqAuth is "yes"
// ("Usage notes for callback authentication" in its developer reference):
// the request carries two headers,
//
//   ALI-LIVE-TIMESTAMP: <Unix time of the request, seconds>
//   ALI-LIVE-SIGNATURE: md5sum("<callback URL host>|<ALI-LIVE-TIMESTAMP>|<NotifyAuthKey>")
//
// where the host is that of the URL being called, without scheme, port or
// path ("https://learn.aliyundoc.com/your/callback" -> "learn.aliyundoc.com"),
// and the MD5 is 32 lowercase hex digits. The receiver recomputes it and may
// also refuse stale timestamps, so each attempt is signed afresh.
//
//   LS_ASSIGN_OR_RETURN(std::string host, CallbackHost(url), "sign callback");
//   LS_ASSIGN_OR_RETURN(std::string signature, CallbackSignature(host, now_s, key), "sign");
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace livesnap::notify {

inline constexpr char kTimestampHeader[] = "ALI-LIVE-TIMESTAMP";
inline constexpr char kSignatureHeader[] = "ALI-LIVE-SIGNATURE";

// The host part of an absolute http(s) URL, as written in it (an IPv6
// literal keeps its brackets). InvalidArgument naming the URL otherwise.
absl::StatusOr<std::string> CallbackHost(std::string_view url);

// The ALI-LIVE-SIGNATURE value. Fails only if this OpenSSL cannot compute
// MD5 (a FIPS-only configuration).
absl::StatusOr<std::string> CallbackSignature(std::string_view host, int64_t unix_seconds,
                                              std::string_view auth_key);

}  // namespace livesnap::notify
