#include "tests/support/slow_clients.h"

#include <span>

namespace livesnap::testing {

SlowClients::SlowClients(size_t count, std::string request)
    : clients_(count), request_(std::move(request)) {}

SlowClients::~SlowClients() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SlowClients::Connect(uint16_t port) {
  for (RawClient& client : clients_) {
    if (!client.Connect(port)) return false;
  }
  return true;
}

void SlowClients::Start() {
  thread_ = std::thread([this] { Trickle(); });
}

void SlowClients::Trickle() {
  std::unique_lock lock(mu_);
  for (size_t i = 0; i < request_.size() && !stopping_; ++i) {
    lock.unlock();
    const auto byte = std::span(reinterpret_cast<const uint8_t*>(request_.data()) + i, 1);
    for (RawClient& client : clients_) client.Send(byte);  // a cut client refuses it
    lock.lock();
    sent_ = i + 1;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

bool SlowClients::WaitSent(size_t bytes, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return sent_ >= bytes; });
}

bool SlowClients::WaitAllClosedByPeer(std::chrono::milliseconds timeout) {
  bool all = true;
  for (RawClient& client : clients_) all = client.WaitClosedByPeer(timeout) && all;
  return all;
}

}  // namespace livesnap::testing
