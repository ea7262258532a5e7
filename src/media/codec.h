// File: media/codec.h
//
// The codec vocabulary shared by ingest protocols and consumers: which codec
// a stream carries and the decoder configuration (parameter sets, picture
// size) parsed from its sequence header.
//
// Thread-safety: plain values; a VideoConfig is immutable once published
// (shared as std::shared_ptr<const VideoConfig>).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livesnap::media {

enum class VideoCodec { kUnknown, kH264, kHevc };
enum class AudioCodec { kUnknown, kAac, kMp3, kOther };

std::string_view VideoCodecName(VideoCodec codec);  // "H.264", "HEVC", "unknown"
std::string_view AudioCodecName(AudioCodec codec);  // "AAC", "MP3", ...

using Bytes = std::vector<uint8_t>;

// Decoder configuration of a video stream, from an AVCDecoderConfigurationRecord
// or an HEVCDecoderConfigurationRecord.
struct VideoConfig {
  VideoCodec codec = VideoCodec::kUnknown;
  int nal_length_size = 4;  // bytes of the length prefix before each NAL unit
  std::vector<Bytes> vps;   // HEVC only
  std::vector<Bytes> sps;
  std::vector<Bytes> pps;
  int width = 0;  // from the first SPS (cropping applied); 0 when unknown
  int height = 0;
  std::string profile;  // e.g. "High", "Main", "Main 10"
  int level = 0;        // level_idc (H.264) or general_level_idc (HEVC)
  Bytes record;         // the configuration record as received (libavcodec extradata)
};

}  // namespace livesnap::media
