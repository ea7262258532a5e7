#include "media/bit_reader.h"

namespace livesnap::media {

bool BitReader::ReadBits(int count, uint32_t& out) {
  if (count < 0 || count > 32 || bits_left() < static_cast<size_t>(count)) return false;
  uint64_t value = 0;
  for (int i = 0; i < count; ++i) {
    const uint8_t byte = data_[position_ / 8];
    value = (value << 1) | ((byte >> (7 - position_ % 8)) & 1u);
    ++position_;
  }
  out = static_cast<uint32_t>(value);
  return true;
}

bool BitReader::ReadFlag(bool& out) {
  uint32_t bit = 0;
  if (!ReadBits(1, bit)) return false;
  out = bit != 0;
  return true;
}

bool BitReader::SkipBits(size_t count) {
  if (bits_left() < count) return false;
  position_ += count;
  return true;
}

bool BitReader::ReadUe(uint32_t& out) {
  const size_t start = position_;
  int leading_zeros = 0;
  bool bit = false;
  while (true) {
    if (!ReadFlag(bit)) {
      position_ = start;
      return false;
    }
    if (bit) break;
    if (++leading_zeros > 31) {
      position_ = start;
      return false;
    }
  }
  uint32_t suffix = 0;
  if (!ReadBits(leading_zeros, suffix)) {
    position_ = start;
    return false;
  }
  // 2^leading_zeros - 1 + suffix <= 2^32 - 2 for leading_zeros <= 31.
  out = static_cast<uint32_t>((uint64_t{1} << leading_zeros) - 1 + suffix);
  return true;
}

bool BitReader::ReadSe(int32_t& out) {
  uint32_t code = 0;
  if (!ReadUe(code)) return false;
  // 1, 2, 3, 4, ... map to 1, -1, 2, -2, ...
  const int64_t magnitude = (static_cast<int64_t>(code) + 1) / 2;
  out = static_cast<int32_t>((code & 1u) ? magnitude : -magnitude);
  return true;
}

}  // namespace livesnap::media
