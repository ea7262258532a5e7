// File: tests/support/stub_http_server.h
//
// A tiny HTTP server on 127.0.0.1 (cpp-httplib) standing in for the other
// end of an HTTP client (the S3 store, the callback notifier, a user's
// callback receiver): it records every request as received (raw target,
// headers, body, client port, its number) and answers with what the test's
// handler says, so tests can check what a client sends and how it reads odd
// answers:
//
//   StubHttpServer server([](const httplib::Request& request, httplib::Response& response) {
//     response.status = 503;
//   });
//   ... S3Store with endpoint server.Url() ...
//   EXPECT_EQ(server.requests().at(0).method, "PUT");
//
// Never in place of a part of ours or of S3: tests of the S3 store use a
// real S3 server (tests/s3), at most behind a DelayingProxy built on this.
// Thread-safety: thread-safe; the handler runs on the server's threads.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/wait_for.h"

namespace livesnap::testing {

struct RecordedRequest {
  std::string method;
  std::string target;  // path and query exactly as sent
  httplib::Headers headers;
  std::string body;
  int remote_port = 0;
  size_t index = 0;  // 0 for the server's first request, then 1, 2...

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);  // httplib's header map ignores case
    return it == headers.end() ? "" : it->second;
  }
  std::string Path() const { return target.substr(0, target.find('?')); }
  std::string Query() const {
    const size_t mark = target.find('?');
    return mark == std::string::npos ? "" : target.substr(mark + 1);
  }
};

class StubHttpServer {
 public:
  using Handler = std::function<void(const RecordedRequest&, httplib::Response&)>;

  explicit StubHttpServer(Handler handler) : handler_(std::move(handler)) {
    auto route = [this](const httplib::Request& request, httplib::Response& response) {
      RecordedRequest recorded{.method = request.method,
                               .target = request.target,
                               .headers = request.headers,
                               .body = request.body,
                               .remote_port = request.remote_port};
      {
        std::lock_guard lock(mu_);
        recorded.index = requests_.size();
        requests_.push_back(recorded);
        request_arrived_.notify_all();
      }
      handler_(recorded, response);
    };
    server_.Get(".*", route);
    server_.Put(".*", route);
    server_.Delete(".*", route);
    server_.Post(".*", route);
    server_.set_keep_alive_max_count(100'000);  // httplib closes after 5 requests otherwise
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    WaitFor([this] { return server_.is_running(); }, std::chrono::seconds(10),
            std::chrono::milliseconds(1));
  }
  ~StubHttpServer() {
    server_.stop();
    thread_.join();
  }
  StubHttpServer(const StubHttpServer&) = delete;
  StubHttpServer& operator=(const StubHttpServer&) = delete;

  int port() const { return port_; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // True once `count` requests have arrived; false after `timeout`.
  bool WaitForRequests(size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return request_arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }

 private:
  Handler handler_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable request_arrived_;
  std::vector<RecordedRequest> requests_;  // guarded by mu_
};

}  // namespace livesnap::testing
