// File: media/nal.h
//
// NAL units as FLV/RTMP and MP4 carry them: each prefixed by its size in
// nal_length_size (1, 2 or 4) big-endian bytes (ISO/IEC 14496-15); and as
// MPEG-TS carries them, after Annex B start codes. Used on
// every video frame, so nothing here allocates except
// RemoveEmulationPrevention (parameter sets only).
//
//   bool key = ContainsRandomAccessPicture(VideoCodec::kH264, 4, frame, &error);
//   LS_RETURN_IF_ERROR(ForEachNalUnit(4, frame, [&](auto nal) { ... }), "frame");
//   ForEachAnnexBNalUnit(pes_payload, [&](auto nal) { ... });  // MPEG-TS
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "media/codec.h"

namespace livesnap::media {

// True when the access unit holds a random-access picture: an H.264 IDR
// slice (nal_unit_type 5) or an HEVC IRAP picture (nal_unit_type 16..21:
// BLA, IDR, CRA). A malformed length (beyond the data), an invalid
// nal_length_size or a codec without NAL units gives false, with `*error`
// saying why when `error` is non-null; `*error` is OK otherwise.
bool ContainsRandomAccessPicture(VideoCodec codec, int nal_length_size,
                                 std::span<const uint8_t> data, absl::Status* error = nullptr);

// Visits each NAL unit (without its length prefix) in order. Zero-length
// units are skipped. InvalidArgument for a nal_length_size other than 1, 2
// or 4; DataLoss when a length runs beyond the data (units before it have
// been visited).
absl::Status ForEachNalUnit(int nal_length_size, std::span<const uint8_t> data,
                            const std::function<void(std::span<const uint8_t>)>& visit);

// Visits each NAL unit of an Annex B byte stream (H.264 Annex B, as
// MPEG-TS carries it): the bytes after each 00 00 01 start code up to the
// next one, without the zeros before it (a 4-byte start code's, or
// trailing_zero_8bits). Bytes before the first start code are skipped.
// memchr finds each candidate 0x01 (about one byte in 256 of coded slice
// data), so the scan costs a fraction of a byte-by-byte one. A template:
// it runs on every access unit of every SRT stream.
template <typename Visit>
void ForEachAnnexBNalUnit(std::span<const uint8_t> stream, Visit visit) {
  const uint8_t* const d = stream.data();
  const size_t n = stream.size();
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t start = kNone;  // the current NAL unit's first byte
  size_t one = 2;        // where a start code's 0x01 may be
  while (one < n) {
    const void* found = std::memchr(d + one, 1, n - one);
    if (found == nullptr) break;
    one = static_cast<size_t>(static_cast<const uint8_t*>(found) - d);
    if (d[one - 1] != 0 || d[one - 2] != 0) {
      ++one;
      continue;
    }
    if (start != kNone) {
      size_t end = one - 2;
      while (end > start && d[end - 1] == 0) --end;
      if (end > start) visit(stream.subspan(start, end - start));
    }
    start = one + 1;
    one = start + 2;
  }
  if (start != kNone && start < n) visit(stream.subspan(start));
}

// nal_unit_type from the first header byte(s); REQUIRES: nal is non-empty
// (HEVC: at least one byte; the type is in the first).
inline int H264NalType(std::span<const uint8_t> nal) { return nal[0] & 0x1f; }
inline int HevcNalType(std::span<const uint8_t> nal) { return (nal[0] >> 1) & 0x3f; }

// The RBSP of a NAL unit: the bytes with every emulation-prevention byte
// (the 03 of 00 00 03) removed (H.264 7.4.1, HEVC 7.4.2).
std::vector<uint8_t> RemoveEmulationPrevention(std::span<const uint8_t> nal);

}  // namespace livesnap::media
