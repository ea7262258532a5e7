#include "tests/support/flv_reader.h"

#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/byte_reader.h"

namespace livesnap::testing {

absl::StatusOr<std::vector<FlvFileTag>> ParseFlv(const std::vector<uint8_t>& file) {
  ByteReader reader(file);
  std::string_view signature;
  uint8_t version = 0, flags = 0;
  uint32_t header_size = 0;
  if (!reader.ReadString(3, signature) || signature != "FLV" || !reader.ReadU8(version) ||
      !reader.ReadU8(flags) || !reader.ReadU32(header_size)) {
    return absl::InvalidArgumentError("not an FLV file: no 9-byte FLV header");
  }
  if (header_size < 9 || !reader.Skip(header_size - 9)) {
    return absl::DataLossError(absl::StrCat("FLV header size ", header_size, " beyond the file"));
  }
  std::vector<FlvFileTag> tags;
  uint32_t previous_tag_size = 0;
  if (!reader.ReadU32(previous_tag_size)) return absl::DataLossError("no PreviousTagSize0");
  while (!reader.empty()) {
    const size_t offset = reader.position();
    uint8_t type = 0, timestamp_extended = 0;
    uint32_t data_size = 0, timestamp = 0, stream_id = 0;
    std::span<const uint8_t> body;
    if (!reader.ReadU8(type) || !reader.ReadU24(data_size) || !reader.ReadU24(timestamp) ||
        !reader.ReadU8(timestamp_extended) || !reader.ReadU24(stream_id) ||
        !reader.ReadBytes(data_size, body) || !reader.ReadU32(previous_tag_size)) {
      return absl::DataLossError(absl::StrCat("FLV tag at offset ", offset, " cut short"));
    }
    if (type & 0x20) {
      return absl::InvalidArgumentError(absl::StrCat("FLV tag at offset ", offset, " is filtered"));
    }
    FlvFileTag& tag = tags.emplace_back();
    tag.type = type & 0x1f;
    tag.timestamp_ms = (uint32_t{timestamp_extended} << 24) | timestamp;
    tag.body.assign(body.begin(), body.end());
  }
  return tags;
}

absl::StatusOr<std::vector<FlvFileTag>> ReadFlvFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path.string()));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  return ParseFlv(bytes);
}

}  // namespace livesnap::testing
