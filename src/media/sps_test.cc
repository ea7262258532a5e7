#include "media/sps.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "tests/support/bit_writer.h"

namespace livesnap::media {
namespace {

using ::livesnap::testing::AddEmulationPrevention;
using ::livesnap::testing::BitWriter;
using ::testing::HasSubstr;

// From an x264 encode of testsrc2 at 1280x720 (-preset veryfast): High, level 3.1.
const std::vector<uint8_t> kX264Sps720p = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05,
                                           0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00,
                                           0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60};
// From an x265 encode of testsrc2 at 1280x720: Main, level 3.1. Its
// profile_tier_level holds emulation-prevention bytes before the size.
const std::vector<uint8_t> kX265Sps720p = {
    0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x03, 0x00, 0x5d, 0xa0, 0x02, 0x80, 0x80, 0x2d, 0x16, 0x59, 0x59, 0x52, 0x93, 0x0b, 0xc0,
    0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x10};

struct H264Fields {
  uint32_t profile_idc = 100;
  uint32_t constraint_flags = 0;
  uint32_t level_idc = 40;
  uint32_t chroma_format_idc = 1;
  bool separate_colour_plane = false;
  int scaling_lists = 0;  // how many scaling lists to send (0: no matrix)
  uint32_t pic_order_cnt_type = 0;
  uint32_t width_in_mbs = 120;
  uint32_t height_in_map_units = 68;
  bool frame_mbs_only = true;
  bool cropping = true;
  std::array<uint32_t, 4> crop = {0, 0, 0, 4};  // left, right, top, bottom
};

// Mirrors the decoder's scaling_list(): deltas of +1, and at `stop_at` a
// delta back to 0, which ends the list early ("use the default").
void WriteScalingList(BitWriter& w, int size, int stop_at) {
  int last_scale = 8, next_scale = 8;
  for (int j = 0; j < size; ++j) {
    if (next_scale != 0) {
      const int delta = j == stop_at ? -last_scale : 1;
      w.Se(delta);
      next_scale = (last_scale + delta + 256) % 256;
    }
    if (next_scale != 0) last_scale = next_scale;
  }
}

std::vector<uint8_t> BuildH264Sps(const H264Fields& f) {
  BitWriter w;
  w.Bits(8, f.profile_idc).Bits(8, f.constraint_flags).Bits(8, f.level_idc).Ue(0);
  if (f.profile_idc == 100 || f.profile_idc == 110 || f.profile_idc == 122 ||
      f.profile_idc == 244) {
    w.Ue(f.chroma_format_idc);
    if (f.chroma_format_idc == 3) w.Flag(f.separate_colour_plane);
    w.Ue(0).Ue(0).Flag(false);
    w.Flag(f.scaling_lists > 0);
    if (f.scaling_lists > 0) {
      for (int i = 0; i < f.scaling_lists; ++i) {
        w.Flag(i % 3 != 2);  // some lists absent
        if (i % 3 != 2) WriteScalingList(w, i < 6 ? 16 : 64, i == 1 ? 5 : -1);
      }
    }
  }
  w.Ue(0);  // log2_max_frame_num_minus4
  w.Ue(f.pic_order_cnt_type);
  if (f.pic_order_cnt_type == 0) w.Ue(2);
  if (f.pic_order_cnt_type == 1) w.Flag(false).Se(-3).Se(5).Ue(3).Se(1).Se(-1).Se(200000);
  w.Ue(4).Flag(false);  // max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
  w.Ue(f.width_in_mbs - 1).Ue(f.height_in_map_units - 1).Flag(f.frame_mbs_only);
  if (!f.frame_mbs_only) w.Flag(true);
  w.Flag(true).Flag(f.cropping);
  if (f.cropping) w.Ue(f.crop[0]).Ue(f.crop[1]).Ue(f.crop[2]).Ue(f.crop[3]);
  w.Flag(false);  // vui_parameters_present_flag
  std::vector<uint8_t> nal = {0x67};
  const std::vector<uint8_t> rbsp = AddEmulationPrevention(w.Finish());
  nal.insert(nal.end(), rbsp.begin(), rbsp.end());
  return nal;
}

SpsInfo ParseH264OrDie(const H264Fields& fields) {
  absl::StatusOr<SpsInfo> info = ParseH264Sps(BuildH264Sps(fields));
  EXPECT_TRUE(info.ok()) << info.status();
  return info.value_or(SpsInfo{});
}

TEST(ParseH264SpsTest, RealX264Sps) {
  absl::StatusOr<SpsInfo> info = ParseH264Sps(kX264Sps720p);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->width, 1280);
  EXPECT_EQ(info->height, 720);
  EXPECT_EQ(info->profile, "High");
  EXPECT_EQ(info->level, 31);
}

