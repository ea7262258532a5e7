#include "tests/support/flv_edit.h"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <vector>

#include "rtmp/flv_file.h"

namespace livesnap::testing {

namespace {

uint32_t Be(const std::vector<uint8_t>& d, size_t at, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | d[at + static_cast<size_t>(i)];
  return v;
}

// Flips bytes in the middle of every IDR slice NAL of an AVC NALU packet
// (the tag body at `body` of `body_size` bytes).
bool DamageSlices(std::vector<uint8_t>& d, size_t body, size_t body_size) {
  bool damaged = false;
  size_t p = body + 5;  // frame/codec byte, packet type, composition time
  const size_t end = body + body_size;
  while (p + 4 <= end) {
    const uint32_t nal_size = Be(d, p, 4);
    const size_t nal = p + 4;
    if (nal + nal_size > end || nal_size == 0) break;
    if ((d[nal] & 0x1F) == 5 && nal_size > 64) {
      for (size_t i = nal + 16; i < nal + nal_size - 8; i += 7) d[i] ^= 0xA5;
      damaged = true;
    }
    p = nal + nal_size;
  }
  return damaged;
}

}  // namespace

int CorruptKeyframes(const std::filesystem::path& in, const std::filesystem::path& out, int every) {
  absl::StatusOr<rtmp::FlvFile> file = rtmp::FlvFile::Read(in);
  if (!file.ok()) return 0;
  std::vector<uint8_t> d(file->bytes().begin(), file->bytes().end());
  int keyframe_index = 0, damaged = 0;
  for (const rtmp::FlvTag& tag : file->tags()) {
    // AVC keyframe (0x17) with AVCPacketType 1 (NALUs).
    if (tag.type == rtmp::FlvTag::kVideo && tag.body.size() > 5 && tag.body[0] == 0x17 &&
        tag.body[1] == 1) {
      const auto body = static_cast<size_t>(tag.body.data() - file->bytes().data());
      if (keyframe_index % every == 1 % every && DamageSlices(d, body, tag.body.size())) ++damaged;
      ++keyframe_index;
    }
  }
  std::ofstream(out, std::ios::binary)
      .write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
  return damaged;
}

}  // namespace livesnap::testing
