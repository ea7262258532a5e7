#include "base/byte_reader.h"

#include <gtest/gtest.h>

#include <array>

namespace livesnap {
namespace {

TEST(ByteReaderTest, ReadsBigEndianIntegers) {
  const std::array<uint8_t, 10> bytes = {0x01, 0x02, 0x03, 0x04, 0x05,
                                         0x06, 0x07, 0x08, 0x09, 0x0a};
  ByteReader r(bytes);
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u24 = 0, u32 = 0;
  ASSERT_TRUE(r.ReadU8(u8));
  ASSERT_TRUE(r.ReadU16(u16));
  ASSERT_TRUE(r.ReadU24(u24));
  ASSERT_TRUE(r.ReadU32(u32));
  EXPECT_EQ(u8, 0x01);
  EXPECT_EQ(u16, 0x0203);
  EXPECT_EQ(u24, 0x040506u);
  EXPECT_EQ(u32, 0x0708090au);
  EXPECT_TRUE(r.empty());
}

TEST(ByteReaderTest, RefusesToReadPastTheEndAndDoesNotMove) {
  const std::array<uint8_t, 3> bytes = {1, 2, 3};
  ByteReader r(bytes);
  uint32_t u32 = 7;
  EXPECT_FALSE(r.ReadU32(u32));
  EXPECT_EQ(u32, 7u);
  EXPECT_EQ(r.position(), 0u);
  std::span<const uint8_t> span;
  EXPECT_FALSE(r.ReadBytes(4, span));
  EXPECT_TRUE(r.ReadBytes(3, span));
  EXPECT_EQ(span.size(), 3u);
  EXPECT_FALSE(r.Skip(1));
}

TEST(ByteReaderTest, ReadsLittleEndianForTheRtmpStreamId) {
  const std::array<uint8_t, 4> bytes = {0x01, 0x00, 0x00, 0x00};
  ByteReader r(bytes);
  uint32_t v = 0;
  ASSERT_TRUE(r.ReadU32LittleEndian(v));
  EXPECT_EQ(v, 1u);
}

}  // namespace
}  // namespace livesnap
