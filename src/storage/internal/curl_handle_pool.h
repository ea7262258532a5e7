// File: storage/internal/curl_handle_pool.h
//
// A pool of libcurl easy handles (net/curl.h) the S3 store's callers share so that connections (and
// TLS sessions) are kept alive between requests:
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

#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "net/curl.h"

namespace livesnap::storage::internal {

class CurlHandlePool {
 public:
  // A handle taken from the pool; goes back on destruction.
  class Lease {
   public:
    Lease(CurlHandlePool* pool, net::CurlEasy easy) : pool_(pool), easy_(std::move(easy)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease() {
      if (pool_ != nullptr && easy_ != nullptr) pool_->Release(std::move(easy_));
    }
    CURL* get() const { return easy_.get(); }

   private:
    CurlHandlePool* pool_;
    net::CurlEasy easy_;
  };

  explicit CurlHandlePool(size_t max_idle) : max_idle_(max_idle) {}
  CurlHandlePool(const CurlHandlePool&) = delete;
  CurlHandlePool& operator=(const CurlHandlePool&) = delete;

  // An idle handle (its options reset, its connections kept) or a new one
  // (net::NewCurlEasy, whose errors it returns).
  absl::StatusOr<Lease> Acquire();

 private:
  void Release(net::CurlEasy easy);

  const size_t max_idle_;
  std::mutex mu_;
  std::vector<net::CurlEasy> idle_;  // guarded by mu_
};

}  // namespace livesnap::storage::internal
