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

namespace livesnap::testing {

class DelayingProxy {
 public:
  DelayingProxy(uint16_t upstream_port, std::chrono::milliseconds delay)
      : upstream_port_(upstream_port), delay_(delay) {
    auto forward = [this](const httplib::Request& request, httplib::Response& response) {
      std::this_thread::sleep_for(delay_);
      httplib::Client client("127.0.0.1", upstream_port_);
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
    };
    server_.Get(".*", forward);
    server_.Put(".*", forward);
    server_.Delete(".*", forward);
    server_.set_keep_alive_max_count(100'000);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~DelayingProxy() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  static bool IsHopByHop(const std::string& name) {
    for (const char* hop :
         {"Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding", "Expect"}) {
      if (absl::EqualsIgnoreCase(name, hop)) return true;
    }
    return false;
  }

  uint16_t upstream_port_;
  std::chrono::milliseconds delay_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace livesnap::testing
