// File: tests/s3/delaying_proxy.h
//
// A store that answers, slowly: an HTTP proxy on 127.0.0.1 that holds every
// request for `delay` before passing it on to the server at upstream_port
// (an s3rver), for tests that a slow store holds nobody up.
//
//   DelayingProxy proxy(s3.port(), std::chrono::milliseconds(1000));
//   ... S3 endpoint proxy.Url() ...
//
// Thread-safety: one owner; requests are served on httplib's threads.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "tests/support/stub_http_server.h"

namespace livesnap::testing {

class DelayingProxy {
 public:
  DelayingProxy(uint16_t upstream_port, std::chrono::milliseconds delay)
      : server_(
            [upstream_port, delay](const RecordedRequest& request, httplib::Response& response) {
              std::this_thread::sleep_for(delay);
              Forward(upstream_port, request, response);
            }) {}

  std::string Url() const { return server_.Url(); }

 private:
  static void Forward(uint16_t upstream_port, const RecordedRequest& request,
                      httplib::Response& response) {
    httplib::Client client("127.0.0.1", upstream_port);
    client.set_read_timeout(30, 0);
    httplib::Request upstream;
    upstream.method = request.method;
    upstream.path = request.target;
    upstream.body = request.body;
    for (const auto& [name, value] : request.headers) {
      if (!IsHopByHop(name)) upstream.headers.emplace(name, value);
    }
    httplib::Result result = client.send(upstream);
    if (!result) {
      response.status = 502;
      return;
    }
    response.status = result->status;
    for (const auto& [name, value] : result->headers) {
      if (!IsHopByHop(name)) response.headers.emplace(name, value);
    }
    response.body = result->body;
  }

  static bool IsHopByHop(const std::string& name) {
    for (const char* hop :
         {"Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding", "Expect"}) {
      if (absl::EqualsIgnoreCase(name, hop)) return true;
    }
    return false;
  }

  StubHttpServer server_;
};

}  // namespace livesnap::testing
