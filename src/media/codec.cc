#include "media/codec.h"

namespace livesnap::media {

std::string_view VideoCodecName(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::kH264:
      return "H.264";
    case VideoCodec::kHevc:
      return "HEVC";
    case VideoCodec::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view AudioCodecName(AudioCodec codec) {
  switch (codec) {
    case AudioCodec::kAac:
      return "AAC";
    case AudioCodec::kMp3:
      return "MP3";
    case AudioCodec::kOther:
      return "other";
    case AudioCodec::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace livesnap::media
