// File: api/signature.h
//
// The RPC request signature of Alibaba Cloud APIs, signature version 1.0
// (HMAC-SHA1), as ApsaraVideo Live and its SDKs compute it:
//
//   CanonicalizedQuery = the parameters but Signature, sorted by name, each
//                        PercentEncode(name) "=" PercentEncode(value), joined by "&"
//   StringToSign       = METHOD "&" PercentEncode("/") "&" PercentEncode(CanonicalizedQuery)
//                        (livesnap's /snapshots/ images, with auth on: the image's
//                        decoded path in place of "/")
//   Signature          = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))
//
// PercentEncode keeps the RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~)
// and writes every other byte of the UTF-8 text as %XX with uppercase hex, so
// a space is %20 (never +), * is %2A and ~ stays ~.
//
//   std::string to_sign = StringToSign("GET", CanonicalizedQuery(params));
//   std::string signature = RpcSignature(to_sign, secret);
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace livesnap::api {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

std::string PercentEncode(std::string_view text);

// Sorted by name, then by value (a repeated name keeps a defined order).
// A parameter named "Signature" is left out.
std::string CanonicalizedQuery(QueryParams params);

// `path` is "/" for the RPC actions, the image's path for /snapshots/.
std::string StringToSign(std::string_view http_method, std::string_view canonicalized_query,
                         std::string_view path = "/");

// Base64(HMAC-SHA1(access_key_secret + "&", string_to_sign)).
std::string RpcSignature(std::string_view string_to_sign, std::string_view access_key_secret);

// Compares two signatures in time independent of where they differ.
bool SignaturesEqual(std::string_view a, std::string_view b);

}  // namespace livesnap::api
