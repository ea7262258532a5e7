#include "storage/s3_store.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "net/curl.h"
#include "storage/internal/curl_handle_pool.h"
#include "storage/internal/digest.h"
#include "storage/internal/s3_url.h"
#include "storage/internal/s3_xml.h"

namespace livesnap::storage {
namespace {

using net::CurlSlist;

constexpr char kUserAgent[] = "livesnap/0.1";
// Listings and error documents; a page of 1000 keys is a few hundred KB.
constexpr size_t kMaxXmlBytes = 16 << 20;
constexpr size_t kMaxObjectBytes = size_t{1} << 30;

std::string Quoted(std::string_view text) { return absl::StrCat("\"", std::string(text), "\""); }

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

absl::Status CheckOptions(const S3Options& options) {
  const std::string context = absl::StrCat("s3 bucket ", Quoted(options.bucket));
  auto invalid = [&](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": ", std::string(what)));
  };
  if (options.access_key_id.empty() || options.secret_access_key.empty()) {
    return invalid(
        "no credentials: set access_key_id and secret_access_key, or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY");
  }
  if (options.region.empty()) return invalid("no region: set region, or AWS_REGION");
  const bool region_ok = std::all_of(options.region.begin(), options.region.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (!region_ok) return invalid(absl::StrCat("region ", Quoted(options.region), " is not a name"));
  if (options.connect_timeout_ms < 1 || options.timeout_ms < 1) {
    return invalid(absl::StrCat("timeouts must be at least 1 ms (connect ",
                                options.connect_timeout_ms, ", total ", options.timeout_ms, ")"));
  }
  if (options.list_page_size < 1 || options.list_page_size > 1000) {
    return invalid(absl::StrCat("list_page_size ", options.list_page_size, " is not 1..1000"));
  }
  return absl::OkStatus();
}

// libcurl reads the PUT body from here, and rewinds it when it must resend
// (a kept-alive connection found closed by the server).
struct UploadCursor {
  std::span<const uint8_t> data;
  size_t offset = 0;

  static size_t Read(char* buffer, size_t size, size_t count, void* user) {
    auto* self = static_cast<UploadCursor*>(user);
    const size_t n = std::min(size * count, self->data.size() - self->offset);
    std::memcpy(buffer, self->data.data() + self->offset, n);
    self->offset += n;
    return n;
  }
  static int Seek(void* user, curl_off_t offset, int origin) {
    auto* self = static_cast<UploadCursor*>(user);
    if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > self->data.size()) {
      return CURL_SEEKFUNC_CANTSEEK;
    }
    self->offset = static_cast<size_t>(offset);
    return CURL_SEEKFUNC_OK;
  }
};

struct ResponseSink {
  std::vector<uint8_t>* body;
  size_t max_bytes;
  bool overflowed = false;

  static size_t Write(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<ResponseSink*>(user);
    const size_t n = size * count;
    if (self->body->size() + n > self->max_bytes) {
      self->overflowed = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    self->body->insert(self->body->end(), data, data + n);
    return n;
  }
};

absl::Status CurlFailure(CURLcode code, const char* details, std::string_view what,
                         int64_t timeout_ms) {
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(
        absl::StrCat(std::string(what), ": no answer within ", timeout_ms, " ms (", details, ")"));
  }
  return absl::Status(net::CurlErrorCode(code),
                      absl::StrCat(std::string(what), ": ",
                                   details[0] != '\0' ? details : curl_easy_strerror(code)));
}

absl::StatusCode CodeForHttpStatus(long http_status, std::string_view s3_code) {
  if (http_status >= 500 || http_status == 429 || s3_code == "RequestTimeout" ||
      s3_code == "SlowDown") {
    return absl::StatusCode::kUnavailable;
  }
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    default:
      return absl::StatusCode::kFailedPrecondition;
  }
}

std::string HeaderValue(CURL* easy, const char* name) {
  curl_header* header = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK) return "";
  return header->value;
}

std::string Unquoted(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

}  // namespace

struct S3Store::Request {
  const char* method;  // GET, PUT, HEAD or DELETE
  std::string url;
  std::span<const uint8_t> body{};
  std::string_view content_type{};
  size_t max_response_bytes = kMaxXmlBytes;
};

struct S3Store::Response {
  long http_status = 0;
  std::vector<uint8_t> body;
  std::string content_type;
  std::string etag;
  int64_t content_length = -1;
};

