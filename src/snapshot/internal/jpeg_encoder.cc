#include "snapshot/internal/jpeg_encoder.h"

#include <string>

namespace livesnap::snapshot::internal {

absl::StatusOr<std::unique_ptr<JpegEncoder>> JpegEncoder::Create() {
  TjHandlePtr handle(tjInitCompress());
  if (handle == nullptr) {
    return absl::InternalError(std::string("tjInitCompress: ") + tjGetErrorStr2(nullptr));
  }
  return std::unique_ptr<JpegEncoder>(new JpegEncoder(std::move(handle)));
}

absl::StatusOr<std::vector<uint8_t>> JpegEncoder::Encode(const YuvPlanes& planes, int quality) {
  if (quality < 1 || quality > 100) {
    return absl::InvalidArgumentError("JPEG quality " + std::to_string(quality) + " is not 1..100");
  }
  const unsigned long needed = tjBufSize(planes.width, planes.height, planes.subsampling);
  if (needed == static_cast<unsigned long>(-1)) {
    return absl::InvalidArgumentError("no JPEG of " + std::to_string(planes.width) + "x" +
                                      std::to_string(planes.height) + " (subsampling " +
                                      std::to_string(planes.subsampling) + ")");
  }
  if (buffer_bytes_ < needed) {
    buffer_.reset(tjAlloc(static_cast<int>(needed)));
    buffer_bytes_ = buffer_ == nullptr ? 0 : needed;
    if (buffer_ == nullptr) {
      return absl::ResourceExhaustedError("allocate a " + std::to_string(needed) +
                                          "-byte JPEG buffer");
    }
  }
  unsigned char* out = buffer_.get();
  unsigned long size = buffer_bytes_;
  // TurboJPEG 2.1 takes the plane pointers as non-const pointers to const data.
  const unsigned char* data[3] = {planes.data[0], planes.data[1], planes.data[2]};
  const int ret = tjCompressFromYUVPlanes(handle_.get(), data, planes.width, planes.stride,
                                          planes.height, planes.subsampling, &out, &size, quality,
                                          TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT);
  if (ret != 0) {
    return absl::InternalError(std::string("tjCompressFromYUVPlanes: ") +
                               tjGetErrorStr2(handle_.get()));
  }
  return std::vector<uint8_t>(out, out + size);
}

}  // namespace livesnap::snapshot::internal
