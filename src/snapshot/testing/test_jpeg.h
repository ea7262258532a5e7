// File: snapshot/testing/test_jpeg.h
//
// Decodes a snapshot in tests the way a viewer sees it (TurboJPEG, RGB), so
// assertions are about colours on screen rather than YCbCr samples.
//
//   std::optional<DecodedJpeg> jpeg = DecodeJpeg(image.jpeg);
//   EXPECT_GE(jpeg->mean.r, 246);  // red stayed red
//   std::optional<MeanRgb> top = MeanRgbOfRows(image.jpeg, 0, 16);
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace livesnap::snapshot::testing {

struct MeanRgb {
  double r = 0;
  double g = 0;
  double b = 0;
};

struct DecodedJpeg {
  int width = 0;
  int height = 0;
  int subsampling = -1;  // TJSAMP_*
  MeanRgb mean;          // 0..255 per channel over the whole picture
  double mean_gray = 0;  // 0..255, TurboJPEG's own grayscale decode
};

// nullopt when `jpeg` is not a decodable JPEG.
std::optional<DecodedJpeg> DecodeJpeg(std::span<const uint8_t> jpeg);
// The same for bytes read from a file or fetched over HTTP or S3.
std::optional<DecodedJpeg> DecodeJpeg(std::string_view jpeg);

// Mean colour of the rows [first_row, first_row + rows) of `jpeg`; nullopt
// when it does not decode or has no such rows.
std::optional<MeanRgb> MeanRgbOfRows(std::span<const uint8_t> jpeg, int first_row, int rows);

}  // namespace livesnap::snapshot::testing
