#include "notify/callback_signature.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "net/curl.h"

namespace livesnap::notify {
namespace {

absl::Status InvalidUrl(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid callback URL \"", absl::CHexEscape(std::string(url)), "\": ", std::string(why)));
}

}  // namespace

absl::StatusOr<std::string> CallbackHost(std::string_view url) {
  net::CurlUrl parsed(curl_url());
  if (parsed == nullptr) return absl::ResourceExhaustedError("curl_url: out of memory");
  // curl_url_set needs a NUL-terminated string.
  const std::string text(url);
  if (CURLUcode code = curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0);
      code != CURLUE_OK) {
    return InvalidUrl(url, curl_url_strerror(code));
  }
  char* raw_scheme = nullptr;
  if (CURLUcode code = curl_url_get(parsed.get(), CURLUPART_SCHEME, &raw_scheme, 0);
      code != CURLUE_OK) {
    return InvalidUrl(url, curl_url_strerror(code));
  }
  const net::CurlString scheme(raw_scheme);
  if (!absl::EqualsIgnoreCase(scheme.get(), "http") &&
      !absl::EqualsIgnoreCase(scheme.get(), "https")) {
    return InvalidUrl(url, "scheme is not http or https");
  }
  char* raw_host = nullptr;
  if (CURLUcode code = curl_url_get(parsed.get(), CURLUPART_HOST, &raw_host, 0);
      code != CURLUE_OK) {
    return InvalidUrl(url, curl_url_strerror(code));
  }
  const net::CurlString host(raw_host);
  return std::string(host.get());
}

absl::StatusOr<std::string> CallbackSignature(std::string_view host, int64_t unix_seconds,
                                              std::string_view auth_key) {
  const std::string content =
      absl::StrCat(std::string(host), "|", unix_seconds, "|", std::string(auth_key));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(content.data(), content.size(), digest, &digest_size, EVP_md5(), nullptr) != 1) {
    return absl::InternalError("callback signature: OpenSSL cannot compute MD5");
  }
  return absl::BytesToHexString(std::string(reinterpret_cast<const char*>(digest), digest_size));
}

}  // namespace livesnap::notify
