// File: storage/internal/curl_handles.h
//
// Owning handles for libcurl, and a pool of easy handles the S3 store's
// callers share so that connections (and TLS sessions) are kept alive
// between requests:
//
//   LS_ASSIGN_OR_RETURN(CurlHandlePool::Lease easy, pool.Acquire(), "put");
//   curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
//
// A lease returns its handle to the pool when it goes out of scope; the pool
// keeps at most `max_idle` idle handles and frees the rest, so the number of
// open connections follows the number of concurrent callers.
//
// Thread-safety: a handle is used by one thread at a time (libcurl's rule);
// the pool is thread-safe.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"

namespace livesnap::storage::internal {

struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// Appends "Name: value" to `list`; on allocation failure the list is kept
// whole and false is returned (curl_slist_append alone would leak or lose it).
inline bool AppendHeader(CurlSlist& list, const char* header) {
  curl_slist* appended = curl_slist_append(list.get(), header);
  if (appended == nullptr) return false;
  list.release();
  list.reset(appended);
  return true;
}

class CurlHandlePool {
 public:
  // A handle taken from the pool; goes back on destruction.
  class Lease {
   public:
    Lease(CurlHandlePool* pool, CurlEasy easy) : pool_(pool), easy_(std::move(easy)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease() {
      if (pool_ != nullptr && easy_ != nullptr) pool_->Release(std::move(easy_));
    }
    CURL* get() const { return easy_.get(); }

   private:
    CurlHandlePool* pool_;
    CurlEasy easy_;
  };

  explicit CurlHandlePool(size_t max_idle) : max_idle_(max_idle) {}
  CurlHandlePool(const CurlHandlePool&) = delete;
  CurlHandlePool& operator=(const CurlHandlePool&) = delete;

  // An idle handle (its options reset, its connections kept) or a new one.
  // ResourceExhausted if libcurl cannot allocate one.
  absl::StatusOr<Lease> Acquire();

 private:
  void Release(CurlEasy easy);

  const size_t max_idle_;
  std::mutex mu_;
  std::vector<CurlEasy> idle_;  // guarded by mu_
};

}  // namespace livesnap::storage::internal
