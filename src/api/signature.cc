#include "api/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/escaping.h"

namespace livesnap::api {

namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string CanonicalizedQuery(QueryParams params) {
  std::erase_if(params, [](const auto& param) { return param.first == "Signature"; });
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += PercentEncode(name);
    out.push_back('=');
    out += PercentEncode(value);
  }
  return out;
}

std::string StringToSign(std::string_view http_method, std::string_view canonicalized_query,
                         std::string_view path) {
  std::string out(http_method);
  out += "&";
  out += PercentEncode(path);
  out += "&";
  out += PercentEncode(canonicalized_query);
  return out;
}

std::string RpcSignature(std::string_view string_to_sign, std::string_view access_key_secret) {
  const std::string key = std::string(access_key_secret) + "&";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  // HMAC-SHA1 cannot fail for in-memory inputs short of allocation failure,
  // which OpenSSL reports as a null result: an empty signature never matches.
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(),
           digest, &digest_size) == nullptr) {
    return "";
  }
  return absl::Base64Escape(std::string(reinterpret_cast<const char*>(digest), digest_size));
}

bool SignaturesEqual(std::string_view a, std::string_view b) {
  if (a.empty() || a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace livesnap::api
