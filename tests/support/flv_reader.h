// File: tests/support/flv_reader.h
//
// Reads the tags of an FLV file (FLV spec 10.1, annex E.2-E.4), for tests
// that check the media parsers on what the real ffmpeg muxer writes. The tag
// bodies are exactly what RTMP carries as audio/video message payloads.
//
//   absl::StatusOr<std::vector<FlvFileTag>> tags = ReadFlvFile(dir / "clip.flv");
//   for (const FlvFileTag& tag : *tags) if (tag.type == FlvFileTag::kVideo) ...
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "absl/status/statusor.h"

namespace livesnap::testing {

struct FlvFileTag {
  static constexpr uint8_t kAudio = 8;
  static constexpr uint8_t kVideo = 9;
  static constexpr uint8_t kScript = 18;

  uint8_t type = 0;
  uint32_t timestamp_ms = 0;  // with the extended (upper) byte
  std::vector<uint8_t> body;
};

// Every tag of the file in order. DataLoss for a file cut short (the tags
// before the cut are not returned), InvalidArgument for a missing FLV
// signature or an encrypted (filtered) tag.
absl::StatusOr<std::vector<FlvFileTag>> ParseFlv(const std::vector<uint8_t>& file);
absl::StatusOr<std::vector<FlvFileTag>> ReadFlvFile(const std::filesystem::path& path);

}  // namespace livesnap::testing
