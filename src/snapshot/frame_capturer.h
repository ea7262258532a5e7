// File: snapshot/frame_capturer.h
//
// Turns one keyframe of a live stream into a JPEG: decode with libavcodec
// (H.264, HEVC), convert to JPEG's full-range 8-bit BT.601 YCbCr (libswscale
// when scaling or for more than 8 bits; sources tagged BT.709 or BT.2020
// converted to BT.601), compress with TurboJPEG from the planes. A
// keyframe that does not decode, or decodes only in part, gives an error and
// never a picture, so no grey or green frame is produced (how damage is
// detected, and what cannot be: internal/keyframe_decoder.h).
//
//   LS_ASSIGN_OR_RETURN(std::unique_ptr<FrameCapturer> capturer, FrameCapturer::Create(), "");
//   absl::StatusOr<CapturedImage> image =
//       capturer->Capture(*config, keyframe_bytes, {.quality = 80, .width = 640});
//
// The decoder is kept while consecutive captures use the same configuration
// (a stream's captures usually do) and replaced for another one. Create
// also sends libav*'s log lines to spdlog (debug level) instead of stderr.
//
// Errors (each naming what failed): InvalidArgument for options out of range
// or a malformed keyframe; FailedPrecondition for a codec other than
// H.264/HEVC or missing parameter sets; DataLoss for a keyframe that does not
// decode cleanly; Internal/ResourceExhausted when a library fails.
//
// Thread-safety: not thread-safe; create one per worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "media/codec.h"

namespace livesnap::snapshot {

namespace internal {
class JpegEncoder;
class KeyframeDecoder;
class PictureConverter;
}  // namespace internal

struct CaptureOptions {
  int quality = 80;  // JPEG quality, 1..100
  // Output size in pixels; 0 = the source's. With only one of them set the
  // other follows the aspect ratio. A scaled image has even dimensions.
  int width = 0;
  int height = 0;
};

struct CapturedImage {
  std::vector<uint8_t> jpeg;
  int width = 0;
  int height = 0;
};

class FrameCapturer {
 public:
  static absl::StatusOr<std::unique_ptr<FrameCapturer>> Create();
  ~FrameCapturer();
  FrameCapturer(const FrameCapturer&) = delete;
  FrameCapturer& operator=(const FrameCapturer&) = delete;

  // `keyframe`: the NAL units of one random-access picture, each prefixed by
  // its length in config.nal_length_size bytes, as media::VideoFrame carries
  // them. `config.record` (the avcC/hvcC record) configures the decoder.
  absl::StatusOr<CapturedImage> Capture(const media::VideoConfig& config,
                                        std::span<const uint8_t> keyframe,
                                        const CaptureOptions& options = {});

  // Number of decoders opened so far (for tests and benchmarks).
  int64_t decoder_opens() const;

 private:
  FrameCapturer(std::unique_ptr<internal::KeyframeDecoder> decoder,
                std::unique_ptr<internal::PictureConverter> converter,
                std::unique_ptr<internal::JpegEncoder> encoder);

  std::unique_ptr<internal::KeyframeDecoder> decoder_;
  std::unique_ptr<internal::PictureConverter> converter_;
  std::unique_ptr<internal::JpegEncoder> encoder_;
};

}  // namespace livesnap::snapshot
