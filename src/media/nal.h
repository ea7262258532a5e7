// File: media/nal.h
//
// NAL units as FLV/RTMP and MP4 carry them: each prefixed by its size in
// nal_length_size (1, 2 or 4) big-endian bytes (ISO/IEC 14496-15). Used on
// every video frame, so nothing here allocates except
// RemoveEmulationPrevention (parameter sets only).
//
//   bool key = ContainsRandomAccessPicture(VideoCodec::kH264, 4, frame, &error);
//   LS_RETURN_IF_ERROR(ForEachNalUnit(4, frame, [&](auto nal) { ... }), "frame");
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
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

// nal_unit_type from the first header byte(s); REQUIRES: nal is non-empty
// (HEVC: at least one byte; the type is in the first).
inline int H264NalType(std::span<const uint8_t> nal) { return nal[0] & 0x1f; }
inline int HevcNalType(std::span<const uint8_t> nal) { return (nal[0] >> 1) & 0x3f; }

// The RBSP of a NAL unit: the bytes with every emulation-prevention byte
// (the 03 of 00 00 03) removed (H.264 7.4.1, HEVC 7.4.2).
std::vector<uint8_t> RemoveEmulationPrevention(std::span<const uint8_t> nal);

}  // namespace livesnap::media
