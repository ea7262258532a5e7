#include "media/sps.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "media/bit_reader.h"
#include "media/nal.h"

namespace livesnap::media {
namespace {

// Level limits bound the picture: H.264 A.3.1 (PicWidthInMbs and
// FrameHeightInMbs <= sqrt(8 * MaxFS) = 1055 at level 6.2) and HEVC A.4.1
// (width and height <= sqrt(8 * MaxLumaPs) = 16888 at level 6.2).
constexpr uint32_t kMaxH264SizeInMbs = 1055;
constexpr uint32_t kMaxHevcSizeInSamples = 16888;
constexpr int32_t kMinSe = std::numeric_limits<int32_t>::min() + 1;
constexpr int32_t kMaxSe = std::numeric_limits<int32_t>::max();

// A BitReader that remembers its first failure: reads after it return 0, so
// a parser checks ok() only where a value steers it (loop counts) and at the
// end, and the error names the first field that was wrong.
class FieldReader {
 public:
  explicit FieldReader(std::span<const uint8_t> rbsp) : bits_(rbsp) {}

  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }

  uint32_t Bits(int count, std::string_view field) {
    uint32_t value = 0;
    if (ok() && !bits_.ReadBits(count, value)) FailTruncated(field);
    return ok() ? value : 0;
  }
  bool Flag(std::string_view field) { return Bits(1, field) != 0; }
  void Skip(size_t count, std::string_view field) {
    if (ok() && !bits_.SkipBits(count)) FailTruncated(field);
  }
  uint32_t Ue(std::string_view field, uint32_t min, uint32_t max) {
    uint32_t value = 0;
    if (!ok()) return 0;
    if (!bits_.ReadUe(value)) {
      FailExpGolomb(field);
      return 0;
    }
    if (value < min || value > max) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat(std::string(field), " ", value, " out of range ", min, "..", max)));
      return 0;
    }
    return value;
  }
  int32_t Se(std::string_view field, int32_t min = kMinSe, int32_t max = kMaxSe) {
    int32_t value = 0;
    if (!ok()) return 0;
    if (!bits_.ReadSe(value)) {
      FailExpGolomb(field);
      return 0;
    }
    if (value < min || value > max) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat(std::string(field), " ", value, " out of range ", min, "..", max)));
      return 0;
    }
    return value;
  }
  void Fail(absl::Status status) {
    if (ok()) status_ = std::move(status);
  }

 private:
  void FailTruncated(std::string_view field) {
    Fail(absl::DataLossError(
        absl::StrCat("truncated at bit ", bits_.position(), " reading ", std::string(field))));
  }
  // ReadUe failed: either the data ran out or the code is longer than 32 bits.
  void FailExpGolomb(std::string_view field) {
    BitReader probe = bits_;
    int leading_zeros = 0;
    bool bit = false;
    while (probe.ReadFlag(bit) && !bit) ++leading_zeros;
    if (leading_zeros > 31) {
      Fail(absl::InvalidArgumentError(absl::StrCat(std::string(field), ": Exp-Golomb code at bit ",
                                                   bits_.position(), " longer than 32 bits")));
    } else {
      FailTruncated(field);
    }
  }

  BitReader bits_;
  absl::Status status_;
};

// The profiles whose SPS carries chroma_format_idc and the bit depths.
bool H264HasChromaFormat(uint32_t profile_idc) {
  constexpr uint32_t kProfiles[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};
  return std::find(std::begin(kProfiles), std::end(kProfiles), profile_idc) != std::end(kProfiles);
}

// scaling_list() (7.3.2.1.1.1): only its length matters here.
void SkipScalingList(FieldReader& r, int size) {
  int last_scale = 8;
  int next_scale = 8;
  for (int j = 0; j < size && r.ok(); ++j) {
    if (next_scale != 0) {
      const int32_t delta_scale = r.Se("delta_scale", -128, 127);
      next_scale = (last_scale + delta_scale + 256) % 256;
    }
    if (next_scale != 0) last_scale = next_scale;
  }
}

