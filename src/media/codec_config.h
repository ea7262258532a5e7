// File: media/codec_config.h
//
// Decoder configuration records, the sequence headers of H.264 and HEVC
// streams in FLV/RTMP (and MP4's avcC/hvcC boxes): ISO/IEC 14496-15
// AVCDecoderConfigurationRecord (5.2.4.1) and HEVCDecoderConfigurationRecord
// (8.3.3.1). The parameter sets are copied out and the first SPS gives the
// picture size, profile and level (media/sps.h).
//
//   LS_ASSIGN_OR_RETURN(VideoConfig config, ParseAvcDecoderConfigurationRecord(tag.body),
//                       "sequence header");
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "media/codec.h"

namespace livesnap::media {

// Fills codec, nal_length_size, sps, pps, the size, profile and level of the
// first SPS, and `record` (a copy of the input). DataLoss when the record or
// a parameter set is cut short; InvalidArgument for a configurationVersion
// other than 1, a lengthSizeMinusOne of 2 (3-byte lengths), no SPS, or an
// SPS that does not parse.
absl::StatusOr<VideoConfig> ParseAvcDecoderConfigurationRecord(std::span<const uint8_t> record);

// As above for HEVC: the VPS/SPS/PPS arrays are kept, other arrays (SEI)
// skipped. configurationVersion 0 (written by some early muxers) is accepted;
// an Annex B start code is refused as not being a record.
absl::StatusOr<VideoConfig> ParseHevcDecoderConfigurationRecord(std::span<const uint8_t> record);

}  // namespace livesnap::media
