// File: api/internal/http_listener.h
//
// The API's HTTP/1.1 server (Boost.Beast over Asio): one event-loop thread
// reads and writes every connection, so a slow or idle client costs a
// socket and a buffer, never a thread; each request, once read whole, is
// answered by `handler` on a pool of worker threads (handlers may block on
// the catalog). Limits, each enforced while reading:
//   - the request (headers and body) must arrive within request_timeout_ms
//     of its first byte being awaited, whatever the pace of its bytes, or
//     the connection is closed;
//   - headers at most max_header_bytes (431), the body at most
//     max_body_bytes whatever its framing (413 on the Content-Length alone,
//     or as soon as a chunked body goes past it); a Content-Length that is
//     no number (-1, 10^20) answers 400 at once;
//   - at most max_connections_per_ip connections per client address and
//     max_connections in all; one more is answered 503 and closed.
// A client cut by a limit is counted by `on_cut(reason, ip)` ("timeout",
// "too_large", "malformed", "per_ip_limit", "max_connections"); the
// refusals carry the body `error_body(status, message)` builds.
// Connections are kept alive between requests, each request with a fresh
// deadline; an idle kept-alive connection is closed quietly at its deadline.
//
//   HttpListener listener(options, handler, error_body, on_cut);
//   LS_RETURN_IF_ERROR(listener.Bind(), "API");
//   listener.Start();  ...  listener.Stop();
//
// Thread-safety: Bind, Start and Stop from one controlling thread; the
// callbacks are called from the event-loop and worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "api/internal/http_message.h"

namespace livesnap::api::internal {

struct HttpListenerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: a free port
  int worker_threads = 4;
  int64_t request_timeout_ms = 10'000;
  int64_t write_timeout_ms = 10'000;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 64 * 1024;
  int max_connections_per_ip = 64;
  int max_connections = 4096;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;
// The response for a request refused before any handler ran.
using HttpErrorBody = std::function<HttpResponse(int status, std::string_view message)>;
using HttpCutFn = std::function<void(std::string_view reason, const std::string& ip)>;

class HttpListener {
 public:
  HttpListener(HttpListenerOptions options, HttpHandler handler, HttpErrorBody error_body,
               HttpCutFn on_cut);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Binds and listens; port() is known after.
  absl::Status Bind();
  // Starts the event loop and the workers.
  void Start();
  // Stops accepting, closes connections waiting for a request, lets the
  // requests being handled finish and be answered, and joins. Idempotent.
  void Stop();
  int port() const;

  struct State;  // defined and used in http_listener.cc only

 private:
  std::shared_ptr<State> state_;
};

}  // namespace livesnap::api::internal
