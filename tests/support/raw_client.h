// File: tests/support/raw_client.h
//
// A bare TCP client for feeding a server bytes no real encoder would send
// (truncated handshakes, broken chunk streams) and seeing it close.
//
// Thread-safety: one owner.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace livesnap::testing {

class RawClient {
 public:
  ~RawClient();
  // Connects to 127.0.0.1:port; with `source_ip`, from that local address
  // (any of 127.0.0.0/8 works on Linux: a second client address).
  bool Connect(uint16_t port, const char* source_ip = nullptr);
  bool Send(std::span<const uint8_t> bytes);
  // Receives exactly `size` bytes or fails (timeout, close).
  bool Receive(size_t size, std::vector<uint8_t>& out, std::chrono::milliseconds timeout);
  // Appends what arrives within `timeout` (at most one read). 0 when nothing
  // came in time, -1 when the peer closed or the read failed.
  int ReceiveSome(std::vector<uint8_t>& out, std::chrono::milliseconds timeout);
  // Completes a plain RTMP handshake (C0 C1, S0 S1 S2, C2).
  bool Handshake();
  // True when the peer closes the connection within `timeout` (data that
  // arrives before the close is read and dropped).
  bool WaitClosedByPeer(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace livesnap::testing
