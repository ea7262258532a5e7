#include "notify/internal/http_poster.h"

#include "absl/strings/str_cat.h"

namespace livesnap::notify::internal {
namespace {

// How long one wait for socket activity may last; Cancel() cuts it short.
constexpr int kPollMs = 1000;

size_t DiscardBody(char* /*data*/, size_t size, size_t count, void* /*user*/) {
  return size * count;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpPoster>> HttpPoster::Create(std::string user_agent) {
  absl::StatusOr<net::CurlEasy> easy = net::NewCurlEasy();
  if (!easy.ok()) return easy.status();
  net::CurlMulti multi(curl_multi_init());
  if (multi == nullptr) return absl::ResourceExhaustedError("curl_multi_init failed");
  return std::unique_ptr<HttpPoster>(
      new HttpPoster(*std::move(easy), std::move(multi), std::move(user_agent)));
}

HttpPoster::HttpPoster(net::CurlEasy easy, net::CurlMulti multi, std::string user_agent)
    : easy_(std::move(easy)), multi_(std::move(multi)), user_agent_(std::move(user_agent)) {}

void HttpPoster::Cancel() {
  cancelled_.store(true);
  curl_multi_wakeup(multi_.get());
}

absl::Status HttpPoster::Configure(const HttpPost& post, const net::CurlSlist& headers) {
  CURL* easy = easy_.get();
  const std::string url(post.url);
  // The options that matter for correctness are checked; a failure means an
  // unusable libcurl build, not a bad request.
  const CURLcode codes[] = {
      curl_easy_setopt(easy, CURLOPT_URL, url.c_str()),
      curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"),
      curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L),
      curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent_.c_str()),
      curl_easy_setopt(easy, CURLOPT_POST, 1L),
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, post.body.data()),
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(post.body.size())),
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get()),
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(post.timeout_ms)),
      curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(post.timeout_ms)),
      curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &DiscardBody),
      curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer_),
  };
  for (CURLcode code : codes) {
    if (code != CURLE_OK) {
      return absl::Status(
          net::CurlErrorCode(code),
          absl::StrCat("POST ", url, ": set curl option: ", curl_easy_strerror(code)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CURLcode> HttpPoster::Transfer() {
  net::MultiAttachment attachment(multi_.get(), easy_.get());
  if (attachment.code() != CURLM_OK) {
    return absl::InternalError(
        absl::StrCat("curl_multi_add_handle: ", curl_multi_strerror(attachment.code())));
  }
  int running = 1;
  while (true) {
    if (cancelled_.load()) return absl::CancelledError("cancelled by shutdown");
    CURLMcode code = curl_multi_perform(multi_.get(), &running);
    if (code == CURLM_OK && running == 0) break;
    if (code == CURLM_OK) code = curl_multi_poll(multi_.get(), nullptr, 0, kPollMs, nullptr);
    if (code != CURLM_OK) {
      return absl::InternalError(absl::StrCat("curl multi: ", curl_multi_strerror(code)));
    }
  }
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == easy_.get()) {
      return message->data.result;
    }
  }
  return absl::InternalError("curl multi: transfer ended without a result");
}

absl::StatusOr<int> HttpPoster::Post(const HttpPost& post) {
  const std::string context = absl::StrCat("POST ", std::string(post.url));
  if (cancelled_.load()) return absl::CancelledError(absl::StrCat(context, ": cancelled"));
  net::CurlSlist headers;
  // "Expect:" stops curl from waiting for a 100 Continue before larger bodies.
  bool appended =
      net::AppendHeader(headers,
                        absl::StrCat("Content-Type: ", std::string(post.content_type)).c_str()) &&
      net::AppendHeader(headers, "Expect:");
  for (const std::string& header : post.headers) {
    appended = appended && net::AppendHeader(headers, header.c_str());
  }
  if (!appended) return absl::ResourceExhaustedError(absl::StrCat(context, ": out of memory"));
  error_buffer_[0] = '\0';
  if (absl::Status status = Configure(post, headers); !status.ok()) return status;

  absl::StatusOr<CURLcode> result = Transfer();
  // The header list dies with this call; never leave curl pointing at it.
  curl_easy_setopt(easy_.get(), CURLOPT_HTTPHEADER, nullptr);
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat(context, ": ", std::string(result.status().message())));
  }
  if (*result != CURLE_OK) {
    std::string detail = curl_easy_strerror(*result);
    if (error_buffer_[0] != '\0') absl::StrAppend(&detail, " (", error_buffer_, ")");
    return absl::Status(net::CurlErrorCode(*result), absl::StrCat(context, ": ", detail));
  }
  long http_status = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &http_status);
  return static_cast<int>(http_status);
}

}  // namespace livesnap::notify::internal