TEST(ParseH264SpsTest, ConstrainedBaselineWithCropping) {
  H264Fields f;
  f.profile_idc = 66;
  f.constraint_flags = 0xc0;
  f.level_idc = 30;
  f.width_in_mbs = 40;
  f.height_in_map_units = 23;  // 368 rows, 8 cropped: crop unit 2 in 4:2:0
  f.crop = {0, 0, 0, 4};
  SpsInfo info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 360);
  EXPECT_EQ(info.profile, "Constrained Baseline");
  EXPECT_EQ(info.level, 30);
  f.constraint_flags = 0;
  EXPECT_EQ(ParseH264OrDie(f).profile, "Baseline");
}

TEST(ParseH264SpsTest, CropUnitsFollowChromaFormat) {
  H264Fields f;
  f.width_in_mbs = 54;  // 864
  f.height_in_map_units = 30;
  f.crop = {1, 4, 0, 0};  // 4:2:0: 2 samples per unit
  SpsInfo info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 854);
  EXPECT_EQ(info.height, 480);

  f.chroma_format_idc = 2;  // 4:2:2: 2 across, 1 down
  f.profile_idc = 122;
  f.width_in_mbs = 41;
  f.height_in_map_units = 23;
  f.crop = {0, 7, 0, 6};
  info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 642);
  EXPECT_EQ(info.height, 362);
  EXPECT_EQ(info.profile, "High 4:2:2");

  f.chroma_format_idc = 3;  // 4:4:4: 1 and 1
  f.profile_idc = 244;
  f.width_in_mbs = 45;
  f.height_in_map_units = 25;
  f.crop = {4, 10, 1, 1};
  info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 706);
  EXPECT_EQ(info.height, 398);
  EXPECT_EQ(info.profile, "High 4:4:4 Predictive");

  f.separate_colour_plane = true;  // ChromaArrayType 0: 1 and 1
  info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 706);
  EXPECT_EQ(info.height, 398);

  f.chroma_format_idc = 0;  // monochrome: 1 and 1
  f.profile_idc = 100;
  f.separate_colour_plane = false;
  info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 706);
  EXPECT_EQ(info.height, 398);
}

TEST(ParseH264SpsTest, FieldCodingDoublesHeightAndCropUnit) {
  H264Fields f;
  f.frame_mbs_only = false;
  f.width_in_mbs = 120;
  f.height_in_map_units = 34;  // 68 macroblock rows per frame
  f.crop = {0, 0, 0, 2};       // 4:2:0 field: 4 rows per unit
  SpsInfo info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 1920);
  EXPECT_EQ(info.height, 1080);

  f.chroma_format_idc = 0;  // monochrome field: 2 rows per unit
  f.crop = {0, 0, 0, 4};
  info = ParseH264OrDie(f);
  EXPECT_EQ(info.height, 1080);
}

TEST(ParseH264SpsTest, ScalingListsAreSkipped) {
  H264Fields f;
  f.scaling_lists = 8;
  f.width_in_mbs = 80;
  f.height_in_map_units = 45;
  f.cropping = false;
  SpsInfo info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 1280);
  EXPECT_EQ(info.height, 720);
  f.chroma_format_idc = 3;
  f.profile_idc = 244;
  f.scaling_lists = 12;  // 4:4:4 sends six 8x8 lists
  info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 1280);
  EXPECT_EQ(info.height, 720);
}

TEST(ParseH264SpsTest, PicOrderCountTypesOneAndTwo) {
  H264Fields f;
  f.pic_order_cnt_type = 1;
  SpsInfo info = ParseH264OrDie(f);
  EXPECT_EQ(info.width, 1920);
  EXPECT_EQ(info.height, 1080);
  f.pic_order_cnt_type = 2;
  info = ParseH264OrDie(f);
  EXPECT_EQ(info.height, 1080);
}

