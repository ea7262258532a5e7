#include "media/codec_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace livesnap::media {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Parameter sets of an x264 (High, 1280x720) and an x265 (Main, 1280x720)
// encode of testsrc2.
const Bytes kX264Sps = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05,
                        0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00,
                        0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60};
const Bytes kX264Pps = {0x68, 0xef, 0x8f, 0xcb};
const Bytes kX265Vps = {0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00,
                        0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d, 0x95, 0x94, 0x09};
const Bytes kX265Sps = {0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
                        0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d, 0xa0, 0x02, 0x80, 0x80,
                        0x2d, 0x16, 0x59, 0x59, 0x52, 0x93, 0x0b, 0xc0, 0x5a, 0x02, 0x00,
                        0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x10};
const Bytes kX265Pps = {0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89};
const Bytes kPrefixSei = {0x4e, 0x01, 0x05, 0x01, 0x00, 0x80};

void AppendWithLength(Bytes& out, const Bytes& nal) {
  out.push_back(static_cast<uint8_t>(nal.size() >> 8));
  out.push_back(static_cast<uint8_t>(nal.size()));
  out.insert(out.end(), nal.begin(), nal.end());
}

Bytes AvcRecord(const std::vector<Bytes>& sps, const std::vector<Bytes>& pps,
                uint8_t length_size_byte = 0xff) {
  Bytes record = {
      0x01, 0x64, 0x00, 0x1f, length_size_byte, static_cast<uint8_t>(0xe0 | sps.size())};
  for (const Bytes& nal : sps) AppendWithLength(record, nal);
  record.push_back(static_cast<uint8_t>(pps.size()));
  for (const Bytes& nal : pps) AppendWithLength(record, nal);
  return record;
}

using NalArray = std::pair<uint8_t, std::vector<Bytes>>;  // type byte, units

Bytes HevcRecord(const std::vector<NalArray>& arrays, uint8_t flags = 0x0f,
                 uint8_t version = 0x01) {
  // version, profile, compatibility(4), constraints(6), level, min_spatial_segmentation(2),
  // parallelismType, chromaFormat, bit depths(2), avgFrameRate(2), flags, numOfArrays.
  Bytes record = {version,
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
                  flags,
                  static_cast<uint8_t>(arrays.size())};
  for (const auto& [type, nals] : arrays) {
    record.push_back(type);
    record.push_back(static_cast<uint8_t>(nals.size() >> 8));
    record.push_back(static_cast<uint8_t>(nals.size()));
    for (const Bytes& nal : nals) AppendWithLength(record, nal);
  }
  return record;
}

Bytes X265Record() {
  return HevcRecord(
      {{0xa0, {kX265Vps}}, {0xa1, {kX265Sps}}, {0xa2, {kX265Pps}}, {0x27, {kPrefixSei}}});
}

TEST(ParseAvcDecoderConfigurationRecordTest, RealX264Record) {
  const Bytes record = AvcRecord({kX264Sps}, {kX264Pps});
  absl::StatusOr<VideoConfig> config = ParseAvcDecoderConfigurationRecord(record);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->codec, VideoCodec::kH264);
  EXPECT_EQ(config->nal_length_size, 4);
  EXPECT_THAT(config->sps, ElementsAre(kX264Sps));
  EXPECT_THAT(config->pps, ElementsAre(kX264Pps));
  EXPECT_TRUE(config->vps.empty());
  EXPECT_EQ(config->width, 1280);
  EXPECT_EQ(config->height, 720);
  EXPECT_EQ(config->profile, "High");
  EXPECT_EQ(config->level, 31);
  EXPECT_EQ(config->record, record);
}

TEST(ParseAvcDecoderConfigurationRecordTest, LengthSizes) {
  EXPECT_EQ(
      ParseAvcDecoderConfigurationRecord(AvcRecord({kX264Sps}, {kX264Pps}, 0xfc))->nal_length_size,
      1);
  EXPECT_EQ(
      ParseAvcDecoderConfigurationRecord(AvcRecord({kX264Sps}, {kX264Pps}, 0xfd))->nal_length_size,
      2);
  // Reserved bits written as zeros by some muxers are not checked.
  EXPECT_EQ(
      ParseAvcDecoderConfigurationRecord(AvcRecord({kX264Sps}, {kX264Pps}, 0x03))->nal_length_size,
      4);
  absl::StatusOr<VideoConfig> config =
      ParseAvcDecoderConfigurationRecord(AvcRecord({kX264Sps}, {kX264Pps}, 0xfe));
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("lengthSizeMinusOne 2"));
}

TEST(ParseAvcDecoderConfigurationRecordTest, SeveralParameterSetsAndTrailingExtension) {
  Bytes second_sps = kX264Sps;
  second_sps[3] = 0x28;  // level 4.0
  Bytes record = AvcRecord({kX264Sps, second_sps}, {kX264Pps, {0x68, 0x01}, {0x68, 0x02}});
  record.insert(record.end(), {0xfd, 0xf8, 0xf8, 0x00});  // High profile fields
  absl::StatusOr<VideoConfig> config = ParseAvcDecoderConfigurationRecord(record);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->sps.size(), 2u);
  EXPECT_EQ(config->pps.size(), 3u);
  EXPECT_EQ(config->level, 31);  // from the first SPS
  EXPECT_EQ(config->record, record);
}

