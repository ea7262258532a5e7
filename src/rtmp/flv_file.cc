#include "rtmp/flv_file.h"

#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace livesnap::rtmp {

namespace {

uint32_t U24(const uint8_t* p) { return uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2]; }

uint32_t U32(const uint8_t* p) { return uint32_t{p[0]} << 24 | U24(p + 1); }

}  // namespace

absl::StatusOr<FlvFile> FlvFile::Parse(std::vector<uint8_t> bytes) {
  constexpr size_t kTagHeaderSize = 11;
  auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  const std::vector<uint8_t>& b = *owned;
  if (b.size() < 9 || b[0] != 'F' || b[1] != 'L' || b[2] != 'V') {
    return absl::InvalidArgumentError("not an FLV file: no FLV signature");
  }
  const size_t header_size = U32(&b[5]);
  if (header_size < 9 || header_size > b.size()) {
    return absl::InvalidArgumentError(absl::StrCat("FLV header size ", header_size));
  }
  std::vector<FlvTag> tags;
  size_t at = header_size + 4;  // PreviousTagSize0
  while (at < b.size()) {
    if (b.size() - at < kTagHeaderSize) {
      return absl::DataLossError(absl::StrCat("FLV tag header cut short at offset ", at));
    }
    const uint8_t* h = &b[at];
    if (h[0] & 0x20) {
      return absl::InvalidArgumentError(absl::StrCat("encrypted FLV tag at offset ", at));
    }
    const uint32_t size = U24(h + 1);
    if (b.size() - at - kTagHeaderSize < size) {
      return absl::DataLossError(
          absl::StrCat("FLV tag of ", size, " bytes at offset ", at, " cut short"));
    }
    FlvTag tag;
    tag.type = h[0] & 0x1F;
    tag.timestamp_ms = U24(h + 4) | uint32_t{h[7]} << 24;
    tag.body = std::span<const uint8_t>(b).subspan(at + kTagHeaderSize, size);
    tags.push_back(tag);
    at += kTagHeaderSize + size + 4;  // the tag, then its PreviousTagSize
  }
  return FlvFile(std::move(owned), std::move(tags));
}

absl::StatusOr<FlvFile> FlvFile::Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path.string()));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return absl::UnavailableError(absl::StrCat("cannot read ", path.string()));
  absl::StatusOr<FlvFile> file = Parse(std::move(bytes));
  if (!file.ok()) {
    return absl::Status(file.status().code(),
                        absl::StrCat(path.string(), ": ", file.status().message()));
  }
  return file;
}

}  // namespace livesnap::rtmp
