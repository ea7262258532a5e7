// File: snapshot/internal/keyframe_decoder.h
//
// Decodes one keyframe (an H.264 IDR or HEVC IRAP access unit) into a
// picture with libavcodec, or fails: a picture with any sign of damage is
// never returned. The keyframe is sent, then the decoder is drained (a NULL
// packet), so the picture always comes out of a lone keyframe.
//
// Damage is caught by libavcodec's own checks (err_recognition with
// explode: a slice that does not parse fails the call), the picture's
// decode_error_flags and AV_FRAME_FLAG_CORRUPT, and a coverage check:
// picture buffers are pre-filled with a pattern decoding never produces
// (sample values 1, 254, 1, 254, ... at 8 bits; 0xFFFF beyond), and a picture
// in which a 16x16 block still holds it was not fully decoded (a slice that
// ended early or is missing: libavcodec's HEVC decoder reports nothing for
// that). H.264 error concealment stays on, as libavcodec's per-slice
// bookkeeping depends on it (with it off, every slice after the first of a
// picture counts as following a damaged one, so no keyframe of several
// slices, as x264 writes with sliced threads or slices=N, would decode); a
// picture in which it concealed anything is flagged CONCEALMENT_ACTIVE and
// refused like any other flagged picture. Bit errors that still
// parse into a complete picture cannot be told from valid data by any
// decoder unless the stream carries picture hashes (which are checked).
// HEVC lets more of those through than H.264: libavcodec's HEVC decoder
// checks little of the slice data, and with wavefront parallel processing a
// damaged CTU row does not disturb the rows after it.
//
// The decoder is kept between calls for the same configuration (codec and
// configuration record byte for byte) and opened anew for any other, after
// any failure, and after a keyframe that carried its own parameter sets
// differing from the record's (they replace the record's in the decoder).
//
//   KeyframeDecoder decoder;
//   LS_ASSIGN_OR_RETURN(FramePtr picture, decoder.Decode(*config, keyframe), "decode");
//
// Errors: FailedPrecondition when the configuration or the keyframe lacks a
// parameter set (SPS/PPS, and VPS for HEVC) or the codec is not H.264/HEVC;
// DataLoss for a keyframe that does not decode cleanly or whose length
// prefixes run past its end; InvalidArgument for an empty keyframe or a
// nal_length_size other than 1, 2, 4; ResourceExhausted when allocation fails.
//
// Thread-safety: not thread-safe; one per worker thread. libavcodec runs
// with one thread, on the caller's.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "media/codec.h"
#include "snapshot/internal/av_handles.h"

namespace livesnap::snapshot::internal {

class KeyframeDecoder {
 public:
  KeyframeDecoder();

  // The decoded picture, cropped to the display size; any pixel format the
  // codec produces (yuv420p, yuvj420p, yuv422p10le, ...).
  absl::StatusOr<FramePtr> Decode(const media::VideoConfig& config,
                                  std::span<const uint8_t> keyframe);

  // Number of times a decoder was opened (for tests and benchmarks).
  int64_t opens() const { return opens_; }

 private:
  absl::Status Open(const media::VideoConfig& config);
  absl::StatusOr<FramePtr> SendAndDrain(std::span<const uint8_t> keyframe);

  CodecContextPtr context_;
  media::VideoCodec open_codec_ = media::VideoCodec::kUnknown;
  std::vector<uint8_t> open_record_;
  PacketPtr packet_;
  int64_t opens_ = 0;
};

// Fills a picture buffer with the coverage pattern (see above). Exposed for
// tests.
void FillCoveragePattern(AVFrame& frame);

// True when no 16x16 block of the picture's luma still holds the coverage
// pattern.
bool FullyDecoded(const AVFrame& frame);

}  // namespace livesnap::snapshot::internal
