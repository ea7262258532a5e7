// File: rtmp/handshake.h
//
// The RTMP handshake (RTMP spec 5.2): C0/S0 carry the version (3), C1/S1
// and C2/S2 are 1536-byte blocks. Besides the plain handshake of the spec,
// Flash Player 9 and the encoders that copy it (ffmpeg, librtmp clients)
// send a C1 that carries an HMAC-SHA256 digest keyed with the Flash Player
// key at one of two offset schemas; such clients expect S1 to carry a digest
// keyed with the Flash Media Server key at the same schema, and S2 to be
// signed with a key derived from C1's digest. Both sides are here: the
// server's reply, and the client's C0C1 and C2 for tools and tests that
// publish.
//
//   HandshakeFlavor flavor = DetectHandshakeFlavor(c0c1.subspan(1));
//   LS_ASSIGN_OR_RETURN(std::vector<uint8_t> s0s1s2,
//                       MakeServerHandshake(c0c1, uptime_ms, fill_random), "handshake");
//
// Thread-safety: pure functions (fill_random is called on the caller's thread).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace livesnap::rtmp {

inline constexpr size_t kHandshakeSize = 1536;
inline constexpr uint8_t kRtmpVersion = 3;

enum class HandshakeFlavor { kPlain, kDigest };

// Fills its argument with random bytes.
using RandomSource = std::function<void(std::span<uint8_t>)>;

// kDigest when `c1` (1536 bytes) carries a valid Flash Player digest at
// either schema; kPlain otherwise (including a c1 of the wrong size).
HandshakeFlavor DetectHandshakeFlavor(std::span<const uint8_t> c1);

// S0 S1 S2 (3073 bytes) answering `c0c1` (1537 bytes). For a digest C1, S1
// carries the Flash Media Server digest at the client's schema and S2 the
// matching signature; for a plain C1, S2 echoes C1. InvalidArgument for a
// wrong size or a version other than 3 (an HTTP request or RTMPE/RTMFP).
absl::StatusOr<std::vector<uint8_t>> MakeServerHandshake(std::span<const uint8_t> c0c1,
                                                         uint32_t server_time_ms,
                                                         const RandomSource& fill_random);

// C0 C1 (1537 bytes) for a client; kDigest signs C1 as Flash Player 9 does.
std::vector<uint8_t> MakeClientHandshake(HandshakeFlavor flavor, uint32_t client_time_ms,
                                         const RandomSource& fill_random);

// C2 (1536 bytes) answering `s0s1s2` (3073 bytes) to the C1 sent. When C1
// carried a digest, S1's digest and S2's signature must validate (as Flash
// Player checks them); C2 is then signed from S1's digest. A plain C2
// echoes S1. InvalidArgument for a wrong size, version or digest.
absl::StatusOr<std::vector<uint8_t>> MakeClientC2(std::span<const uint8_t> c1,
                                                  std::span<const uint8_t> s0s1s2,
                                                  const RandomSource& fill_random);

}  // namespace livesnap::rtmp
