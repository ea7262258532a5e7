// File: base/byte_reader.h
//
// Bounds-checked big-endian reads over a byte span, for the protocol parsers.
// Every read reports failure instead of reading past the end, so a parser
// written with it cannot overrun its input:
//
//   ByteReader r(payload);
//   uint32_t size = 0;
//   if (!r.ReadU24(size)) return absl::DataLossError("truncated tag header");
//
// Thread-safety: a ByteReader is a cursor; use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace livesnap {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

  bool ReadU8(uint8_t& out) { return ReadBigEndian(1, out); }
  bool ReadU16(uint16_t& out) { return ReadBigEndian(2, out); }
  bool ReadU24(uint32_t& out) { return ReadBigEndian(3, out); }
  bool ReadU32(uint32_t& out) { return ReadBigEndian(4, out); }
  bool ReadU64(uint64_t& out) { return ReadBigEndian(8, out); }
  bool ReadU32LittleEndian(uint32_t& out) {
    if (remaining() < 4) return false;
    out = 0;
    for (int i = 3; i >= 0; --i) out = (out << 8) | data_[pos_ + static_cast<size_t>(i)];
    pos_ += 4;
    return true;
  }
  bool ReadBytes(size_t n, std::span<const uint8_t>& out) {
    if (remaining() < n) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool ReadString(size_t n, std::string_view& out) {
    std::span<const uint8_t> bytes;
    if (!ReadBytes(n, bytes)) return false;
    out = std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return true;
  }
  bool Skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

 private:
  template <typename T>
  bool ReadBigEndian(size_t n, T& out) {
    if (remaining() < n) return false;
    T value = 0;
    for (size_t i = 0; i < n; ++i) value = static_cast<T>((value << 8) | data_[pos_ + i]);
    pos_ += n;
    out = value;
    return true;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

}  // namespace livesnap
