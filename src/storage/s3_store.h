// File: storage/s3_store.h
//
// An ObjectStore over the S3 REST API (AWS S3, Alibaba OSS's S3 endpoint,
// MinIO, Ceph RGW), with libcurl's built-in Signature V4:
//
//   LS_ASSIGN_OR_RETURN(std::unique_ptr<S3Store> store, S3Store::Create(options), "open bucket");
//   LS_RETURN_IF_ERROR(store->Put("live/demo.jpg", jpeg, "image/jpeg"), "store snapshot");
//
// Put is one PutObject with Content-Type, Content-MD5 and the payload's
// SHA-256 (x-amz-content-sha256, signed), so the store rejects a body damaged
// on the way; S3 replaces an object atomically. Get is GetObject; Delete is
// HeadObject then DeleteObject (S3 answers a delete of a missing key with
// success, the contract wants NotFound); List pages through ListObjectsV2
// with continuation tokens, skipping keys ValidateObjectKey refuses.
//
// Errors carry the method, the URL, the HTTP status and the S3 error code and
// message, e.g. "PUT http://.../snaps/a.jpg: HTTP 403 InvalidAccessKeyId: The
// AWS Access Key Id you provided does not exist in our records.". Codes:
// 5xx, 429, S3's RequestTimeout and connection failures are Unavailable and
// no answer within timeout_ms is DeadlineExceeded (both worth retrying; the
// rest of curl's errors as net::CurlErrorCode reads them); 400 InvalidArgument, 401/403
// PermissionDenied, 404 NotFound, other answers FailedPrecondition.
// Redirects are not followed (a wrong region is a configuration error).
//
// Connections are kept alive in a pool of curl handles shared by every
// caller (see internal/curl_handle_pool.h).
//
// Thread-safety: thread-safe; concurrent calls use separate connections.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"
#include "storage/s3_options.h"

namespace livesnap::storage {

namespace internal {
class CurlHandlePool;
class S3Url;
}  // namespace internal

// What HeadObject says about one object.
struct S3ObjectHead {
  int64_t size_bytes = 0;
  std::string content_type;
  std::string etag;  // without quotes; the hex MD5 for a single-part upload
};

class S3Store final : public ObjectStore {
 public:
  // Fills empty credentials and region from the environment (AWS_ACCESS_KEY_ID,
  // AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION)
  // and checks the options; sends nothing. InvalidArgument naming the field
  // for an unusable option or missing credentials.
  static absl::StatusOr<std::unique_ptr<S3Store>> Create(S3Options options);
  ~S3Store() override;

  absl::Status Put(std::string_view key, std::span<const uint8_t> data,
                   std::string_view content_type) override;
  absl::StatusOr<std::vector<uint8_t>> Get(std::string_view key) override;
  absl::Status Delete(std::string_view key) override;
  absl::StatusOr<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  // "s3:http://127.0.0.1:9000/snaps" (path style) or "s3:https://snaps.host".
  std::string Describe() const override;

  // HeadObject: NotFound for a missing key.
  absl::StatusOr<S3ObjectHead> Head(std::string_view key);

 private:
  struct Request;
  struct Response;

  S3Store(S3Options options, std::unique_ptr<internal::S3Url> urls);
  // One HTTP exchange. Any HTTP status comes back as a Response; only a
  // request that got no answer is an error.
  absl::StatusOr<Response> Perform(const Request& request);
  // The Status for an answer that is not 2xx.
  absl::Status ErrorFor(const Request& request, const Response& response) const;

  const S3Options options_;
  const std::unique_ptr<internal::S3Url> urls_;
  const std::unique_ptr<internal::CurlHandlePool> pool_;
  const std::string sigv4_;  // "aws:amz:<region>:s3"
};

}  // namespace livesnap::storage
