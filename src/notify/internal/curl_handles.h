// File: notify/internal/curl_handles.h
//
// Owning smart pointers for libcurl's C handles, so every exit path frees
// them:
//
//   CurlEasy easy(curl_easy_init());
//   CurlSlist headers;
//   if (!AppendHeader(headers, "Content-Type: application/json")) return NoMemory();
//
// Thread-safety: a handle is used by one thread at a time (libcurl's rule),
// except where the caller documents otherwise (curl_multi_wakeup).
#pragma once

#include <curl/curl.h>

#include <memory>

namespace livesnap::notify::internal {

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
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// Appends "Name: value" to `list`; on allocation failure the list is kept
// whole and false is returned (curl_slist_append alone would leak or lose it).
inline bool AppendHeader(CurlSlist& list, const char* header) {
  curl_slist* appended = curl_slist_append(list.get(), header);
  if (appended == nullptr) return false;
  list.release();
  list.reset(appended);
  return true;
}

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

}  // namespace livesnap::notify::internal