TEST(ParseH264SpsTest, ProfileNames) {
  H264Fields f;
  f.profile_idc = 77;
  EXPECT_EQ(ParseH264OrDie(f).profile, "Main");
  f.profile_idc = 110;
  EXPECT_EQ(ParseH264OrDie(f).profile, "High 10");
  f.constraint_flags = 0x10;
  EXPECT_EQ(ParseH264OrDie(f).profile, "High 10 Intra");
  f.profile_idc = 88;
  EXPECT_EQ(ParseH264OrDie(f).profile, "Extended");
  f.profile_idc = 7;
  EXPECT_EQ(ParseH264OrDie(f).profile, "profile 7");
}

TEST(ParseH264SpsTest, EmulationPreventionIsRemoved) {
  // profile_idc 0, no constraint flags, level_idc 1: the RBSP starts
  // 00 00 01, which the NAL unit must carry as 00 00 03 01.
  H264Fields f;
  f.profile_idc = 0;
  f.constraint_flags = 0;
  f.level_idc = 1;
  const std::vector<uint8_t> nal = BuildH264Sps(f);
  ASSERT_THAT(std::span(nal).first(5), ::testing::ElementsAre(0x67, 0x00, 0x00, 0x03, 0x01));
  absl::StatusOr<SpsInfo> info = ParseH264Sps(nal);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->level, 1);
  EXPECT_EQ(info->profile, "profile 0");
  EXPECT_EQ(info->width, 1920);
  EXPECT_EQ(info->height, 1080);
}

TEST(ParseH264SpsTest, WrongNalTypeOrEmptyIsRejected) {
  EXPECT_EQ(ParseH264Sps(std::vector<uint8_t>{0x68, 0xee, 0x3c, 0x80}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseH264Sps({}).status().code(), absl::StatusCode::kDataLoss);
  std::vector<uint8_t> forbidden = kX264Sps720p;
  forbidden[0] |= 0x80;
  EXPECT_EQ(ParseH264Sps(forbidden).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseH264SpsTest, TruncationIsDataLossNamingTheField) {
  const std::vector<uint8_t> full = BuildH264Sps(H264Fields{});
  for (size_t size : {1, 2, 3, 4, 5, 6}) {
    absl::StatusOr<SpsInfo> info = ParseH264Sps(std::span(full).first(size));
    ASSERT_FALSE(info.ok()) << size;
    EXPECT_EQ(info.status().code(), absl::StatusCode::kDataLoss) << info.status();
    EXPECT_THAT(std::string(info.status().message()), HasSubstr("truncated at bit"));
  }
  absl::StatusOr<SpsInfo> info = ParseH264Sps(std::span(full).first(2));
  EXPECT_THAT(std::string(info.status().message()), HasSubstr("reading constraint_set_flags"));
}

TEST(ParseH264SpsTest, OutOfRangeValuesAreInvalid) {
  H264Fields f;
  f.chroma_format_idc = 4;
  absl::StatusOr<SpsInfo> info = ParseH264Sps(BuildH264Sps(f));
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(info.status().message()),
              HasSubstr("chroma_format_idc 4 out of range 0..3"));

  f = H264Fields{};
  f.width_in_mbs = 2000;
  info = ParseH264Sps(BuildH264Sps(f));
  EXPECT_THAT(std::string(info.status().message()),
              HasSubstr("pic_width_in_mbs_minus1 1999 out of range"));

  f = H264Fields{};
  f.frame_mbs_only = false;
  f.height_in_map_units = 600;  // 1200 macroblock rows
  info = ParseH264Sps(BuildH264Sps(f));
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(info.status().message()), HasSubstr("frame height 1200"));

  f = H264Fields{};
  f.crop = {500, 460, 0, 0};  // 2 * 960 = the whole width
  info = ParseH264Sps(BuildH264Sps(f));
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(info.status().message()),
              HasSubstr("frame_crop_left/right_offset 500+460"));

  f = H264Fields{};
  f.crop = {0, 0, 0xfffffffe, 0xfffffffe};  // would overflow 32 bits
  info = ParseH264Sps(BuildH264Sps(f));
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseH264SpsTest, GarbageIsAnErrorNotACrash) {
  // seq_parameter_set_id followed by 40 zero bits: no Exp-Golomb code.
  absl::StatusOr<SpsInfo> info =
      ParseH264Sps(std::vector<uint8_t>{0x67, 0x64, 0x00, 0x1f, 0xe0, 0, 0, 0, 0, 0, 0x80});
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(info.status().message()), HasSubstr("longer than 32 bits"));
  // Random bytes: an error or a bounded size, never undefined behaviour.
  std::mt19937 random(42);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> nal(1 + random() % 40);
    for (uint8_t& byte : nal) byte = static_cast<uint8_t>(random());
    nal[0] = 0x67;
    info = ParseH264Sps(nal);
    if (info.ok()) {
      EXPECT_GT(info->width, 0);
      EXPECT_GT(info->height, 0);
      EXPECT_LE(info->width, 16880);
      EXPECT_LE(info->height, 16880);
    }
  }
}

