// File: storage/internal/s3_xml.h
//
// The two XML documents an S3 client reads (expat, no DTD or entities
// beyond XML's own): a ListObjectsV2 result page and an error body.
//
//   LS_ASSIGN_OR_RETURN(ListPage page, ParseListObjectsV2(body), "list page");
//   if (page.truncated) query.emplace_back("continuation-token", page.next_token);
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/object_store.h"

namespace livesnap::storage::internal {

struct ListPage {
  std::vector<ObjectInfo> objects;  // in the order of the document
  bool truncated = false;
  std::string next_token;  // NextContinuationToken, when truncated
};

// InvalidArgument (naming what is wrong) for a document that is not
// well-formed, is not a ListBucketResult, or has a Contents entry without a
// key or with a size or date that does not parse.
absl::StatusOr<ListPage> ParseListObjectsV2(std::string_view xml);

struct S3ErrorBody {
  std::string code;  // "NoSuchKey", "InvalidAccessKeyId", ...
  std::string message;
  std::string request_id;
  std::string endpoint;  // where a PermanentRedirect says the bucket is
};

// InvalidArgument for a document that is not well-formed or not an <Error>.
absl::StatusOr<S3ErrorBody> ParseS3Error(std::string_view xml);

// "2009-10-12T17:50:30.000Z" -> Unix milliseconds; InvalidArgument otherwise.
absl::StatusOr<int64_t> ParseIso8601Ms(std::string_view text);

}  // namespace livesnap::storage::internal
