// File: notify/internal/http_poster.h
//
// One libcurl easy handle that POSTs a body and reports the HTTP status,
// and that another thread can interrupt at once (for shutdown):
//
//   LS_ASSIGN_OR_RETURN(auto poster, HttpPoster::Create("livesnap/0.1"), "notifier");
//   absl::StatusOr<int> status = poster->Post({.url = url, .body = json, .timeout_ms = 5000});
//
// The transfer runs on a private multi handle so that Cancel() can wake it
// with curl_multi_wakeup instead of waiting for curl's next progress tick.
// Connections are kept alive between Posts to the same receiver.
//
// Thread-safety: Post from one thread at a time; Cancel from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "net/curl.h"

namespace livesnap::notify::internal {

struct HttpPost {
  std::string_view url;
  std::string_view body;
  std::vector<std::string> headers{};  // "Name: value", after Content-Type
  std::string_view content_type = "application/json";
  int64_t timeout_ms = 5000;  // the whole attempt, connecting included
};

class HttpPoster {
 public:
  static absl::StatusOr<std::unique_ptr<HttpPoster>> Create(std::string user_agent);

  // The HTTP status of the answer (any status: judging it is the caller's
  // job), or DeadlineExceeded after timeout_ms, Unavailable when no answer
  // came (refused, reset, DNS), InvalidArgument for a URL curl cannot use,
  // FailedPrecondition when TLS verification fails, Cancelled after Cancel().
  // Messages name the URL.
  absl::StatusOr<int> Post(const HttpPost& post);

  // Makes the current and every later Post return Cancelled at once.
  void Cancel();

 private:
  HttpPoster(net::CurlEasy easy, net::CurlMulti multi, std::string user_agent);
  absl::Status Configure(const HttpPost& post, const net::CurlSlist& headers);
  absl::StatusOr<CURLcode> Transfer();

  net::CurlEasy easy_;
  net::CurlMulti multi_;
  const std::string user_agent_;
  char error_buffer_[CURL_ERROR_SIZE] = {};  // curl writes details of the last failure here
  std::atomic<bool> cancelled_{false};
};

}  // namespace livesnap::notify::internal
