// File: rtmp/flv_file.h
//
// An FLV file (FLV spec 10.1, annex E) read once into memory; its tags are
// views into that one buffer, so every stream the load generator pushes
// sends the same bytes without copying them.
//
//   absl::StatusOr<FlvFile> file = FlvFile::Read("clip.flv");
//   for (const FlvTag& tag : file->tags()) ...
//
// Thread-safety: immutable after Read/Parse; share it freely.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace livesnap::rtmp {

struct FlvTag {
  static constexpr uint8_t kAudio = 8;
  static constexpr uint8_t kVideo = 9;
  static constexpr uint8_t kScript = 18;

  uint8_t type = 0;           // kAudio, kVideo or kScript
  uint32_t timestamp_ms = 0;  // with the extended (upper) byte
  std::span<const uint8_t> body;
};

class FlvFile {
 public:
  // InvalidArgument without the FLV signature or for an encrypted (filtered)
  // tag; DataLoss for a file cut inside a tag. Errors name the offset.
  static absl::StatusOr<FlvFile> Parse(std::vector<uint8_t> bytes);
  // Parse of the file's contents; NotFound/Unavailable name the path.
  static absl::StatusOr<FlvFile> Read(const std::filesystem::path& path);

  const std::vector<FlvTag>& tags() const { return tags_; }
  size_t size_bytes() const { return bytes_->size(); }
  // The whole file; tags' bodies point into it.
  std::span<const uint8_t> bytes() const { return *bytes_; }

 private:
  FlvFile(std::shared_ptr<const std::vector<uint8_t>> bytes, std::vector<FlvTag> tags)
      : bytes_(std::move(bytes)), tags_(std::move(tags)) {}

  std::shared_ptr<const std::vector<uint8_t>> bytes_;  // what tags_ point into
  std::vector<FlvTag> tags_;
};

}  // namespace livesnap::rtmp