absl::StatusOr<std::unique_ptr<S3Store>> S3Store::Create(S3Options options) {
  LS_RETURN_IF_ERROR(net::InitCurl(), "s3 store");
  if (options.access_key_id.empty() && options.secret_access_key.empty()) {
    options.access_key_id = Getenv("AWS_ACCESS_KEY_ID");
    options.secret_access_key = Getenv("AWS_SECRET_ACCESS_KEY");
    if (options.session_token.empty()) options.session_token = Getenv("AWS_SESSION_TOKEN");
  }
  if (options.region.empty()) options.region = Getenv("AWS_REGION");
  if (options.region.empty()) options.region = Getenv("AWS_DEFAULT_REGION");
  LS_RETURN_IF_ERROR(CheckOptions(options), "s3 store");
  LS_ASSIGN_OR_RETURN(internal::S3Url urls,
                      internal::S3Url::Create(options.endpoint, options.bucket, options.addressing),
                      "s3 store");
  return std::unique_ptr<S3Store>(
      new S3Store(std::move(options), std::make_unique<internal::S3Url>(std::move(urls))));
}

S3Store::S3Store(S3Options options, std::unique_ptr<internal::S3Url> urls)
    : options_(std::move(options)),
      urls_(std::move(urls)),
      pool_(std::make_unique<internal::CurlHandlePool>(options_.max_idle_connections)),
      sigv4_(absl::StrCat("aws:amz:", options_.region, ":s3")) {}

S3Store::~S3Store() = default;

absl::StatusOr<S3Store::Response> S3Store::Perform(const Request& request) {
  const std::string what = absl::StrCat(request.method, " ", request.url);
  LS_ASSIGN_OR_RETURN(internal::CurlHandlePool::Lease lease, pool_->Acquire(), what);
  CURL* easy = lease.get();

  // curl 7.88 signs but does not send the payload hash S3 requires; given as
  // a header, it is both sent and used as the signed payload hash.
  // No "Expect:" to suppress 100-continue: curl 7.88 would sign the header
  // it then leaves out, and S3 would refuse the signature. curl asks for
  // 100-continue only above 1 MB anyway.
  std::vector<std::string> lines = {
      absl::StrCat("x-amz-content-sha256: ", internal::Sha256Hex(request.body)),
  };
  if (std::string_view(request.method) == "PUT") {
    lines.push_back(absl::StrCat("Content-Type: ", std::string(request.content_type)));
    lines.push_back(absl::StrCat("Content-MD5: ", internal::Md5Base64(request.body)));
  }
  if (!options_.session_token.empty()) {
    lines.push_back(absl::StrCat("x-amz-security-token: ", options_.session_token));
  }
  CurlSlist headers;
  for (const std::string& line : lines) {
    if (!net::AppendHeader(headers, line.c_str())) {
      return absl::ResourceExhaustedError(absl::StrCat(what, ": out of memory"));
    }
  }
  CurlSlist resolve;
  for (const std::string& entry : options_.resolve) {
    if (!net::AppendHeader(resolve, entry.c_str())) {
      return absl::ResourceExhaustedError(absl::StrCat(what, ": out of memory"));
    }
  }

  Response response;
  ResponseSink sink{.body = &response.body, .max_bytes = request.max_response_bytes};
  UploadCursor upload{.data = request.body};
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl_easy_setopt(easy, CURLOPT_USERNAME, options_.access_key_id.c_str());
  curl_easy_setopt(easy, CURLOPT_PASSWORD, options_.secret_access_key.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  if (resolve != nullptr) curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &ResponseSink::Write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &sink);
  const std::string_view method = request.method;
  if (method == "PUT") {
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, &UploadCursor::Read);
    curl_easy_setopt(easy, CURLOPT_READDATA, &upload);
    curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, &UploadCursor::Seek);
    curl_easy_setopt(easy, CURLOPT_SEEKDATA, &upload);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (method == "DELETE") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "DELETE");
  }

  const CURLcode code = curl_easy_perform(easy);
  if (code != CURLE_OK) {
    if (sink.overflowed) {
      return absl::FailedPreconditionError(
          absl::StrCat(what, ": answer larger than ", request.max_response_bytes, " bytes"));
    }
    return CurlFailure(code, error_buffer, what, options_.timeout_ms);
  }
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.http_status);
  const char* content_type = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK &&
      content_type != nullptr) {
    response.content_type = content_type;
  }
  curl_off_t length = -1;
  if (curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK) {
    response.content_length = length;
  }
  response.etag = Unquoted(HeaderValue(easy, "ETag"));
  return response;
}

