#include "absl/strings/str_cat.h"
#include "api/internal/routes.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {

Outcome HandleLatest(const RouteContext& context, const HttpRequest& request,
                     HttpResponse& response) {
  Outcome outcome{"http:snapshots_latest"};
  media::StreamKey key{request.matches[1], request.matches[2], request.matches[3]};
  std::optional<ApiError> invalid = CheckDomainName(key.domain);
  if (!invalid)
    invalid = key.app == "*" ? Fail(codes::kInvalidAppNameMalformed, "AppName * names no stream")
                             : CheckAppName(key.app);
  if (!invalid) invalid = CheckStreamName(key.stream);
  if (invalid) {
    outcome.code =
        SendError(context, request, response, Fail(codes::kInvalidPathMalformed, invalid->message));
    return outcome;
  }
  std::optional<LatestImage> image;
  if (context.sources.latest_image) image = context.sources.latest_image(key);
  if (!image || image->jpeg == nullptr || image->jpeg->empty()) {
    outcome.code = SendError(context, request, response,
                             Fail(codes::kSnapshotNotFound,
                                  absl::StrCat("No snapshot of ", key.ToString(),
                                               " yet: the stream is not live or no keyframe has "
                                               "been captured.")));
    return outcome;
  }
  response.SetHeader("Cache-Control", "no-store");
  response.SetHeader("X-Snapshot-Width", std::to_string(image->width));
  response.SetHeader("X-Snapshot-Height", std::to_string(image->height));
  response.SetHeader("X-Snapshot-Capture-Time", FormatIso8601Utc(image->capture_unix_ms, true));
  response.SetContent(std::string(image->jpeg->begin(), image->jpeg->end()), "image/jpeg");
  return outcome;
}

Outcome HandleObject(const RouteContext& context, const HttpRequest& request,
                     HttpResponse& response) {
  Outcome outcome{"http:snapshots_object"};
  const std::string& bucket = request.matches[1];
  const std::string& key = request.matches[2];
  auto fail = [&](const ApiError& error) {
    outcome.code = SendError(context, request, response, error);
    return outcome;
  };
  if (auto invalid = CheckBucketName(bucket)) {
    return fail(Fail(codes::kInvalidPathMalformed, invalid->message));
  }
  if (absl::Status valid = storage::ValidateObjectKey(key); !valid.ok()) {
    return fail(Fail(codes::kInvalidPathMalformed, std::string(valid.message())));
  }
  const auto store = context.sources.stores.find(bucket);
  if (store == context.sources.stores.end()) {
    return fail(Fail(codes::kInvalidOssBucketNotFound,
                     absl::StrCat("No storage location is named \"", bucket, "\".")));
  }
  absl::StatusOr<std::vector<uint8_t>> object = store->second->Get(key);
  if (absl::IsNotFound(object.status())) {
    return fail(Fail(codes::kSnapshotNotFound,
                     absl::StrCat("No object \"", key, "\" in bucket ", bucket, ".")));
  }
  if (absl::IsInvalidArgument(object.status())) {
    return fail(Fail(codes::kInvalidPathMalformed, std::string(object.status().message())));
  }
  if (!object.ok()) {
    // A store that does not answer, or not in time, is a 503 the client may retry.
    const bool transient =
        absl::IsUnavailable(object.status()) || absl::IsDeadlineExceeded(object.status());
    return fail(Fail(
        transient ? codes::kServiceUnavailable : codes::kInternalError,
        absl::StrCat("read ", bucket, "/", key, ": ", std::string(object.status().message()))));
  }
  response.SetHeader("Cache-Control", "no-cache");
  response.SetContent(std::string(object->begin(), object->end()), "image/jpeg");
  return outcome;
}

}  // namespace livesnap::api::internal
