// File: net/curl.h
//
// What every libcurl user in livesnap shares: the process-wide init, owning
// handles, and one reading of a failed transfer as a Status code.
//
//   LS_RETURN_IF_ERROR(net::InitCurl(), "s3 store");
//   LS_ASSIGN_OR_RETURN(net::CurlEasy easy, net::NewCurlEasy(), "post");
//   ...
//   if (code != CURLE_OK) return absl::Status(net::CurlErrorCode(code), message);
//
// Thread-safety: InitCurl and the free functions are thread-safe; a handle
// is used by one thread at a time (libcurl's rule), except where the caller
// documents otherwise (curl_multi_wakeup).
#pragma once

#include <curl/curl.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap::net {

// curl_global_init, run once per process before the first handle; its
// result (Internal, with curl's reason, when it failed) on every call.
absl::Status InitCurl();

struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlString = std::unique_ptr<char, CurlStringDeleter>;  // a string curl allocated

// A new easy handle, after InitCurl; ResourceExhausted if libcurl cannot
// allocate one, or InitCurl's error.
absl::StatusOr<CurlEasy> NewCurlEasy();

// Appends "Name: value" to `list`; on allocation failure the list is kept
// whole and false is returned (curl_slist_append alone would leak or lose it).
bool AppendHeader(CurlSlist& list, const char* header);

// The Status code of a failed transfer: DeadlineExceeded for a timeout,
// InvalidArgument for a URL or protocol curl cannot use, FailedPrecondition
// when TLS verification fails, ResourceExhausted when curl ran out of
// memory, and Unavailable for anything else (refused, reset, unresolvable,
// cut short: the other side may come back).
absl::StatusCode CurlErrorCode(CURLcode code);

// Attaches an easy handle to a multi handle for the life of the object.
class MultiAttachment {
 public:
  MultiAttachment(CURLM* multi, CURL* easy)
      : multi_(multi), easy_(easy), code_(curl_multi_add_handle(multi, easy)) {}
  MultiAttachment(const MultiAttachment&) = delete;
  MultiAttachment& operator=(const MultiAttachment&) = delete;
  ~MultiAttachment() {
    if (code_ == CURLM_OK) curl_multi_remove_handle(multi_, easy_);
  }
  CURLMcode code() const { return code_; }

 private:
  CURLM* multi_;
  CURL* easy_;
  CURLMcode code_;
};

}  // namespace livesnap::net