absl::Status S3Store::ErrorFor(const Request& request, const Response& response) const {
  internal::S3ErrorBody error;
  if (!response.body.empty()) {
    const std::string_view xml(reinterpret_cast<const char*>(response.body.data()),
                               response.body.size());
    absl::StatusOr<internal::S3ErrorBody> parsed = internal::ParseS3Error(xml);
    if (parsed.ok()) error = std::move(*parsed);
  }
  std::string message =
      absl::StrCat(request.method, " ", request.url, ": HTTP ", response.http_status);
  if (!error.code.empty()) absl::StrAppend(&message, " ", error.code);
  if (!error.message.empty()) absl::StrAppend(&message, ": ", error.message);
  if (!error.endpoint.empty()) absl::StrAppend(&message, " (endpoint ", error.endpoint, ")");
  if (!error.request_id.empty()) absl::StrAppend(&message, " (request id ", error.request_id, ")");
  return absl::Status(CodeForHttpStatus(response.http_status, error.code), message);
}

absl::Status S3Store::Put(std::string_view key, std::span<const uint8_t> data,
                          std::string_view content_type) {
  LS_RETURN_IF_ERROR(ValidateObjectKey(key), "put");
  const Request request{
      .method = "PUT",
      .url = urls_->Object(key),
      .body = data,
      .content_type = content_type.empty() ? "application/octet-stream" : content_type};
  LS_ASSIGN_OR_RETURN(Response response, Perform(request), "put");
  if (response.http_status / 100 != 2) return Annotate(ErrorFor(request, response), "put");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint8_t>> S3Store::Get(std::string_view key) {
  LS_RETURN_IF_ERROR(ValidateObjectKey(key), "get");
  const Request request{
      .method = "GET", .url = urls_->Object(key), .max_response_bytes = kMaxObjectBytes};
  LS_ASSIGN_OR_RETURN(Response response, Perform(request), "get");
  if (response.http_status / 100 != 2) return Annotate(ErrorFor(request, response), "get");
  return std::move(response.body);
}

absl::StatusOr<S3ObjectHead> S3Store::Head(std::string_view key) {
  LS_RETURN_IF_ERROR(ValidateObjectKey(key), "head");
  const Request request{.method = "HEAD", .url = urls_->Object(key)};
  LS_ASSIGN_OR_RETURN(Response response, Perform(request), "head");
  if (response.http_status / 100 != 2) return Annotate(ErrorFor(request, response), "head");
  return S3ObjectHead{.size_bytes = response.content_length,
                      .content_type = std::move(response.content_type),
                      .etag = std::move(response.etag)};
}

absl::Status S3Store::Delete(std::string_view key) {
  LS_RETURN_IF_ERROR(ValidateObjectKey(key), "delete");
  LS_RETURN_IF_ERROR(Head(key).status(), "delete");
  const Request request{.method = "DELETE", .url = urls_->Object(key)};
  LS_ASSIGN_OR_RETURN(Response response, Perform(request), "delete");
  if (response.http_status / 100 != 2) return Annotate(ErrorFor(request, response), "delete");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ObjectInfo>> S3Store::List(std::string_view prefix) {
  LS_RETURN_IF_ERROR(ValidateObjectKeyPrefix(prefix), "list");
  std::vector<ObjectInfo> objects;
  std::string token;
  while (true) {
    internal::QueryParams query = {{"list-type", "2"},
                                   {"max-keys", absl::StrCat(options_.list_page_size)}};
    if (!prefix.empty()) query.emplace_back("prefix", std::string(prefix));
    if (!token.empty()) query.emplace_back("continuation-token", token);
    const Request request{.method = "GET", .url = urls_->Bucket(std::move(query))};
    LS_ASSIGN_OR_RETURN(Response response, Perform(request), "list");
    if (response.http_status / 100 != 2) return Annotate(ErrorFor(request, response), "list");
    const std::string_view xml(reinterpret_cast<const char*>(response.body.data()),
                               response.body.size());
    LS_ASSIGN_OR_RETURN(internal::ListPage page, internal::ParseListObjectsV2(xml),
                        absl::StrCat("list: ", request.url));
    for (ObjectInfo& object : page.objects) {
      if (object.key.starts_with(prefix) && ValidateObjectKey(object.key).ok()) {
        objects.push_back(std::move(object));
      }
    }
    if (!page.truncated) break;
    if (page.next_token == token) {
      return absl::UnavailableError(
          absl::StrCat("list: ", request.url, ": the store repeated continuation token ", token));
    }
    token = std::move(page.next_token);
  }
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

std::string S3Store::Describe() const {
  std::string url = urls_->Bucket({});
  if (url.ends_with('/')) url.pop_back();
  return absl::StrCat("s3:", url);
}

}  // namespace livesnap::storage
