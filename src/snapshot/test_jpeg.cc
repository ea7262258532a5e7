#include "snapshot/test_jpeg.h"

#include <turbojpeg.h>

#include <memory>
#include <vector>

namespace livesnap::snapshot::testing {

std::optional<DecodedJpeg> DecodeJpeg(std::span<const uint8_t> jpeg) {
  std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitDecompress(), &tjDestroy);
  if (handle == nullptr) return std::nullopt;
  const auto size = static_cast<unsigned long>(jpeg.size());
  DecodedJpeg out;
  int colorspace = 0;
  if (tjDecompressHeader3(handle.get(), jpeg.data(), size, &out.width, &out.height,
                          &out.subsampling, &colorspace) != 0) {
    return std::nullopt;
  }
  const size_t pixels = static_cast<size_t>(out.width) * static_cast<size_t>(out.height);
  std::vector<uint8_t> rgb(pixels * 3);
  std::vector<uint8_t> gray(pixels);
  if (tjDecompress2(handle.get(), jpeg.data(), size, rgb.data(), out.width, 0, out.height, TJPF_RGB,
                    TJFLAG_ACCURATEDCT) != 0 ||
      tjDecompress2(handle.get(), jpeg.data(), size, gray.data(), out.width, 0, out.height,
                    TJPF_GRAY, TJFLAG_ACCURATEDCT) != 0) {
    return std::nullopt;
  }
  for (size_t i = 0; i < pixels; ++i) {
    out.mean.r += rgb[3 * i];
    out.mean.g += rgb[3 * i + 1];
    out.mean.b += rgb[3 * i + 2];
    out.mean_gray += gray[i];
  }
  const auto n = static_cast<double>(pixels);
  out.mean = {out.mean.r / n, out.mean.g / n, out.mean.b / n};
  out.mean_gray /= n;
  return out;
}

}  // namespace livesnap::snapshot::testing