TEST(ParseAvcDecoderConfigurationRecordTest, StructuralErrors) {
  Bytes record = AvcRecord({kX264Sps}, {kX264Pps});
  record[0] = 0;
  absl::StatusOr<VideoConfig> config = ParseAvcDecoderConfigurationRecord(record);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()),
              StartsWith("AVCDecoderConfigurationRecord: configurationVersion 0"));

  config = ParseAvcDecoderConfigurationRecord(AvcRecord({}, {kX264Pps}));
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("no SPS"));

  config = ParseAvcDecoderConfigurationRecord(AvcRecord({{}}, {kX264Pps}));
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("SPS 0 at offset 6 is empty"));

  EXPECT_FALSE(ParseAvcDecoderConfigurationRecord({}).ok());
}

TEST(ParseAvcDecoderConfigurationRecordTest, SpsLengthBeyondTheData) {
  Bytes record = AvcRecord({kX264Sps}, {kX264Pps});
  record[6] = 0x01;  // SPS length 0x011a = 282
  absl::StatusOr<VideoConfig> config = ParseAvcDecoderConfigurationRecord(record);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("SPS 0 at offset 6: length 282 beyond the"));
}

TEST(ParseAvcDecoderConfigurationRecordTest, EveryTruncationIsAnError) {
  const Bytes record = AvcRecord({kX264Sps}, {kX264Pps});
  for (size_t size = 0; size < record.size(); ++size) {
    absl::StatusOr<VideoConfig> config =
        ParseAvcDecoderConfigurationRecord(std::span(record).first(size));
    EXPECT_FALSE(config.ok()) << size;
  }
}

TEST(ParseAvcDecoderConfigurationRecordTest, GarbageSpsIsAnError) {
  absl::StatusOr<VideoConfig> config = ParseAvcDecoderConfigurationRecord(
      AvcRecord({{0x67, 0x64, 0x00, 0x1f, 0xe0, 0, 0, 0, 0, 0}}, {kX264Pps}));
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("SPS 0: H.264 SPS: bit_depth_chroma_minus8"));
  // A PPS where the SPS belongs.
  config = ParseAvcDecoderConfigurationRecord(AvcRecord({kX264Pps}, {kX264Pps}));
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseHevcDecoderConfigurationRecordTest, RealX265ParameterSets) {
  const Bytes record = X265Record();
  absl::StatusOr<VideoConfig> config = ParseHevcDecoderConfigurationRecord(record);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->codec, VideoCodec::kHevc);
  EXPECT_EQ(config->nal_length_size, 4);
  EXPECT_THAT(config->vps, ElementsAre(kX265Vps));
  EXPECT_THAT(config->sps, ElementsAre(kX265Sps));
  EXPECT_THAT(config->pps, ElementsAre(kX265Pps));  // the SEI array is skipped
  EXPECT_EQ(config->width, 1280);
  EXPECT_EQ(config->height, 720);
  EXPECT_EQ(config->profile, "Main");
  EXPECT_EQ(config->level, 93);
  EXPECT_EQ(config->record, record);
}

TEST(ParseHevcDecoderConfigurationRecordTest, LengthSizeAndVersion) {
  const std::vector<NalArray> arrays = {{0x21, {kX265Sps}}};
  EXPECT_EQ(ParseHevcDecoderConfigurationRecord(HevcRecord(arrays, 0xfc))->nal_length_size, 1);
  EXPECT_EQ(ParseHevcDecoderConfigurationRecord(HevcRecord(arrays, 0xfd))->nal_length_size, 2);
  EXPECT_EQ(ParseHevcDecoderConfigurationRecord(HevcRecord(arrays, 0xfe)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ParseHevcDecoderConfigurationRecord(HevcRecord(arrays, 0x0f, 0)).ok());
  absl::StatusOr<VideoConfig> config =
      ParseHevcDecoderConfigurationRecord(HevcRecord(arrays, 0x0f, 2));
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("configurationVersion 2"));
}

TEST(ParseHevcDecoderConfigurationRecordTest, StructuralErrors) {
  absl::StatusOr<VideoConfig> config =
      ParseHevcDecoderConfigurationRecord(HevcRecord({{0x20, {kX265Vps}}, {0x22, {kX265Pps}}}));
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("no SPS"));

  Bytes annex_b = {0, 0, 0, 1};
  annex_b.insert(annex_b.end(), kX265Vps.begin(), kX265Vps.end());
  config = ParseHevcDecoderConfigurationRecord(annex_b);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("Annex B"));

  // An SPS array holding a garbage SPS.
  config = ParseHevcDecoderConfigurationRecord(HevcRecord({{0x21, {{0x42, 0x01, 0x01}}}}));
  EXPECT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("SPS 0: HEVC SPS"));
}

TEST(ParseHevcDecoderConfigurationRecordTest, NalLengthBeyondTheData) {
  Bytes record = X265Record();
  // The SPS array starts after the 23-byte header and the VPS array (3 + 2 + 24).
  const size_t sps_length_offset = 23 + 3 + 2 + kX265Vps.size() + 3;
  ASSERT_EQ(record[sps_length_offset + 1], kX265Sps.size());
  record[sps_length_offset] = 0x10;
  absl::StatusOr<VideoConfig> config = ParseHevcDecoderConfigurationRecord(record);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("SPS 0 of array 1 (type 33) at offset 55: length 4139 beyond the"));
}

TEST(ParseHevcDecoderConfigurationRecordTest, EveryTruncationIsAnError) {
  const Bytes record = X265Record();
  for (size_t size = 0; size < record.size(); ++size) {
    EXPECT_FALSE(ParseHevcDecoderConfigurationRecord(std::span(record).first(size)).ok()) << size;
  }
}

}  // namespace
}  // namespace livesnap::media
