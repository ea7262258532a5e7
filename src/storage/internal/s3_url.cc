#include "storage/internal/s3_url.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace livesnap::storage::internal {
namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

bool IsUnreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~';
}

// A part of a parsed URL, or "" when it is absent.
std::string UrlPart(CURLU* url, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, 0) != CURLUE_OK) return "";
  CurlString text(raw);
  return text == nullptr ? "" : std::string(text.get());
}

bool IsDnsBucketName(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  if (bucket.front() == '.' || bucket.front() == '-' || bucket.back() == '.' ||
      bucket.back() == '-') {
    return false;
  }
  if (bucket.find("..") != std::string_view::npos) return false;
  return std::all_of(bucket.begin(), bucket.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

bool IsPathBucketName(std::string_view bucket) {
  if (bucket.empty() || bucket.size() > 255) return false;
  return std::all_of(bucket.begin(), bucket.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

std::string CanonicalQuery(QueryParams params) {
  for (auto& [name, value] : params) {
    name = UriEncode(name, false);
    value = UriEncode(value, false);
  }
  std::sort(params.begin(), params.end());
  std::string query;
  for (const auto& [name, value] : params) {
    if (!query.empty()) query.push_back('&');
    absl::StrAppend(&query, name, "=", value);
  }
  return query;
}

absl::StatusOr<S3Url> S3Url::Create(std::string_view endpoint, std::string_view bucket,
                                    S3Addressing addressing) {
  const std::string context = absl::StrCat("s3 endpoint \"", std::string(endpoint), "\"");
  CurlUrl url(curl_url());
  if (url == nullptr) return absl::ResourceExhaustedError("curl_url failed");
  if (curl_url_set(url.get(), CURLUPART_URL, std::string(endpoint).c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": not a URL"));
  }
  const std::string scheme = absl::AsciiStrToLower(UrlPart(url.get(), CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(absl::StrCat(context, ": scheme must be http or https"));
  }
  const std::string path = UrlPart(url.get(), CURLUPART_PATH);
  if ((!path.empty() && path != "/") || !UrlPart(url.get(), CURLUPART_QUERY).empty() ||
      !UrlPart(url.get(), CURLUPART_FRAGMENT).empty() ||
      !UrlPart(url.get(), CURLUPART_USER).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": only scheme, host and port are allowed"));
  }
  const std::string host = absl::AsciiStrToLower(UrlPart(url.get(), CURLUPART_HOST));
  if (host.empty()) return absl::InvalidArgumentError(absl::StrCat(context, ": no host"));
  const std::string port_text = UrlPart(url.get(), CURLUPART_PORT);
  int port = scheme == "https" ? 443 : 80;
  if (!port_text.empty() && !absl::SimpleAtoi(port_text, &port)) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": bad port ", port_text));
  }

  S3Url result;
  result.port_ = port;
  const std::string authority_suffix = port_text.empty() ? "" : absl::StrCat(":", port_text);
  if (addressing == S3Addressing::kVirtualHosted) {
    if (!IsDnsBucketName(bucket)) {
      return absl::InvalidArgumentError(
          absl::StrCat("s3 bucket \"", std::string(bucket),
                       "\" cannot be virtual-hosted: 3..63 of a-z 0-9 . - needed"));
    }
    if (host.front() == '[') {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": virtual-hosted addressing needs a host name, not an address"));
    }
    result.host_ = absl::StrCat(std::string(bucket), ".", host);
  } else {
    if (!IsPathBucketName(bucket)) {
      return absl::InvalidArgumentError(absl::StrCat("s3 bucket \"", std::string(bucket),
                                                     "\": 1..255 of A-Z a-z 0-9 . - _ needed"));
    }
    result.host_ = host;
    result.bucket_path_ = absl::StrCat("/", std::string(bucket));
  }
  result.origin_ = absl::StrCat(scheme, "://", result.host_, authority_suffix);
  return result;
}

std::string S3Url::Object(std::string_view key) const {
  return absl::StrCat(origin_, bucket_path_, "/", UriEncode(key, true));
}

std::string S3Url::Bucket(QueryParams query) const {
  std::string url = absl::StrCat(origin_, bucket_path_.empty() ? "/" : bucket_path_);
  if (!query.empty()) absl::StrAppend(&url, "?", CanonicalQuery(std::move(query)));
  return url;
}

}  // namespace livesnap::storage::internal
