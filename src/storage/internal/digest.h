// File: storage/internal/digest.h
//
// The digests S3 requests carry (OpenSSL EVP):
//
//   headers.push_back("Content-MD5: " + Md5Base64(jpeg));
//   headers.push_back("x-amz-content-sha256: " + Sha256Hex(jpeg));
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace livesnap::storage::internal {

// Base64 of the 16-byte MD5 (the Content-MD5 header, RFC 1864).
std::string Md5Base64(std::span<const uint8_t> data);
// Lower-case hex of the MD5 (an S3 ETag of a single-part upload, unquoted).
std::string Md5Hex(std::span<const uint8_t> data);
// Lower-case hex of the SHA-256 (SigV4's payload hash).
std::string Sha256Hex(std::span<const uint8_t> data);

}  // namespace livesnap::storage::internal
