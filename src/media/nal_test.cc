#include "media/nal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace livesnap::media {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Nal = std::vector<uint8_t>;

// NAL units each prefixed by its length in `length_size` bytes.
std::vector<uint8_t> LengthPrefixed(int length_size, const std::vector<Nal>& nals) {
  std::vector<uint8_t> out;
  for (const Nal& nal : nals) {
    for (int i = length_size - 1; i >= 0; --i)
      out.push_back(static_cast<uint8_t>(nal.size() >> (8 * i)));
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

std::vector<Nal> Collect(int length_size, const std::vector<uint8_t>& data, absl::Status* status) {
  std::vector<Nal> nals;
  *status = ForEachNalUnit(length_size, data, [&](std::span<const uint8_t> nal) {
    nals.emplace_back(nal.begin(), nal.end());
  });
  return nals;
}

TEST(ForEachNalUnitTest, VisitsUnitsForEveryLengthSize) {
  const std::vector<Nal> nals = {{0x09, 0xf0}, {0x65, 1, 2, 3}, {0x06}};
  for (int length_size : {1, 2, 4}) {
    absl::Status status;
    EXPECT_EQ(Collect(length_size, LengthPrefixed(length_size, nals), &status), nals)
        << length_size;
    EXPECT_TRUE(status.ok()) << status;
  }
}

TEST(ForEachNalUnitTest, SkipsZeroLengthUnitsAndAcceptsEmptyData) {
  absl::Status status;
  EXPECT_THAT(Collect(4, LengthPrefixed(4, {{}, {0x41, 7}, {}}), &status),
              ElementsAre(Nal{0x41, 7}));
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(Collect(4, {}, &status).empty());
  EXPECT_TRUE(status.ok());
}

TEST(ForEachNalUnitTest, LengthBeyondTheDataIsDataLoss) {
  std::vector<uint8_t> data = LengthPrefixed(4, {{0x41, 1}, {0x41, 2, 3}});
  data.pop_back();  // the second unit now claims 3 bytes with 2 left
  absl::Status status;
  EXPECT_THAT(Collect(4, data, &status), ElementsAre(Nal{0x41, 1}));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("offset 6"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("length 3"));
}

TEST(ForEachNalUnitTest, TruncatedLengthPrefixIsDataLoss) {
  absl::Status status;
  Collect(4, {0, 0, 1}, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("offset 0"));
}

TEST(ForEachNalUnitTest, HugeLengthDoesNotWrap) {
  absl::Status status;
  Collect(4, {0xff, 0xff, 0xff, 0xff, 0x65}, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
}

TEST(ForEachNalUnitTest, RejectsLengthSizeThree) {
  absl::Status status;
  Collect(3, {0, 0, 1, 0x65}, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(ContainsRandomAccessPictureTest, H264IdrSliceIsRandomAccess) {
  // AUD, SPS, PPS, SEI, IDR slice.
  const auto idr =
      LengthPrefixed(4, {{0x09, 0x10}, {0x67, 0x64}, {0x68, 0xee}, {0x06, 5}, {0x65, 0x88}});
  const auto inter = LengthPrefixed(4, {{0x09, 0x30}, {0x41, 0x9a}});
  const auto parameter_sets_only = LengthPrefixed(4, {{0x67, 0x64}, {0x68, 0xee}});
  absl::Status error = absl::InternalError("unset");
  EXPECT_TRUE(ContainsRandomAccessPicture(VideoCodec::kH264, 4, idr, &error));
  EXPECT_TRUE(error.ok());
  EXPECT_FALSE(ContainsRandomAccessPicture(VideoCodec::kH264, 4, inter, &error));
  EXPECT_TRUE(error.ok());
  EXPECT_FALSE(ContainsRandomAccessPicture(VideoCodec::kH264, 4, parameter_sets_only));
  // The nal_ref_idc bits do not change the type.
  EXPECT_TRUE(ContainsRandomAccessPicture(VideoCodec::kH264, 2, LengthPrefixed(2, {{0x25, 0}})));
}

TEST(ContainsRandomAccessPictureTest, HevcIrapTypesAreRandomAccess) {
  for (int type = 0; type < 64; ++type) {
    const auto data = LengthPrefixed(4, {{static_cast<uint8_t>(type << 1), 0x01, 0xaf}});
    EXPECT_EQ(ContainsRandomAccessPicture(VideoCodec::kHevc, 4, data), type >= 16 && type <= 21)
        << "type " << type;
  }
  // VPS, SPS, PPS, then a CRA slice.
  const auto cra =
      LengthPrefixed(4, {{0x40, 0x01}, {0x42, 0x01}, {0x44, 0x01}, {0x2a, 0x01, 0xaf}});
  EXPECT_TRUE(ContainsRandomAccessPicture(VideoCodec::kHevc, 4, cra));
}

TEST(ContainsRandomAccessPictureTest, MalformedLengthIsNotAKeyframe) {
  auto data = LengthPrefixed(4, {{0x65, 0x88, 0x84}});
  data.pop_back();
  absl::Status error;
  EXPECT_FALSE(ContainsRandomAccessPicture(VideoCodec::kH264, 4, data, &error));
  EXPECT_EQ(error.code(), absl::StatusCode::kDataLoss);
  // An IDR followed by garbage is not trusted either.
  data = LengthPrefixed(4, {{0x65, 0x88}});
  data.insert(data.end(), {0, 0, 9, 0});
  EXPECT_FALSE(ContainsRandomAccessPicture(VideoCodec::kH264, 4, data, &error));
  EXPECT_EQ(error.code(), absl::StatusCode::kDataLoss);
  // Without an error sink it still answers.
  EXPECT_FALSE(ContainsRandomAccessPicture(VideoCodec::kH264, 4, data));
}

TEST(ContainsRandomAccessPictureTest, UnknownCodecOrLengthSizeIsAnError) {
  const auto data = LengthPrefixed(4, {{0x65, 0x88}});
  absl::Status error;
  EXPECT_FALSE(ContainsRandomAccessPicture(VideoCodec::kUnknown, 4, data, &error));
  EXPECT_EQ(error.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ContainsRandomAccessPicture(VideoCodec::kH264, 0, data, &error));
  EXPECT_EQ(error.code(), absl::StatusCode::kInvalidArgument);
}

// The NAL units ForEachAnnexBNalUnit visits, as vectors.
std::vector<std::vector<uint8_t>> AnnexBUnits(const std::vector<uint8_t>& stream) {
  std::vector<std::vector<uint8_t>> units;
  ForEachAnnexBNalUnit(
      stream, [&](std::span<const uint8_t> nal) { units.emplace_back(nal.begin(), nal.end()); });
  return units;
}

TEST(ForEachAnnexBNalUnitTest, SplitsAtThreeAndFourByteStartCodes) {
  EXPECT_EQ(AnnexBUnits({0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x65, 0x88}),
            (std::vector<std::vector<uint8_t>>{{0x09, 0xF0}, {0x67, 0x42}, {0x65, 0x88}}));
}

TEST(ForEachAnnexBNalUnitTest, DropsTrailingZerosAndWhatPrecedesTheFirstStartCode) {
  EXPECT_EQ(AnnexBUnits({0xAA, 0x01, 0, 0, 1, 0x41, 0x9A, 0, 0, 0, 0, 0, 1, 0x41, 0, 0}),
            (std::vector<std::vector<uint8_t>>{{0x41, 0x9A}, {0x41, 0, 0}}));
}

TEST(ForEachAnnexBNalUnitTest, KeepsOnesThatAreNotStartCodes) {
  // 0x01 after a single zero, or after 00 03 (emulation prevention), is data.
  EXPECT_EQ(AnnexBUnits({0, 0, 1, 0x65, 1, 0, 1, 0, 0, 3, 1, 1}),
            (std::vector<std::vector<uint8_t>>{{0x65, 1, 0, 1, 0, 0, 3, 1, 1}}));
}

TEST(ForEachAnnexBNalUnitTest, EmptyUnitsShortInputsAndNoStartCodeVisitNothing) {
  EXPECT_TRUE(AnnexBUnits({}).empty());
  EXPECT_TRUE(AnnexBUnits({0}).empty());
  EXPECT_TRUE(AnnexBUnits({0, 1}).empty());
  EXPECT_TRUE(AnnexBUnits({0, 0, 1}).empty());
  EXPECT_TRUE(AnnexBUnits({0x65, 0x88, 0x84, 0x01}).empty());
  EXPECT_EQ(AnnexBUnits({0, 0, 1, 0, 0, 1, 0x06, 0, 0, 1}),
            (std::vector<std::vector<uint8_t>>{{0x06}}));
}

TEST(RemoveEmulationPreventionTest, DropsTheThreeAfterTwoZeros) {
  EXPECT_EQ(RemoveEmulationPrevention(std::vector<uint8_t>{0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3}),
            (std::vector<uint8_t>{0x67, 0, 0, 1, 0, 0, 0, 0}));
  // Only the first 03 after a pair of zeros is an emulation-prevention byte.
  EXPECT_EQ(RemoveEmulationPrevention(std::vector<uint8_t>{0, 0, 3, 3, 0, 3}),
            (std::vector<uint8_t>{0, 0, 3, 0, 3}));
  EXPECT_EQ(RemoveEmulationPrevention(std::vector<uint8_t>{0, 3, 0, 0, 0, 3}),
            (std::vector<uint8_t>{0, 3, 0, 0, 0}));
  EXPECT_TRUE(RemoveEmulationPrevention({}).empty());
}

}  // namespace
}  // namespace livesnap::media