struct HevcFields {
  uint32_t max_sub_layers_minus1 = 0;
  std::array<bool, 7> sub_layer_profile_present = {};
  std::array<bool, 7> sub_layer_level_present = {};
  uint32_t profile_idc = 1;
  uint32_t compatibility_flags = 0x60000000;  // Main and Main 10
  uint32_t level_idc = 120;
  uint32_t chroma_format_idc = 1;
  bool separate_colour_plane = false;
  uint32_t width = 1920;
  uint32_t height = 1088;
  bool conformance_window = true;
  std::array<uint32_t, 4> window = {0, 0, 0, 4};
};

std::vector<uint8_t> BuildHevcSps(const HevcFields& f) {
  BitWriter w;
  w.Bits(4, 0).Bits(3, f.max_sub_layers_minus1).Flag(true);
  w.Bits(2, 0).Flag(false).Bits(5, f.profile_idc).Bits(32, f.compatibility_flags);
  w.Bits(4, 0b1001).Bits(44, 0).Bits(8, f.level_idc);
  for (uint32_t i = 0; i < f.max_sub_layers_minus1; ++i) {
    w.Flag(f.sub_layer_profile_present[i]).Flag(f.sub_layer_level_present[i]);
  }
  if (f.max_sub_layers_minus1 > 0) w.Bits(2 * (8 - f.max_sub_layers_minus1), 0);
  for (uint32_t i = 0; i < f.max_sub_layers_minus1; ++i) {
    if (f.sub_layer_profile_present[i]) w.Bits(8, 0x01).Bits(32, 0x40000000).Bits(48, 0xffff);
    if (f.sub_layer_level_present[i]) w.Bits(8, 90);
  }
  w.Ue(0).Ue(f.chroma_format_idc);
  if (f.chroma_format_idc == 3) w.Flag(f.separate_colour_plane);
  w.Ue(f.width).Ue(f.height).Flag(f.conformance_window);
  if (f.conformance_window) w.Ue(f.window[0]).Ue(f.window[1]).Ue(f.window[2]).Ue(f.window[3]);
  w.Ue(0).Ue(0).Ue(4);  // bit depths, log2_max_pic_order_cnt_lsb_minus4: not read
  std::vector<uint8_t> nal = {0x42, 0x01};
  const std::vector<uint8_t> rbsp = AddEmulationPrevention(w.Finish());
  nal.insert(nal.end(), rbsp.begin(), rbsp.end());
  return nal;
}

SpsInfo ParseHevcOrDie(const HevcFields& fields) {
  absl::StatusOr<SpsInfo> info = ParseHevcSps(BuildHevcSps(fields));
  EXPECT_TRUE(info.ok()) << info.status();
  return info.value_or(SpsInfo{});
}

TEST(ParseHevcSpsTest, RealX265Sps) {
  absl::StatusOr<SpsInfo> info = ParseHevcSps(kX265Sps720p);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->width, 1280);
  EXPECT_EQ(info->height, 720);
  EXPECT_EQ(info->profile, "Main");
  EXPECT_EQ(info->level, 93);
}

TEST(ParseHevcSpsTest, ConformanceWindowFollowsChromaFormat) {
  HevcFields f;
  SpsInfo info = ParseHevcOrDie(f);
  EXPECT_EQ(info.width, 1920);
  EXPECT_EQ(info.height, 1080);
  EXPECT_EQ(info.profile, "Main");
  EXPECT_EQ(info.level, 120);

  f.width = 856;
  f.height = 480;
  f.window = {0, 1, 0, 0};  // 4:2:0: 2 samples per unit
  info = ParseHevcOrDie(f);
  EXPECT_EQ(info.width, 854);
  EXPECT_EQ(info.height, 480);

  f.chroma_format_idc = 2;  // 4:2:2: 2 across, 1 down
  f.width = 648;
  f.height = 368;
  f.window = {1, 2, 3, 3};
  info = ParseHevcOrDie(f);
  EXPECT_EQ(info.width, 642);
  EXPECT_EQ(info.height, 362);

  f.chroma_format_idc = 3;  // 4:4:4: 1 and 1
  f.window = {1, 2, 3, 3};
  info = ParseHevcOrDie(f);
  EXPECT_EQ(info.width, 645);
  EXPECT_EQ(info.height, 362);
  f.separate_colour_plane = true;
  info = ParseHevcOrDie(f);
  EXPECT_EQ(info.width, 645);

  f.chroma_format_idc = 0;  // 4:0:0: 1 and 1
  info = ParseHevcOrDie(f);
  EXPECT_EQ(info.width, 645);
  EXPECT_EQ(info.height, 362);

  f.conformance_window = false;
  info = ParseHevcOrDie(f);
  EXPECT_EQ(info.width, 648);
  EXPECT_EQ(info.height, 368);
}

