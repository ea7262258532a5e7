// File: tools/loadgen/write_profile.h
//
// How a load-generator stream cuts what is due into send calls, after the
// client it plays (livesnap-loadgen --profile), so that a server is measured
// under what encoders send rather than under a friendlier pattern:
//
//   ffmpeg   FFmpeg's RTMP muxer (ff_rtmp_packet_write): a message's chunk
//            header, each chunk's payload and each 1-byte continuation
//            header are separate writes; Nagle left on (FFmpeg's tcp
//            protocol does not set TCP_NODELAY by default).
//   obs      OBS's librtmp (RTMP_SendPacket): one write per chunk, its
//            header in front of its payload; Nagle left on (m_bUseNagle).
//   batched  everything due in a tick in one sendmsg, TCP_NODELAY: the
//            cheapest pattern a server can be given, which no encoder uses.
//
// docs/BENCHMARKS.md compares each with the real client under strace.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace livesnap::loadgen {

enum class WriteProfile { kFfmpeg, kObs, kBatched };

// At most this many buffers go into one sendmsg.
inline constexpr size_t kMaxWriteBuffers = 64;

std::string_view WriteProfileName(WriteProfile profile);
// nullopt for a name that is none of "ffmpeg", "obs", "batched".
std::optional<WriteProfile> ParseWriteProfile(std::string_view name);
// Whether the profile's sockets set TCP_NODELAY.
bool SetsNoDelay(WriteProfile profile);

// The send calls `profile` makes of a batch of buffers, as the end index of
// each, in order. payload_follows[i] says that buffer i is a chunk header
// whose payload is buffer i + 1; any other buffer (a payload, a block of
// control messages) stands alone.
std::vector<size_t> SendBoundaries(WriteProfile profile, const std::vector<bool>& payload_follows);

}  // namespace livesnap::loadgen
