#include "snapshot/testing/test_jpeg.h"

#include <turbojpeg.h>

#include <memory>
#include <vector>

namespace livesnap::snapshot::testing {

namespace {

using TjDecompressor = std::unique_ptr<void, int (*)(tjhandle)>;

// The picture as RGB, and its header.
std::optional<std::vector<uint8_t>> DecodeRgb(tjhandle handle, std::span<const uint8_t> jpeg,
                                              DecodedJpeg& header) {
  const auto size = static_cast<unsigned long>(jpeg.size());
  int colorspace = 0;
  if (tjDecompressHeader3(handle, jpeg.data(), size, &header.width, &header.height,
                          &header.subsampling, &colorspace) != 0) {
    return std::nullopt;
  }
  std::vector<uint8_t> rgb(static_cast<size_t>(header.width) * header.height * 3);
  if (tjDecompress2(handle, jpeg.data(), size, rgb.data(), header.width, 0, header.height, TJPF_RGB,
                    TJFLAG_ACCURATEDCT) != 0) {
    return std::nullopt;
  }
  return rgb;
}

MeanRgb Mean(std::span<const uint8_t> rgb) {
  MeanRgb mean;
  for (size_t i = 0; i + 2 < rgb.size(); i += 3) {
    mean.r += rgb[i];
    mean.g += rgb[i + 1];
    mean.b += rgb[i + 2];
  }
  const auto n = static_cast<double>(rgb.size() / 3);
  return {mean.r / n, mean.g / n, mean.b / n};
}

}  // namespace

std::optional<MeanRgb> MeanRgbOfRows(std::span<const uint8_t> jpeg, int first_row, int rows) {
  TjDecompressor handle(tjInitDecompress(), &tjDestroy);
  if (handle == nullptr) return std::nullopt;
  DecodedJpeg header;
  std::optional<std::vector<uint8_t>> rgb = DecodeRgb(handle.get(), jpeg, header);
  if (!rgb.has_value() || first_row < 0 || rows <= 0 || first_row + rows > header.height) {
    return std::nullopt;
  }
  const size_t row_bytes = static_cast<size_t>(header.width) * 3;
  return Mean(std::span<const uint8_t>(*rgb).subspan(first_row * row_bytes, rows * row_bytes));
}

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

std::optional<DecodedJpeg> DecodeJpeg(std::string_view jpeg) {
  return DecodeJpeg(std::span(reinterpret_cast<const uint8_t*>(jpeg.data()), jpeg.size()));
}

}  // namespace livesnap::snapshot::testing
