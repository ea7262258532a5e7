// File: snapshot/internal/jpeg_encoder.h
//
// JPEG compression with TurboJPEG straight from 8-bit full-range YCbCr
// planes (no RGB round trip), with the accurate DCT. The output buffer is
// kept between calls and grown when a bigger picture needs it.
//
//   LS_ASSIGN_OR_RETURN(auto encoder, JpegEncoder::Create(), "jpeg");
//   LS_ASSIGN_OR_RETURN(std::vector<uint8_t> jpeg, encoder->Encode(planes, 80), "compress");
//
// Errors: InvalidArgument for a quality outside 1..100; Internal with
// TurboJPEG's message when compression fails.
//
// Thread-safety: not thread-safe; one per worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "snapshot/internal/av_handles.h"
#include "snapshot/internal/picture_converter.h"

namespace livesnap::snapshot::internal {

class JpegEncoder {
 public:
  static absl::StatusOr<std::unique_ptr<JpegEncoder>> Create();

  absl::StatusOr<std::vector<uint8_t>> Encode(const YuvPlanes& planes, int quality);

 private:
  explicit JpegEncoder(TjHandlePtr handle) : handle_(std::move(handle)) {}

  TjHandlePtr handle_;
  TjBufferPtr buffer_;
  unsigned long buffer_bytes_ = 0;
};

}  // namespace livesnap::snapshot::internal