// FFmpeg's names (libavcodec/profiles.c), which users see in ffprobe.
std::string H264ProfileName(uint32_t profile_idc, uint32_t constraint_flags) {
  const bool set1 = constraint_flags & 0x40;
  const bool set3 = constraint_flags & 0x10;
  switch (profile_idc) {
    case 66:
      return set1 ? "Constrained Baseline" : "Baseline";
    case 77:
      return "Main";
    case 88:
      return "Extended";
    case 100:
      return "High";
    case 110:
      return set3 ? "High 10 Intra" : "High 10";
    case 122:
      return set3 ? "High 4:2:2 Intra" : "High 4:2:2";
    case 244:
      return set3 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
    case 44:
      return "CAVLC 4:4:4";
    case 118:
      return "Multiview High";
    case 128:
      return "Stereo High";
    default:
      return absl::StrCat("profile ", profile_idc);
  }
}

std::string HevcProfileName(uint32_t profile_idc, uint32_t compatibility_flags) {
  static constexpr const char* kNames[] = {nullptr, "Main", "Main 10", "Main Still Picture",
                                           "Rext"};
  constexpr uint32_t kNamed = sizeof(kNames) / sizeof(kNames[0]);
  if (profile_idc == 0) {
    // A profile signalled only by compatibility (A.3): flag j is bit 31 - j.
    for (uint32_t j = 1; j < kNamed; ++j) {
      if (compatibility_flags & (1u << (31 - j))) return kNames[j];
    }
  }
  if (profile_idc > 0 && profile_idc < kNamed) return kNames[profile_idc];
  return absl::StrCat("profile ", profile_idc);
}

// Subtracts a crop of `units` * `unit` samples from `size`; false when
// nothing would be left.
bool Crop(uint64_t unit, uint64_t units, int& size) {
  const uint64_t crop = unit * units;
  if (crop >= static_cast<uint64_t>(size)) return false;
  size -= static_cast<int>(crop);
  return true;
}

absl::Status CropError(std::string_view what, uint64_t before, uint64_t after, uint64_t unit,
                       int size) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(what), " ", before, "+", after,
                                                 " (unit ", unit, ") leaves nothing of ", size));
}

}  // namespace

