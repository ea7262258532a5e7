#include "tests/support/jpeg_probe.h"

#include <turbojpeg.h>

#include <vector>

namespace livesnap::testing {

std::optional<JpegSummary> ProbeJpeg(const std::string& bytes) {
  tjhandle handle = tjInitDecompress();
  if (handle == nullptr) return std::nullopt;
  auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto size = static_cast<unsigned long>(bytes.size());
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  std::optional<JpegSummary> summary;
  if (tjDecompressHeader3(handle, data, size, &width, &height, &subsampling, &colorspace) == 0) {
    std::vector<unsigned char> gray(static_cast<size_t>(width) * static_cast<size_t>(height));
    if (tjDecompress2(handle, data, size, gray.data(), width, 0, height, TJPF_GRAY, 0) == 0) {
      double sum = 0;
      for (unsigned char v : gray) sum += v;
      summary = JpegSummary{width, height, sum / static_cast<double>(gray.size())};
    }
  }
  tjDestroy(handle);
  return summary;
}

}  // namespace livesnap::testing
