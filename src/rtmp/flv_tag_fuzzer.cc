// Fuzzes what ingest runs on every RTMP audio/video message: the FLV tag
// header, then the record parser for a sequence header or the NAL walk for
// coded frames. Seeds: message bodies of a real ffmpeg push (corpus flv/).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "media/codec_config.h"
#include "media/nal.h"
#include "rtmp/flv_tag.h"

using namespace livesnap::media;
using namespace livesnap::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  if (absl::StatusOr<VideoTag> tag = ParseVideoTag(input); tag.ok()) {
    // The body is a view inside the input.
    if (tag->body.size() > size ||
        (!tag->body.empty() &&
         (tag->body.data() < data || tag->body.data() + tag->body.size() > data + size))) {
      std::abort();
    }
    if (tag->kind == VideoPacketKind::kSequenceHeader) {
      absl::StatusOr<VideoConfig> config = tag->codec == VideoCodec::kH264
                                               ? ParseAvcDecoderConfigurationRecord(tag->body)
                                               : ParseHevcDecoderConfigurationRecord(tag->body);
      if (config.ok() && (config->width <= 0 || config->height <= 0)) std::abort();
    } else if (tag->kind == VideoPacketKind::kCodedFrames) {
      for (int length_size : {1, 2, 4}) {
        size_t total = 0;
        const absl::Status walked = ForEachNalUnit(
            length_size, tag->body, [&](std::span<const uint8_t> nal) { total += nal.size(); });
        if (total > tag->body.size()) std::abort();
        absl::Status error;
        const bool key = ContainsRandomAccessPicture(tag->codec, length_size, tag->body, &error);
        if (key && !error.ok()) std::abort();
        if (walked.ok() != error.ok() && tag->codec != VideoCodec::kUnknown) std::abort();
      }
    }
  }
  if (absl::StatusOr<AudioTag> tag = ParseAudioTag(input); tag.ok()) {
    if (tag->body.size() > size) std::abort();
  }
  return 0;
}
