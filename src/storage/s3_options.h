// File: storage/s3_options.h
//
// How to reach one bucket of an S3-compatible store (AWS S3, Alibaba OSS's
// S3 endpoint, MinIO, Ceph RGW):
//
//   S3Options options{.endpoint = "https://s3.eu-west-1.amazonaws.com",
//                     .region = "eu-west-1", .bucket = "snapshots"};
//   LS_ASSIGN_OR_RETURN(auto store, S3Store::Create(options), "open snapshot bucket");
//
// Empty credentials and region are taken from the standard environment
// variables when the store is created (see S3Store::Create).
// Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace livesnap::storage {

enum class S3Addressing {
  kPath,           // http://host/bucket/key (MinIO, s3rver, most self-hosted stores)
  kVirtualHosted,  // http://bucket.host/key (AWS S3, Alibaba OSS)
};

struct S3Options {
  // "http[s]://host[:port]", no path.
  std::string endpoint{};
  // The region requests are signed for ("us-east-1"); empty: AWS_REGION,
  // then AWS_DEFAULT_REGION.
  std::string region{};
  std::string bucket{};
  S3Addressing addressing = S3Addressing::kPath;
  // Empty: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).
  std::string access_key_id{};
  std::string secret_access_key{};
  std::string session_token{};  // temporary credentials; sent as x-amz-security-token
  // "host:port:address" entries that bypass DNS (libcurl's CURLOPT_RESOLVE),
  // e.g. "snaps.s3.example.com:443:10.0.0.7".
  std::vector<std::string> resolve{};
  int64_t connect_timeout_ms = 3000;
  int64_t timeout_ms = 30'000;  // a whole request, connecting included
  // Idle connections kept for reuse; more concurrent requests open more.
  size_t max_idle_connections = 8;
  int list_page_size = 1000;  // max-keys per ListObjectsV2 request, 1..1000
  bool verify_tls = true;
  std::string ca_file{};  // a PEM bundle to trust instead of the system's
};

}  // namespace livesnap::storage