TEST(ParseHevcSpsTest, SubLayersInProfileTierLevel) {
  HevcFields f;
  f.max_sub_layers_minus1 = 2;
  f.sub_layer_profile_present = {true, false};
  f.sub_layer_level_present = {true, true};
  SpsInfo info = ParseHevcOrDie(f);
  EXPECT_EQ(info.width, 1920);
  EXPECT_EQ(info.height, 1080);
  EXPECT_EQ(info.level, 120);
  f.max_sub_layers_minus1 = 6;
  f.sub_layer_profile_present = {true, true, true, true, true, true};
  f.sub_layer_level_present = {false, true, false, true, false, true};
  info = ParseHevcOrDie(f);
  EXPECT_EQ(info.width, 1920);
  EXPECT_EQ(info.height, 1080);
}

TEST(ParseHevcSpsTest, ProfileNames) {
  HevcFields f;
  f.profile_idc = 2;
  EXPECT_EQ(ParseHevcOrDie(f).profile, "Main 10");
  f.profile_idc = 3;
  EXPECT_EQ(ParseHevcOrDie(f).profile, "Main Still Picture");
  f.profile_idc = 4;
  EXPECT_EQ(ParseHevcOrDie(f).profile, "Rext");
  f.profile_idc = 0;  // signalled only by compatibility: flag 2 is bit 29
  f.compatibility_flags = 1u << 29;
  EXPECT_EQ(ParseHevcOrDie(f).profile, "Main 10");
  f.profile_idc = 9;
  EXPECT_EQ(ParseHevcOrDie(f).profile, "profile 9");
}

TEST(ParseHevcSpsTest, Errors) {
  EXPECT_EQ(ParseHevcSps(std::vector<uint8_t>{0x42}).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseHevcSps(std::vector<uint8_t>{0x40, 0x01, 0x0c}).status().code(),
            absl::StatusCode::kInvalidArgument);  // a VPS

  HevcFields f;
  f.width = 0;
  absl::StatusOr<SpsInfo> info = ParseHevcSps(BuildHevcSps(f));
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(info.status().message()),
              HasSubstr("pic_width_in_luma_samples 0 out of range"));

  f = HevcFields{};
  f.max_sub_layers_minus1 = 7;
  info = ParseHevcSps(BuildHevcSps(f));
  EXPECT_THAT(std::string(info.status().message()),
              HasSubstr("sps_max_sub_layers_minus1 7 out of range"));

  f = HevcFields{};
  f.window = {0, 0, 300, 244};
  info = ParseHevcSps(BuildHevcSps(f));
  EXPECT_THAT(std::string(info.status().message()),
              HasSubstr("conf_win_top/bottom_offset 300+244"));

  const std::vector<uint8_t> full = BuildHevcSps(HevcFields{});
  for (size_t size = 2; size < 20; ++size) {
    info = ParseHevcSps(std::span(full).first(size));
    EXPECT_EQ(info.status().code(), absl::StatusCode::kDataLoss) << size;
  }
}

TEST(ParseHevcSpsTest, GarbageIsAnErrorNotACrash) {
  std::mt19937 random(7);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> nal(2 + random() % 60);
    for (uint8_t& byte : nal) byte = static_cast<uint8_t>(random());
    nal[0] = 0x42;
    absl::StatusOr<SpsInfo> info = ParseHevcSps(nal);
    if (info.ok()) {
      EXPECT_GT(info->width, 0);
      EXPECT_GT(info->height, 0);
      EXPECT_LE(info->width, 16888);
      EXPECT_LE(info->height, 16888);
    }
  }
}

}  // namespace
}  // namespace livesnap::media
