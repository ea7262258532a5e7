// File: tests/support/bit_writer.h
//
// Writes bit strings the way H.264/HEVC parameter sets are laid out (fixed
// fields, ue(v)/se(v) Exp-Golomb codes, rbsp_trailing_bits), so tests can
// build an SPS field by field:
//
//   BitWriter w;
//   w.Bits(8, 66);   // profile_idc
//   w.Ue(0);         // seq_parameter_set_id
//   std::vector<uint8_t> rbsp = w.Finish();
//
// Thread-safety: one owner.
#pragma once

#include <cstdint>
#include <vector>

namespace livesnap::testing {

class BitWriter {
 public:
  BitWriter& Bits(int count, uint64_t value) {
    for (int i = count - 1; i >= 0; --i) Bit((value >> i) & 1u);
    return *this;
  }
  BitWriter& Flag(bool value) { return Bit(value ? 1 : 0); }
  BitWriter& Ue(uint32_t value) {
    const uint64_t code = uint64_t{value} + 1;
    int length = 0;
    while ((code >> length) > 1) ++length;
    Bits(length, 0);
    return Bits(length + 1, code);
  }
  BitWriter& Se(int32_t value) {
    const int64_t v = value;
    return Ue(static_cast<uint32_t>(v > 0 ? 2 * v - 1 : -2 * v));
  }
  // rbsp_trailing_bits: a 1 then zeros to the byte boundary.
  std::vector<uint8_t> Finish() {
    Bit(1);
    while (bit_count_ % 8 != 0) Bit(0);
    return bytes_;
  }

 private:
  BitWriter& Bit(unsigned bit) {
    if (bit_count_ % 8 == 0) bytes_.push_back(0);
    if (bit) bytes_.back() |= static_cast<uint8_t>(0x80u >> (bit_count_ % 8));
    ++bit_count_;
    return *this;
  }

  std::vector<uint8_t> bytes_;
  size_t bit_count_ = 0;
};

// Inserts emulation-prevention bytes: 00 00 0x (x <= 3) becomes 00 00 03 0x,
// the inverse of media::RemoveEmulationPrevention.
inline std::vector<uint8_t> AddEmulationPrevention(const std::vector<uint8_t>& rbsp) {
  std::vector<uint8_t> out;
  int zeros = 0;
  for (uint8_t byte : rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return out;
}

}  // namespace livesnap::testing
