// File: rtmp/flv_test_util.h
//
// Builds FLV files byte by byte for the loadgen's unit tests.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace livesnap::rtmp::testing {

class FlvBuilder {
 public:
  FlvBuilder() {
    bytes_ = {'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0};  // audio+video, PreviousTagSize0
  }
  FlvBuilder& Tag(uint8_t type, uint32_t timestamp_ms, std::span<const uint8_t> body) {
    const auto size = static_cast<uint32_t>(body.size());
    const size_t start = bytes_.size();
    bytes_.insert(bytes_.end(),
                  {type, static_cast<uint8_t>(size >> 16), static_cast<uint8_t>(size >> 8),
                   static_cast<uint8_t>(size), static_cast<uint8_t>(timestamp_ms >> 16),
                   static_cast<uint8_t>(timestamp_ms >> 8), static_cast<uint8_t>(timestamp_ms),
                   static_cast<uint8_t>(timestamp_ms >> 24), 0, 0, 0});
    bytes_.insert(bytes_.end(), body.begin(), body.end());
    const auto previous = static_cast<uint32_t>(bytes_.size() - start);
    bytes_.insert(bytes_.end(),
                  {static_cast<uint8_t>(previous >> 24), static_cast<uint8_t>(previous >> 16),
                   static_cast<uint8_t>(previous >> 8), static_cast<uint8_t>(previous)});
    return *this;
  }
  FlvBuilder& Tag(uint8_t type, uint32_t timestamp_ms, std::initializer_list<uint8_t> body) {
    return Tag(type, timestamp_ms, std::span<const uint8_t>(body.begin(), body.size()));
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace livesnap::rtmp::testing
