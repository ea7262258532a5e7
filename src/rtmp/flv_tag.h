// File: rtmp/flv_tag.h
//
// The bodies of FLV video and audio tags, which RTMP carries unchanged as
// video/audio messages: the legacy headers of the FLV spec (10.1, E.4.2/E.4.3)
// with the "codec id 12" HEVC extension, and Enhanced RTMP's FourCC headers
// (veovera enhanced-rtmp v1/v2: ExVideoTagHeader, ExAudioTagHeader, ModEx).
// Runs on every message of every stream: no allocations, results are views
// into the input.
//
//   LS_ASSIGN_OR_RETURN(VideoTag tag, ParseVideoTag(payload), "video message");
//   if (tag.kind == VideoPacketKind::kSequenceHeader) { /* tag.body: the record */ }
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "media/codec.h"

namespace livesnap::rtmp {

enum class VideoPacketKind { kSequenceHeader, kCodedFrames, kEndOfSequence, kMetadata, kOther };
enum class VideoFrameType {
  kKeyframe = 1,
  kInter = 2,
  kDisposable = 3,
  kGenerated = 4,
  kCommand = 5
};

struct VideoTag {
  media::VideoCodec codec = media::VideoCodec::kUnknown;
  VideoFrameType frame_type = VideoFrameType::kInter;
  VideoPacketKind kind = VideoPacketKind::kOther;
  int32_t composition_time_ms = 0;  // signed 24-bit (SI24); 0 where the format has none
  // kSequenceHeader: the decoder configuration record; kCodedFrames: the
  // length-prefixed NAL units; kMetadata: the AMF-encoded metadata; kOther:
  // what follows the header (a video command byte, another codec's data).
  std::span<const uint8_t> body;
  // True for an Enhanced RTMP (FourCC) header, false for the legacy one.
  bool enhanced = false;
};

// Parses the body of an FLV video tag / RTMP video message.
// - Legacy: FrameType(4) CodecID(4); for CodecID 7 (AVC) and 12 (HEVC) then
//   AVCPacketType (0 sequence header, 1 NAL units, 2 end of sequence) and an
//   SI24 composition time. Other codec ids: codec kUnknown, kind kOther.
// - Enhanced: IsExHeader(1) FrameType(3) PacketType(4), ModEx prefixes
//   skipped, then the FourCC ('avc1', 'hvc1'; any other: codec kUnknown,
//   kind kOther). CodedFrames of avc1/hvc1 carry an SI24 composition time,
//   CodedFramesX none. A command frame (FrameType 5) carries only a command
//   byte (kind kOther); so does a multitrack message (kind kOther).
// Errors: InvalidArgument for an empty payload or a reserved frame type;
// DataLoss for a header cut short. Both name the offset or value.
absl::StatusOr<VideoTag> ParseVideoTag(std::span<const uint8_t> payload);

struct AudioTag {
  media::AudioCodec codec = media::AudioCodec::kUnknown;
  bool sequence_header = false;  // AAC AudioSpecificConfig / enhanced SequenceStart
  // The AudioSpecificConfig (sequence header), the coded frame(s), or what
  // follows the header for other formats.
  std::span<const uint8_t> body;
};

// Parses the body of an FLV audio tag / RTMP audio message: SoundFormat 10
// (AAC, then AACPacketType), 2 and 14 (MP3), other legacy formats as kOther;
// SoundFormat 9 is Enhanced RTMP's ExAudioTagHeader (FourCC 'mp4a' AAC,
// '.mp3' MP3, others kOther). Errors as for ParseVideoTag.
absl::StatusOr<AudioTag> ParseAudioTag(std::span<const uint8_t> payload);

}  // namespace livesnap::rtmp
