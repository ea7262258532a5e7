// File: tests/support/slow_clients.h
//
// Clients that send a request one byte a second (a "slowloris"), for tests
// that such clients hold no server thread and are cut at the request
// deadline:
//
//   SlowClients slow(20, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
//   ASSERT_TRUE(slow.Connect(port));
//   slow.Start();
//   ASSERT_TRUE(slow.WaitSent(2, 10s));  // they are under way
//   ... others are answered at once ...
//   EXPECT_TRUE(slow.WaitAllClosedByPeer(10s));
//
// Thread-safety: one owner; the bytes go out on a thread of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/raw_client.h"

namespace livesnap::testing {

class SlowClients {
 public:
  SlowClients(size_t count, std::string request);
  ~SlowClients();  // stops sending
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  // Connects every client to 127.0.0.1:`port`; false when one cannot.
  bool Connect(uint16_t port);
  // Sends the request's next byte to every client each second, from the
  // first at once, until all of it is sent or the clients are destroyed.
  void Start();
  // True once `bytes` bytes went to every client; false after `timeout`.
  bool WaitSent(size_t bytes, std::chrono::milliseconds timeout) const;
  // True when the server closes every client, each within `timeout`.
  bool WaitAllClosedByPeer(std::chrono::milliseconds timeout);

 private:
  void Trickle();

  std::vector<RawClient> clients_;
  const std::string request_;
  std::thread thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;  // guarded by mu_
  size_t sent_ = 0;        // guarded by mu_
};

}  // namespace livesnap::testing
