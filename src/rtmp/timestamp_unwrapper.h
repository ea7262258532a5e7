// File: rtmp/timestamp_unwrapper.h
//
// Turns the 32-bit millisecond clock of RTMP/FLV into a 64-bit media time
// that keeps counting past the wrap at 2^32 ms (~49.7 days). Backward steps
// smaller than half the range are kept as they are (encoders do step back);
// only a step of more than half the range backwards counts as a wrap.
//
// Thread-safety: not thread-safe; one per stream.
#pragma once

#include <cstdint>

namespace livesnap::rtmp {

class TimestampUnwrapper {
 public:
  int64_t Unwrap(uint32_t timestamp) {
    if (has_last_) {
      const uint32_t last = last_;
      if (timestamp < last && last - timestamp > kHalfRange) {
        epoch_ += kRange;
      } else if (timestamp > last && timestamp - last > kHalfRange && epoch_ > 0) {
        // A late packet from before the wrap.
        return epoch_ - kRange + timestamp;
      }
    }
    last_ = timestamp;
    has_last_ = true;
    return epoch_ + timestamp;
  }

 private:
  static constexpr int64_t kRange = int64_t{1} << 32;
  static constexpr uint32_t kHalfRange = uint32_t{1} << 31;
  int64_t epoch_ = 0;
  uint32_t last_ = 0;
  bool has_last_ = false;
};

}  // namespace livesnap::rtmp
