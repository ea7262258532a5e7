#include "media/bit_reader.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/bit_writer.h"

namespace livesnap::media {
namespace {

using ::livesnap::testing::BitWriter;

TEST(BitReaderTest, ReadsFieldsMostSignificantBitFirst) {
  const std::vector<uint8_t> bytes = {0b1011'0011, 0xff, 0x00, 0x12, 0x34};
  BitReader r(bytes);
  uint32_t value = 0;
  ASSERT_TRUE(r.ReadBits(3, value));
  EXPECT_EQ(value, 0b101u);
  ASSERT_TRUE(r.ReadBits(13, value));
  EXPECT_EQ(value, 0b1'0011'1111'1111u);
  ASSERT_TRUE(r.ReadBits(0, value));
  EXPECT_EQ(value, 0u);
  EXPECT_EQ(r.position(), 16u);
  ASSERT_TRUE(r.ReadBits(24, value));
  EXPECT_EQ(value, 0x001234u);
  EXPECT_EQ(r.bits_left(), 0u);
}

TEST(BitReaderTest, ReadsThirtyTwoBits) {
  const std::vector<uint8_t> bytes = {0xde, 0xad, 0xbe, 0xef, 0x80};
  BitReader r(bytes);
  uint32_t value = 0;
  ASSERT_TRUE(r.ReadBits(32, value));
  EXPECT_EQ(value, 0xdeadbeefu);
  bool flag = false;
  ASSERT_TRUE(r.ReadFlag(flag));
  EXPECT_TRUE(flag);
  EXPECT_FALSE(r.ReadBits(33, value));
}

TEST(BitReaderTest, RefusesToReadPastTheEndAndDoesNotMove) {
  const std::vector<uint8_t> bytes = {0xff};
  BitReader r(bytes);
  uint32_t value = 7;
  EXPECT_FALSE(r.ReadBits(9, value));
  EXPECT_EQ(value, 7u);
  EXPECT_EQ(r.position(), 0u);
  EXPECT_FALSE(r.SkipBits(9));
  EXPECT_TRUE(r.SkipBits(8));
  bool flag = false;
  EXPECT_FALSE(r.ReadFlag(flag));
}

TEST(BitReaderTest, ReadsExpGolombCodes) {
  // H.264 Table 9-2: 1 -> 0, 010 -> 1, 011 -> 2, 00100 -> 3, ...
  const std::vector<uint8_t> bytes = {0b1010'0110, 0b0100'0000};
  BitReader r(bytes);
  uint32_t value = 99;
  ASSERT_TRUE(r.ReadUe(value));
  EXPECT_EQ(value, 0u);
  ASSERT_TRUE(r.ReadUe(value));
  EXPECT_EQ(value, 1u);
  ASSERT_TRUE(r.ReadUe(value));
  EXPECT_EQ(value, 2u);
  ASSERT_TRUE(r.ReadUe(value));
  EXPECT_EQ(value, 3u);
  EXPECT_EQ(r.position(), 12u);
}

TEST(BitReaderTest, RoundTripsExpGolombValues) {
  const std::vector<uint32_t> unsigned_values = {0, 1, 2, 7, 8, 255, 1279, 65535, 0xfffffffe};
  const std::vector<int32_t> signed_values = {0, 1, -1, 2, -2, 127, -128, 2147483647, -2147483647};
  BitWriter w;
  for (uint32_t v : unsigned_values) w.Ue(v);
  for (int32_t v : signed_values) w.Se(v);
  const std::vector<uint8_t> bytes = w.Finish();
  BitReader r(bytes);
  for (uint32_t expected : unsigned_values) {
    uint32_t value = 0;
    ASSERT_TRUE(r.ReadUe(value)) << expected;
    EXPECT_EQ(value, expected);
  }
  for (int32_t expected : signed_values) {
    int32_t value = 0;
    ASSERT_TRUE(r.ReadSe(value)) << expected;
    EXPECT_EQ(value, expected);
  }
}

TEST(BitReaderTest, RejectsExpGolombCodesLongerThanThirtyTwoBits) {
  // 32 leading zeros: the value would be at least 2^32 - 1.
  BitWriter w;
  w.Bits(32, 0).Bits(33, 1);
  const std::vector<uint8_t> bytes = w.Finish();
  BitReader r(bytes);
  uint32_t value = 5;
  EXPECT_FALSE(r.ReadUe(value));
  EXPECT_EQ(value, 5u);
  EXPECT_EQ(r.position(), 0u);
}

TEST(BitReaderTest, TruncatedExpGolombCodeConsumesNothing) {
  const std::vector<uint8_t> bytes = {0b0000'0001};  // 7 zeros, 1, then 7 suffix bits missing
  BitReader r(bytes);
  uint32_t value = 5;
  EXPECT_FALSE(r.ReadUe(value));
  EXPECT_EQ(r.position(), 0u);
  const std::vector<uint8_t> zeros = {0, 0};
  BitReader z(zeros);
  int32_t signed_value = 0;
  EXPECT_FALSE(z.ReadSe(signed_value));
  EXPECT_EQ(z.position(), 0u);
}

}  // namespace
}  // namespace livesnap::media
