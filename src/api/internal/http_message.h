// File: api/internal/http_message.h
//
// One HTTP request as the API's routes see it (read whole by HttpListener,
// path and parameters decoded) and the answer they build:
//
//   HttpRequest request = ...;           // method "GET", path "/healthz"
//   std::string origin = request.Header("Origin");
//   HttpResponse response;
//   response.SetContent(body, "application/json;charset=utf-8");
//
// Parameters are the query's, then (a POST with a url-encoded form) the
// body's, in the order sent; '+' and %XX are decoded in both. The path has
// its %XX decoded ('+' kept), so "/a%2Fb" routes as "/a/b".
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace livesnap::api::internal {

using HttpFields = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ... as sent
  std::string path;    // decoded, without the query
  HttpFields params;
  HttpFields headers;  // names as sent
  std::string body;
  std::string remote_ip;
  std::vector<std::string> matches;  // the route pattern's groups; [0] is the whole path

  // The first header named `name` (any case), or "".
  std::string Header(std::string_view name) const;
  bool HasParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HttpFields headers;
  std::string body;

  void SetHeader(std::string name, std::string value);
  void SetContent(std::string content, std::string content_type);
  // 302 to `location`.
  void SetRedirect(std::string location);
};

// %XX decoded; '+' becomes ' ' when `plus_is_space`. A malformed escape is
// kept as it is.
std::string DecodeUrl(std::string_view text, bool plus_is_space);
// "a=1&b=x+y" appended to `out` as decoded pairs ("a" alone has value "").
void ParseQuery(std::string_view query, HttpFields& out);

}  // namespace livesnap::api::internal
