#include "rtmp/flv_tag.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "base/byte_reader.h"

namespace livesnap::rtmp {

using media::AudioCodec;
using media::VideoCodec;
namespace {

// Legacy VideoTagHeader CodecID values.
constexpr int kCodecIdAvc = 7;
constexpr int kCodecIdHevc = 12;  // not in the FLV spec; the CDN/OBS-fork extension
// Legacy AVCPacketType.
constexpr uint8_t kAvcSequenceHeader = 0;
constexpr uint8_t kAvcNalu = 1;
constexpr uint8_t kAvcEndOfSequence = 2;

// Enhanced RTMP VideoPacketType / AudioPacketType.
constexpr int kVideoSequenceStart = 0;
constexpr int kVideoCodedFrames = 1;
constexpr int kVideoSequenceEnd = 2;
constexpr int kVideoCodedFramesX = 3;
constexpr int kVideoMetadata = 4;
constexpr int kVideoMultitrack = 6;
constexpr int kVideoModEx = 7;
constexpr int kAudioSequenceStart = 0;
constexpr int kAudioMultitrack = 5;
constexpr int kAudioModEx = 7;
constexpr int kManyTracksManyCodecs = 2;  // AvMultitrackType: no shared FourCC

// Legacy SoundFormat.
constexpr int kSoundFormatMp3 = 2;
constexpr int kSoundFormatExHeader = 9;  // Enhanced RTMP v2
constexpr int kSoundFormatAac = 10;
constexpr int kSoundFormatMp3At8kHz = 14;

constexpr uint32_t FourCc(const char (&code)[5]) {
  return static_cast<uint32_t>(static_cast<uint8_t>(code[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(code[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(code[2])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(code[3]));
}

int32_t SignExtend24(uint32_t value) { return static_cast<int32_t>(value ^ 0x800000u) - 0x800000; }

absl::Status Truncated(std::string_view what, const ByteReader& reader, size_t need) {
  return absl::DataLossError(absl::StrCat(std::string(what), " truncated at offset ",
                                          reader.position(), ": need ", need, " more bytes, have ",
                                          reader.remaining()));
}

// Skips the ModEx prefixes of an enhanced header (v2): while `packet_type`
// is ModEx, a size-prefixed blob then a byte whose low nibble is the next
// packet type. Each round consumes at least two bytes, so it terminates.
absl::Status SkipModEx(ByteReader& reader, int mod_ex_type, int& packet_type,
                       std::string_view what) {
  while (packet_type == mod_ex_type) {
    uint8_t size_minus_one = 0;
    if (!reader.ReadU8(size_minus_one)) return Truncated(what, reader, 1);
    size_t size = size_minus_one + 1u;
    if (size == 256) {
      uint16_t size16_minus_one = 0;
      if (!reader.ReadU16(size16_minus_one)) return Truncated(what, reader, 2);
      size = size16_minus_one + 1u;
    }
    if (!reader.Skip(size)) return Truncated(what, reader, size);
    uint8_t types = 0;
    if (!reader.ReadU8(types)) return Truncated(what, reader, 1);
    packet_type = types & 0x0f;
  }
  return absl::OkStatus();
}

bool IsValidFrameType(int frame_type) { return frame_type >= 1 && frame_type <= 5; }

absl::Status ReservedFrameType(int frame_type, uint8_t first_byte) {
  return absl::InvalidArgumentError(
      absl::StrCat("reserved video frame type ", frame_type, " (header byte 0x",
                   absl::Hex(first_byte, absl::kZeroPad2), " at offset 0)"));
}

absl::StatusOr<VideoTag> ParseLegacyVideoTag(ByteReader& reader, uint8_t first_byte) {
  constexpr std::string_view kWhat = "AVC video header";
  VideoTag tag;
  const int frame_type = first_byte >> 4;
  const int codec_id = first_byte & 0x0f;
  if (!IsValidFrameType(frame_type)) return ReservedFrameType(frame_type, first_byte);
  tag.frame_type = static_cast<VideoFrameType>(frame_type);
  if (codec_id == kCodecIdAvc) tag.codec = VideoCodec::kH264;
  if (codec_id == kCodecIdHevc) tag.codec = VideoCodec::kHevc;
  if (tag.codec == VideoCodec::kUnknown || tag.frame_type == VideoFrameType::kCommand) {
    tag.body = reader.rest();  // another codec's data, or a command byte
    return tag;
  }
  uint8_t packet_type = 0;
  uint32_t composition_time = 0;
  if (reader.remaining() < 4) return Truncated(kWhat, reader, 4);
  reader.ReadU8(packet_type);
  reader.ReadU24(composition_time);
  switch (packet_type) {
    case kAvcSequenceHeader:
      tag.kind = VideoPacketKind::kSequenceHeader;
      break;
    case kAvcNalu:
      tag.kind = VideoPacketKind::kCodedFrames;
      break;
    case kAvcEndOfSequence:
      tag.kind = VideoPacketKind::kEndOfSequence;
      break;
    default:
      tag.kind = VideoPacketKind::kOther;
      break;
  }
  tag.composition_time_ms = SignExtend24(composition_time);
  tag.body = reader.rest();
  return tag;
}

VideoCodec VideoCodecFromFourCc(uint32_t fourcc) {
  if (fourcc == FourCc("avc1")) return VideoCodec::kH264;
  if (fourcc == FourCc("hvc1")) return VideoCodec::kHevc;
  return VideoCodec::kUnknown;
}

absl::StatusOr<VideoTag> ParseEnhancedVideoTag(ByteReader& reader, uint8_t first_byte) {
  constexpr std::string_view kWhat = "enhanced video header";
  VideoTag tag;
  tag.enhanced = true;
  const int frame_type = (first_byte >> 4) & 0x07;
  int packet_type = first_byte & 0x0f;
  if (absl::Status s = SkipModEx(reader, kVideoModEx, packet_type, kWhat); !s.ok()) return s;
  // A metadata packet ignores the frame type (enhanced-rtmp v2).
  if (packet_type != kVideoMetadata) {
    if (!IsValidFrameType(frame_type)) return ReservedFrameType(frame_type, first_byte);
    tag.frame_type = static_cast<VideoFrameType>(frame_type);
  }
  if (packet_type != kVideoMetadata && tag.frame_type == VideoFrameType::kCommand) {
    // A VideoCommand byte and nothing else; no FourCC.
    if (reader.empty()) return Truncated(kWhat, reader, 1);
    tag.body = reader.rest();
    return tag;
  }
  uint32_t fourcc = 0;
  if (packet_type == kVideoMultitrack) {
    // Tracks are not split here: the message as a whole is kOther.
    uint8_t types = 0;
    if (!reader.ReadU8(types)) return Truncated(kWhat, reader, 1);
    if ((types >> 4) != kManyTracksManyCodecs && !reader.ReadU32(fourcc)) {
      return Truncated(kWhat, reader, 4);
    }
    tag.codec = VideoCodecFromFourCc(fourcc);
    tag.body = reader.rest();
    return tag;
  }
  if (!reader.ReadU32(fourcc)) return Truncated(kWhat, reader, 4);
  tag.codec = VideoCodecFromFourCc(fourcc);
  if (tag.codec == VideoCodec::kUnknown) {
    tag.body = reader.rest();
    return tag;
  }
  switch (packet_type) {
    case kVideoSequenceStart:
      tag.kind = VideoPacketKind::kSequenceHeader;
      break;
    case kVideoCodedFrames: {
      uint32_t composition_time = 0;
      if (!reader.ReadU24(composition_time)) return Truncated(kWhat, reader, 3);
      tag.composition_time_ms = SignExtend24(composition_time);
      tag.kind = VideoPacketKind::kCodedFrames;
      break;
    }
    case kVideoCodedFramesX:
      tag.kind = VideoPacketKind::kCodedFrames;
      break;
    case kVideoSequenceEnd:
      tag.kind = VideoPacketKind::kEndOfSequence;
      break;
    case kVideoMetadata:
      tag.kind = VideoPacketKind::kMetadata;
      break;
    default:  // MPEG2TSSequenceStart and reserved types
      tag.kind = VideoPacketKind::kOther;
      break;
  }
  tag.body = reader.rest();
  return tag;
}

AudioCodec AudioCodecFromFourCc(uint32_t fourcc) {
  if (fourcc == FourCc("mp4a")) return AudioCodec::kAac;
  if (fourcc == FourCc(".mp3")) return AudioCodec::kMp3;
  return AudioCodec::kOther;
}

absl::StatusOr<AudioTag> ParseEnhancedAudioTag(ByteReader& reader, uint8_t first_byte) {
  constexpr std::string_view kWhat = "enhanced audio header";
  AudioTag tag;
  int packet_type = first_byte & 0x0f;
  if (absl::Status s = SkipModEx(reader, kAudioModEx, packet_type, kWhat); !s.ok()) return s;
  uint32_t fourcc = 0;
  if (packet_type == kAudioMultitrack) {
    uint8_t types = 0;
    if (!reader.ReadU8(types)) return Truncated(kWhat, reader, 1);
    if ((types >> 4) != kManyTracksManyCodecs && !reader.ReadU32(fourcc)) {
      return Truncated(kWhat, reader, 4);
    }
    tag.codec = AudioCodecFromFourCc(fourcc);
    tag.body = reader.rest();
    return tag;
  }
  if (!reader.ReadU32(fourcc)) return Truncated(kWhat, reader, 4);
  tag.codec = AudioCodecFromFourCc(fourcc);
  tag.sequence_header = packet_type == kAudioSequenceStart;
  tag.body = reader.rest();
  return tag;
}

}  // namespace

absl::StatusOr<VideoTag> ParseVideoTag(std::span<const uint8_t> payload) {
  ByteReader reader(payload);
  uint8_t first_byte = 0;
  if (!reader.ReadU8(first_byte)) return absl::InvalidArgumentError("empty video message");
  if (first_byte & 0x80) return ParseEnhancedVideoTag(reader, first_byte);
  return ParseLegacyVideoTag(reader, first_byte);
}

absl::StatusOr<AudioTag> ParseAudioTag(std::span<const uint8_t> payload) {
  ByteReader reader(payload);
  uint8_t first_byte = 0;
  if (!reader.ReadU8(first_byte)) return absl::InvalidArgumentError("empty audio message");
  const int sound_format = first_byte >> 4;
  if (sound_format == kSoundFormatExHeader) return ParseEnhancedAudioTag(reader, first_byte);
  AudioTag tag;
  switch (sound_format) {
    case kSoundFormatAac: {
      tag.codec = AudioCodec::kAac;
      uint8_t packet_type = 0;
      if (!reader.ReadU8(packet_type)) return Truncated("AAC audio header", reader, 1);
      tag.sequence_header = packet_type == 0;
      break;
    }
    case kSoundFormatMp3:
    case kSoundFormatMp3At8kHz:
      tag.codec = AudioCodec::kMp3;
      break;
    default:
      tag.codec = AudioCodec::kOther;
      break;
  }
  tag.body = reader.rest();
  return tag;
}

}  // namespace livesnap::rtmp
