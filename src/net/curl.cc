#include "net/curl.h"

#include "absl/strings/str_cat.h"

namespace livesnap::net {

absl::Status InitCurl() {
  // A function-local static: initialised once, thread-safely, before any handle.
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_global_init: ", curl_easy_strerror(code)));
  }
  return absl::OkStatus();
}

absl::StatusOr<CurlEasy> NewCurlEasy() {
  if (absl::Status status = InitCurl(); !status.ok()) return status;
  CurlEasy easy(curl_easy_init());
  if (easy == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
  return easy;
}

bool AppendHeader(CurlSlist& list, const char* header) {
  curl_slist* appended = curl_slist_append(list.get(), header);
  if (appended == nullptr) return false;
  list.release();
  list.reset(appended);
  return true;
}

absl::StatusCode CurlErrorCode(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::StatusCode::kDeadlineExceeded;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::StatusCode::kInvalidArgument;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return absl::StatusCode::kFailedPrecondition;
    case CURLE_OUT_OF_MEMORY:
      return absl::StatusCode::kResourceExhausted;
    default:
      return absl::StatusCode::kUnavailable;
  }
}

}  // namespace livesnap::net
