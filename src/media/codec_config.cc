#include "media/codec_config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "base/byte_reader.h"
#include "base/status.h"
#include "media/sps.h"

namespace livesnap::media {
namespace {

constexpr int kHevcVps = 32;
constexpr int kHevcSps = 33;
constexpr int kHevcPps = 34;

absl::Status Truncated(std::string_view field, const ByteReader& reader, size_t need) {
  return absl::DataLossError(absl::StrCat("truncated at offset ", reader.position(), " reading ",
                                          std::string(field), ": need ", need, " bytes, have ",
                                          reader.remaining()));
}

// A parameter set: a 16-bit length then the NAL unit. `what` is e.g. "SPS 0".
absl::Status ReadParameterSet(ByteReader& reader, const std::string& what, Bytes* out) {
  const size_t offset = reader.position();
  uint16_t length = 0;
  if (!reader.ReadU16(length)) return Truncated(what + " length", reader, 2);
  std::span<const uint8_t> nal;
  if (!reader.ReadBytes(length, nal)) {
    return absl::DataLossError(absl::StrCat(what, " at offset ", offset, ": length ", length,
                                            " beyond the ", reader.remaining(), " bytes left"));
  }
  if (out == nullptr) return absl::OkStatus();
  if (nal.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " at offset ", offset, " is empty"));
  }
  out->assign(nal.begin(), nal.end());
  return absl::OkStatus();
}

absl::Status CheckLengthSize(int nal_length_size) {
  if (nal_length_size == 3) {
    return absl::InvalidArgumentError("lengthSizeMinusOne 2 (3-byte NAL lengths) is not allowed");
  }
  return absl::OkStatus();
}

void CopySpsInfo(const SpsInfo& info, VideoConfig& config) {
  config.width = info.width;
  config.height = info.height;
  config.profile = info.profile;
  config.level = info.level;
}

absl::StatusOr<VideoConfig> ParseAvcRecord(std::span<const uint8_t> record) {
  ByteReader reader(record);
  VideoConfig config;
  config.codec = VideoCodec::kH264;
  uint8_t version = 0;
  if (!reader.ReadU8(version)) return Truncated("configurationVersion", reader, 1);
  if (version != 1) {
    return absl::InvalidArgumentError(absl::StrCat("configurationVersion ", version, " is not 1"));
  }
  // AVCProfileIndication, profile_compatibility, AVCLevelIndication: the SPS
  // says the same.
  if (!reader.Skip(3)) return Truncated("profile and level", reader, 3);
  uint8_t length_size = 0;
  if (!reader.ReadU8(length_size)) return Truncated("lengthSizeMinusOne", reader, 1);
  config.nal_length_size = (length_size & 0x03) + 1;
  if (absl::Status s = CheckLengthSize(config.nal_length_size); !s.ok()) return s;
  uint8_t sps_count = 0;
  if (!reader.ReadU8(sps_count)) return Truncated("numOfSequenceParameterSets", reader, 1);
  sps_count &= 0x1f;
  config.sps.resize(sps_count);
  for (size_t i = 0; i < sps_count; ++i) {
    if (absl::Status s = ReadParameterSet(reader, absl::StrCat("SPS ", i), &config.sps[i]);
        !s.ok()) {
      return s;
    }
  }
  uint8_t pps_count = 0;
  if (!reader.ReadU8(pps_count)) return Truncated("numOfPictureParameterSets", reader, 1);
  config.pps.resize(pps_count);
  for (size_t i = 0; i < pps_count; ++i) {
    if (absl::Status s = ReadParameterSet(reader, absl::StrCat("PPS ", i), &config.pps[i]);
        !s.ok()) {
      return s;
    }
  }
  // What follows (the high profiles' chroma format and bit depths) repeats
  // the SPS.
  if (config.sps.empty()) return absl::InvalidArgumentError("no SPS");
  LS_ASSIGN_OR_RETURN(const SpsInfo info, ParseH264Sps(config.sps[0]), "SPS 0");
  CopySpsInfo(info, config);
  config.record.assign(record.begin(), record.end());
  return config;
}

bool StartsWithStartCode(std::span<const uint8_t> data) {
  if (data.size() >= 3 && data[0] == 0 && data[1] == 0 && data[2] == 1) return true;
  return data.size() >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 1;
}

absl::StatusOr<VideoConfig> ParseHevcRecord(std::span<const uint8_t> record) {
  if (StartsWithStartCode(record)) {
    return absl::InvalidArgumentError("starts with an Annex B start code, not a record");
  }
  ByteReader reader(record);
  VideoConfig config;
  config.codec = VideoCodec::kHevc;
  uint8_t version = 0;
  if (!reader.ReadU8(version)) return Truncated("configurationVersion", reader, 1);
  if (version > 1) {
    return absl::InvalidArgumentError(absl::StrCat("configurationVersion ", version, " is not 1"));
  }
  // general_profile_space .. avgFrameRate: 20 bytes the SPS repeats.
  if (!reader.Skip(20)) return Truncated("profile, level and format fields", reader, 20);
  uint8_t flags = 0;
  if (!reader.ReadU8(flags)) return Truncated("lengthSizeMinusOne", reader, 1);
  config.nal_length_size = (flags & 0x03) + 1;
  if (absl::Status s = CheckLengthSize(config.nal_length_size); !s.ok()) return s;
  uint8_t array_count = 0;
  if (!reader.ReadU8(array_count)) return Truncated("numOfArrays", reader, 1);
  for (int array = 0; array < array_count; ++array) {
    uint8_t type_byte = 0;
    uint16_t nal_count = 0;
    if (!reader.ReadU8(type_byte)) return Truncated("NAL_unit_type", reader, 1);
    if (!reader.ReadU16(nal_count)) return Truncated("numNalus", reader, 2);
    const int type = type_byte & 0x3f;
    std::vector<Bytes>* sets = type == kHevcVps   ? &config.vps
                               : type == kHevcSps ? &config.sps
                               : type == kHevcPps ? &config.pps
                                                  : nullptr;
    const char* name = type == kHevcVps   ? "VPS"
                       : type == kHevcSps ? "SPS"
                       : type == kHevcPps ? "PPS"
                                          : "NAL unit";
    for (int i = 0; i < nal_count; ++i) {
      Bytes* out = nullptr;
      if (sets != nullptr) out = &sets->emplace_back();
      if (absl::Status s = ReadParameterSet(
              reader, absl::StrCat(name, " ", i, " of array ", array, " (type ", type, ")"), out);
          !s.ok()) {
        return s;
      }
    }
  }
  if (config.sps.empty()) return absl::InvalidArgumentError("no SPS");
  LS_ASSIGN_OR_RETURN(const SpsInfo info, ParseHevcSps(config.sps[0]), "SPS 0");
  CopySpsInfo(info, config);
  config.record.assign(record.begin(), record.end());
  return config;
}

}  // namespace

absl::StatusOr<VideoConfig> ParseAvcDecoderConfigurationRecord(std::span<const uint8_t> record) {
  absl::StatusOr<VideoConfig> config = ParseAvcRecord(record);
  if (!config.ok()) return Annotate(config.status(), "AVCDecoderConfigurationRecord");
  return config;
}

absl::StatusOr<VideoConfig> ParseHevcDecoderConfigurationRecord(std::span<const uint8_t> record) {
  absl::StatusOr<VideoConfig> config = ParseHevcRecord(record);
  if (!config.ok()) return Annotate(config.status(), "HEVCDecoderConfigurationRecord");
  return config;
}

}  // namespace livesnap::media
