// File: media/bit_reader.h
//
// Reads a bit string most significant bit first, with the Exp-Golomb codes
// (ue(v), se(v)) of H.264/HEVC parameter sets (H.264 9.1, HEVC 9.2). Every
// read reports failure instead of reading past the end:
//
//   BitReader r(rbsp);
//   uint32_t profile_idc = 0, sps_id = 0;
//   if (!r.ReadBits(8, profile_idc) || !r.ReadUe(sps_id)) return truncated;
//
// The input is an RBSP: emulation-prevention bytes already removed
// (media/nal.h RemoveEmulationPrevention).
//
// Thread-safety: a BitReader is a cursor; use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace livesnap::media {

class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}

  size_t bits_left() const { return data_.size() * 8 - position_; }
  // Bits read so far.
  size_t position() const { return position_; }

  // Reads `count` (0..32) bits as an unsigned number. On failure nothing is
  // consumed and `out` is unchanged.
  bool ReadBits(int count, uint32_t& out);
  bool ReadFlag(bool& out);
  bool SkipBits(size_t count);
  // ue(v): up to 2^32 - 2. False when truncated or when the code has more
  // than 31 leading zeros (its value would not fit in 32 bits).
  bool ReadUe(uint32_t& out);
  // se(v): -(2^31 - 1) .. 2^31 - 1.
  bool ReadSe(int32_t& out);

 private:
  std::span<const uint8_t> data_;
  size_t position_ = 0;
};

}  // namespace livesnap::media