absl::StatusOr<SpsInfo> ParseH264Sps(std::span<const uint8_t> nal) {
  if (nal.empty()) return absl::DataLossError("empty H.264 SPS");
  if (nal[0] & 0x80) return absl::InvalidArgumentError("H.264 SPS: forbidden_zero_bit set");
  if (H264NalType(nal) != 7) {
    return absl::InvalidArgumentError(
        absl::StrCat("NAL unit type ", H264NalType(nal), " is not an H.264 SPS (7)"));
  }
  const std::vector<uint8_t> rbsp = RemoveEmulationPrevention(nal.subspan(1));
  FieldReader r(rbsp);
  const uint32_t profile_idc = r.Bits(8, "profile_idc");
  const uint32_t constraint_flags = r.Bits(8, "constraint_set_flags");
  const uint32_t level_idc = r.Bits(8, "level_idc");
  r.Ue("seq_parameter_set_id", 0, 31);
  uint32_t chroma_format_idc = 1;
  bool separate_colour_plane = false;
  if (H264HasChromaFormat(profile_idc)) {
    chroma_format_idc = r.Ue("chroma_format_idc", 0, 3);
    if (chroma_format_idc == 3) separate_colour_plane = r.Flag("separate_colour_plane_flag");
    r.Ue("bit_depth_luma_minus8", 0, 6);
    r.Ue("bit_depth_chroma_minus8", 0, 6);
    r.Flag("qpprime_y_zero_transform_bypass_flag");
    if (r.Flag("seq_scaling_matrix_present_flag")) {
      const int lists = chroma_format_idc != 3 ? 8 : 12;
      for (int i = 0; i < lists && r.ok(); ++i) {
        if (r.Flag("seq_scaling_list_present_flag")) SkipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.Ue("log2_max_frame_num_minus4", 0, 12);
  const uint32_t pic_order_cnt_type = r.Ue("pic_order_cnt_type", 0, 2);
  if (pic_order_cnt_type == 0) {
    r.Ue("log2_max_pic_order_cnt_lsb_minus4", 0, 12);
  } else if (pic_order_cnt_type == 1) {
    r.Flag("delta_pic_order_always_zero_flag");
    r.Se("offset_for_non_ref_pic");
    r.Se("offset_for_top_to_bottom_field");
    const uint32_t cycle = r.Ue("num_ref_frames_in_pic_order_cnt_cycle", 0, 255);
    for (uint32_t i = 0; i < cycle && r.ok(); ++i) r.Se("offset_for_ref_frame");
  }
  r.Ue("max_num_ref_frames", 0, 16);
  r.Flag("gaps_in_frame_num_value_allowed_flag");
  const uint32_t width_in_mbs = r.Ue("pic_width_in_mbs_minus1", 0, kMaxH264SizeInMbs - 1) + 1;
  const uint32_t height_in_map_units =
      r.Ue("pic_height_in_map_units_minus1", 0, kMaxH264SizeInMbs - 1) + 1;
  const bool frame_mbs_only = r.Flag("frame_mbs_only_flag");
  if (!frame_mbs_only) r.Flag("mb_adaptive_frame_field_flag");
  r.Flag("direct_8x8_inference_flag");
  uint32_t crop[4] = {0, 0, 0, 0};  // left, right, top, bottom
  if (r.Flag("frame_cropping_flag")) {
    crop[0] = r.Ue("frame_crop_left_offset", 0, UINT32_MAX);
    crop[1] = r.Ue("frame_crop_right_offset", 0, UINT32_MAX);
    crop[2] = r.Ue("frame_crop_top_offset", 0, UINT32_MAX);
    crop[3] = r.Ue("frame_crop_bottom_offset", 0, UINT32_MAX);
  }
  if (!r.ok()) return Annotate(r.status(), "H.264 SPS");

  // 7.4.2.1.1: frame height, then the crop units of the chroma format.
  const uint32_t height_in_mbs = (frame_mbs_only ? 1 : 2) * height_in_map_units;
  if (height_in_mbs > kMaxH264SizeInMbs) {
    return absl::InvalidArgumentError(absl::StrCat("H.264 SPS: frame height ", height_in_mbs,
                                                   " macroblocks over ", kMaxH264SizeInMbs));
  }
  const uint32_t chroma_array_type = separate_colour_plane ? 0 : chroma_format_idc;
  const uint64_t sub_width_c = chroma_format_idc == 3 ? 1 : 2;
  const uint64_t sub_height_c = chroma_format_idc == 1 ? 2 : 1;
  const uint64_t field_factor = frame_mbs_only ? 1 : 2;
  const uint64_t crop_unit_x = chroma_array_type == 0 ? 1 : sub_width_c;
  const uint64_t crop_unit_y = (chroma_array_type == 0 ? 1 : sub_height_c) * field_factor;
  SpsInfo info;
  info.width = static_cast<int>(width_in_mbs * 16);
  info.height = static_cast<int>(height_in_mbs * 16);
  if (!Crop(crop_unit_x, uint64_t{crop[0]} + crop[1], info.width)) {
    return Annotate(
        CropError("frame_crop_left/right_offset", crop[0], crop[1], crop_unit_x, info.width),
        "H.264 SPS");
  }
  if (!Crop(crop_unit_y, uint64_t{crop[2]} + crop[3], info.height)) {
    return Annotate(
        CropError("frame_crop_top/bottom_offset", crop[2], crop[3], crop_unit_y, info.height),
        "H.264 SPS");
  }
  info.profile = H264ProfileName(profile_idc, constraint_flags);
  info.level = static_cast<int>(level_idc);
  return info;
}

absl::StatusOr<SpsInfo> ParseHevcSps(std::span<const uint8_t> nal) {
  if (nal.size() < 2) {
    return absl::DataLossError(
        absl::StrCat("HEVC SPS: NAL header truncated: ", nal.size(), " bytes, need 2"));
  }
  if (nal[0] & 0x80) return absl::InvalidArgumentError("HEVC SPS: forbidden_zero_bit set");
  if (HevcNalType(nal) != 33) {
    return absl::InvalidArgumentError(
        absl::StrCat("NAL unit type ", HevcNalType(nal), " is not an HEVC SPS (33)"));
  }
  const std::vector<uint8_t> rbsp = RemoveEmulationPrevention(nal.subspan(2));
  FieldReader r(rbsp);
  r.Bits(4, "sps_video_parameter_set_id");
  const uint32_t max_sub_layers_minus1 = r.Bits(3, "sps_max_sub_layers_minus1");
  if (max_sub_layers_minus1 > 6) {
    r.Fail(absl::InvalidArgumentError(
        absl::StrCat("sps_max_sub_layers_minus1 ", max_sub_layers_minus1, " out of range 0..6")));
  }
  r.Flag("sps_temporal_id_nesting_flag");
  // profile_tier_level(1, sps_max_sub_layers_minus1) (7.3.3).
  r.Bits(2, "general_profile_space");
  r.Flag("general_tier_flag");
  const uint32_t profile_idc = r.Bits(5, "general_profile_idc");
  const uint32_t compatibility_flags = r.Bits(32, "general_profile_compatibility_flags");
  r.Skip(48, "general constraint flags");
  const uint32_t level_idc = r.Bits(8, "general_level_idc");
  bool sub_layer_profile_present[8] = {};
  bool sub_layer_level_present[8] = {};
  for (uint32_t i = 0; i < max_sub_layers_minus1 && r.ok(); ++i) {
    sub_layer_profile_present[i] = r.Flag("sub_layer_profile_present_flag");
    sub_layer_level_present[i] = r.Flag("sub_layer_level_present_flag");
  }
  if (max_sub_layers_minus1 > 0) r.Skip(2 * (8 - max_sub_layers_minus1), "reserved_zero_2bits");
  for (uint32_t i = 0; i < max_sub_layers_minus1 && r.ok(); ++i) {
    if (sub_layer_profile_present[i]) r.Skip(88, "sub_layer profile");
    if (sub_layer_level_present[i]) r.Skip(8, "sub_layer_level_idc");
  }
  r.Ue("sps_seq_parameter_set_id", 0, 15);
  const uint32_t chroma_format_idc = r.Ue("chroma_format_idc", 0, 3);
  bool separate_colour_plane = false;
  if (chroma_format_idc == 3) separate_colour_plane = r.Flag("separate_colour_plane_flag");
  const uint32_t width = r.Ue("pic_width_in_luma_samples", 1, kMaxHevcSizeInSamples);
  const uint32_t height = r.Ue("pic_height_in_luma_samples", 1, kMaxHevcSizeInSamples);
  uint32_t window[4] = {0, 0, 0, 0};  // left, right, top, bottom
  if (r.Flag("conformance_window_flag")) {
    window[0] = r.Ue("conf_win_left_offset", 0, UINT32_MAX);
    window[1] = r.Ue("conf_win_right_offset", 0, UINT32_MAX);
    window[2] = r.Ue("conf_win_top_offset", 0, UINT32_MAX);
    window[3] = r.Ue("conf_win_bottom_offset", 0, UINT32_MAX);
  }
  if (!r.ok()) return Annotate(r.status(), "HEVC SPS");

  // Table 6-1: SubWidthC/SubHeightC; 1 for 4:4:4 and separate planes.
  const uint32_t chroma_array_type = separate_colour_plane ? 0 : chroma_format_idc;
  const uint64_t sub_width_c = chroma_array_type == 1 || chroma_array_type == 2 ? 2 : 1;
  const uint64_t sub_height_c = chroma_array_type == 1 ? 2 : 1;
  SpsInfo info;
  info.width = static_cast<int>(width);
  info.height = static_cast<int>(height);
  if (!Crop(sub_width_c, uint64_t{window[0]} + window[1], info.width)) {
    return Annotate(
        CropError("conf_win_left/right_offset", window[0], window[1], sub_width_c, info.width),
        "HEVC SPS");
  }
  if (!Crop(sub_height_c, uint64_t{window[2]} + window[3], info.height)) {
    return Annotate(
        CropError("conf_win_top/bottom_offset", window[2], window[3], sub_height_c, info.height),
        "HEVC SPS");
  }
  info.profile = HevcProfileName(profile_idc, compatibility_flags);
  info.level = static_cast<int>(level_idc);
  return info;
}

}  // namespace livesnap::media
