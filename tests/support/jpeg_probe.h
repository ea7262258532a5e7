// File: tests/support/jpeg_probe.h
//
// Decodes stored JPEGs in tests (libjpeg-turbo), so assertions are about
// what a viewer would see.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace livesnap::testing {

struct JpegSummary {
  int width = 0;
  int height = 0;
  double mean_gray = 0;  // 0..255 over the whole picture, full range
};

// nullopt when `bytes` is not a decodable JPEG.
std::optional<JpegSummary> ProbeJpeg(const std::string& bytes);

}  // namespace livesnap::testing
