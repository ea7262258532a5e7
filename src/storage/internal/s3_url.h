// File: storage/internal/s3_url.h
//
// Where an S3 request goes, spelled the way Signature V4 signs it. libcurl
// (7.88) signs the path and query exactly as it sends them, so they must
// already be canonical: every byte outside A-Z a-z 0-9 - _ . ~ percent-encoded
// (upper-case hex; '/' kept in the path), query parameters sorted by name.
//
//   LS_ASSIGN_OR_RETURN(S3Url urls, S3Url::Create(endpoint, "snaps", S3Addressing::kPath), "s3");
//   urls.Object("live/demo 1.jpg")  -> "http://127.0.0.1:9000/snaps/live/demo%201.jpg"
//   urls.Bucket({{"prefix", "live/"}, {"list-type", "2"}})
//                                   -> "http://127.0.0.1:9000/snaps?list-type=2&prefix=live%2F"
//
// Thread-safety: immutable after Create.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/s3_options.h"

namespace livesnap::storage::internal {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// SigV4's URI encoding (RFC 3986 unreserved characters kept).
std::string UriEncode(std::string_view text, bool keep_slash);
// "a=1&b=x%2Fy": names and values encoded, sorted by name then value.
std::string CanonicalQuery(QueryParams params);

class S3Url {
 public:
  // `endpoint` is "http[s]://host[:port]" with no path, query or user info.
  // InvalidArgument naming the value when it is not, or when `bucket` cannot
  // be a bucket name (virtual-hosted addressing puts it in a host name, so it
  // must then be a DNS label sequence: lower case, digits, '.' and '-').
  static absl::StatusOr<S3Url> Create(std::string_view endpoint, std::string_view bucket,
                                      S3Addressing addressing);

  std::string Object(std::string_view key) const;
  std::string Bucket(QueryParams query) const;
  // The host requests go to ("snaps.s3.example.com" when virtual-hosted).
  const std::string& host() const { return host_; }
  // The port of the endpoint: explicit, or 80/443 from the scheme.
  int port() const { return port_; }

 private:
  S3Url() = default;

  std::string origin_;       // "http://host:port", the bucket's host when virtual-hosted
  std::string bucket_path_;  // "/bucket" (path style) or "" (virtual-hosted)
  std::string host_;
  int port_ = 0;
};

}  // namespace livesnap::storage::internal
