// Fuzzes the HEVCDecoderConfigurationRecord parser and the HEVC SPS parser.
// Seeds: VPS/SPS/PPS NAL units of a libx265 encode (corpus hevc/). Each
// input is tried as a record, as an SPS, and wrapped as the SPS array of a
// record, so the NAL seeds reach the record parser's SPS path as well.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "media/codec_config.h"
#include "media/sps.h"

using namespace livesnap::media;

namespace {

void CheckConfig(const absl::StatusOr<VideoConfig>& config) {
  if (!config.ok()) return;
  if (config->width <= 0 || config->height <= 0 || config->sps.empty()) std::abort();
  if (config->nal_length_size != 1 && config->nal_length_size != 2 &&
      config->nal_length_size != 4) {
    std::abort();
  }
}

// A record whose only array holds `nal` as an SPS.
std::vector<uint8_t> WrapAsSpsArray(std::span<const uint8_t> nal) {
  std::vector<uint8_t> record = {0x01,
                                 0x01,
                                 0x60,
                                 0,
                                 0,
                                 0,
                                 0x90,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0x5d,
                                 0xf0,
                                 0x00,
                                 0xfc,
                                 0xfd,
                                 0xf8,
                                 0xf8,
                                 0x00,
                                 0x00,
                                 0x0f,
                                 0x01,
                                 0xa1,
                                 0x00,
                                 0x01,
                                 static_cast<uint8_t>(nal.size() >> 8),
                                 static_cast<uint8_t>(nal.size())};
  record.insert(record.end(), nal.begin(), nal.end());
  return record;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  CheckConfig(ParseHevcDecoderConfigurationRecord(input));
  if (absl::StatusOr<SpsInfo> info = ParseHevcSps(input); info.ok()) {
    if (info->width <= 0 || info->height <= 0) std::abort();
  }
  if (size <= 0xffff) CheckConfig(ParseHevcDecoderConfigurationRecord(WrapAsSpsArray(input)));
  return 0;
}
