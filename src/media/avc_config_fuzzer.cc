// Fuzzes the AVCDecoderConfigurationRecord parser and, through it and
// directly, the H.264 SPS parser. Seeds: the records of a real ffmpeg push
// (corpus avc/).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "media/codec_config.h"
#include "media/sps.h"

using namespace livesnap::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  if (absl::StatusOr<VideoConfig> config = ParseAvcDecoderConfigurationRecord(input); config.ok()) {
    if (config->width <= 0 || config->height <= 0 || config->sps.empty()) std::abort();
    if (config->nal_length_size != 1 && config->nal_length_size != 2 &&
        config->nal_length_size != 4) {
      std::abort();
    }
    if (config->record.size() != size) std::abort();
  }
  // The input as an SPS NAL unit too (the seed's bytes after its header).
  if (absl::StatusOr<SpsInfo> info = ParseH264Sps(input); info.ok()) {
    if (info->width <= 0 || info->height <= 0) std::abort();
  }
  return 0;
}
