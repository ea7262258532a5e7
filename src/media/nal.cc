#include "media/nal.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace livesnap::media {
namespace {

bool IsValidLengthSize(int nal_length_size) {
  return nal_length_size == 1 || nal_length_size == 2 || nal_length_size == 4;
}

absl::Status InvalidLengthSize(int nal_length_size) {
  return absl::InvalidArgumentError(
      absl::StrCat("nal_length_size ", nal_length_size, " is not 1, 2 or 4"));
}

// Calls `visit(nal)` for each non-empty NAL unit. Returns OK, or DataLoss
// naming the offset of a length that runs beyond the data. A template so the
// per-frame keyframe check inlines its visitor.
template <typename Visitor>
absl::Status WalkNalUnits(int nal_length_size, std::span<const uint8_t> data, Visitor&& visit) {
  const size_t prefix = static_cast<size_t>(nal_length_size);
  size_t offset = 0;
  while (offset < data.size()) {
    if (data.size() - offset < prefix) {
      return absl::DataLossError(absl::StrCat("NAL length prefix at offset ", offset, ": ",
                                              data.size() - offset, " bytes left, need ", prefix));
    }
    uint32_t length = 0;
    for (size_t i = 0; i < prefix; ++i) length = (length << 8) | data[offset + i];
    offset += prefix;
    if (length > data.size() - offset) {
      return absl::DataLossError(absl::StrCat("NAL unit at offset ", offset - prefix, ": length ",
                                              length, " beyond the ", data.size() - offset,
                                              " bytes left"));
    }
    if (length > 0) visit(data.subspan(offset, length));
    offset += length;
  }
  return absl::OkStatus();
}

}  // namespace

bool ContainsRandomAccessPicture(VideoCodec codec, int nal_length_size,
                                 std::span<const uint8_t> data, absl::Status* error) {
  absl::Status status;
  bool found = false;
  if (!IsValidLengthSize(nal_length_size)) {
    status = InvalidLengthSize(nal_length_size);
  } else if (codec == VideoCodec::kH264) {
    // The whole access unit is walked even after an IDR is seen, so a frame
    // with a broken length is never called a keyframe.
    status = WalkNalUnits(nal_length_size, data, [&](std::span<const uint8_t> nal) {
      found = found || H264NalType(nal) == 5;
    });
  } else if (codec == VideoCodec::kHevc) {
    status = WalkNalUnits(nal_length_size, data, [&](std::span<const uint8_t> nal) {
      const int type = HevcNalType(nal);
      found = found || (type >= 16 && type <= 21);
    });
  } else {
    status = absl::InvalidArgumentError(
        absl::StrCat("no random-access rule for codec ", std::string(VideoCodecName(codec))));
  }
  if (error != nullptr) *error = status;
  return status.ok() && found;
}

absl::Status ForEachNalUnit(int nal_length_size, std::span<const uint8_t> data,
                            const std::function<void(std::span<const uint8_t>)>& visit) {
  if (!IsValidLengthSize(nal_length_size)) return InvalidLengthSize(nal_length_size);
  return WalkNalUnits(nal_length_size, data, visit);
}

std::vector<uint8_t> RemoveEmulationPrevention(std::span<const uint8_t> nal) {
  std::vector<uint8_t> rbsp;
  rbsp.reserve(nal.size());
  int zeros = 0;
  for (const uint8_t byte : nal) {
    if (zeros >= 2 && byte == 0x03) {
      zeros = 0;
      continue;
    }
    zeros = byte == 0 ? zeros + 1 : 0;
    rbsp.push_back(byte);
  }
  return rbsp;
}

}  // namespace livesnap::media
