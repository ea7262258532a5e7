#include "rtmp/timestamp_unwrapper.h"

#include <gtest/gtest.h>

namespace livesnap::rtmp {
namespace {

TEST(TimestampUnwrapperTest, PassesOrdinaryTimestampsThrough) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.Unwrap(0), 0);
  EXPECT_EQ(u.Unwrap(40), 40);
  EXPECT_EQ(u.Unwrap(30), 30);  // a small step back stays a step back
}

TEST(TimestampUnwrapperTest, CountsPastTheWrap) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.Unwrap(0xFFFFFF00u), 0xFFFFFF00ll);
  EXPECT_EQ(u.Unwrap(0x40u), (int64_t{1} << 32) + 0x40);
  EXPECT_EQ(u.Unwrap(0x80u), (int64_t{1} << 32) + 0x80);
  // A late packet from before the wrap keeps its place.
  EXPECT_EQ(u.Unwrap(0xFFFFFFF0u), 0xFFFFFFF0ll);
  EXPECT_EQ(u.Unwrap(0xC0u), (int64_t{1} << 32) + 0xC0);
}

TEST(TimestampUnwrapperTest, AResetToZeroFarFromTheWrapIsAStepBack) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.Unwrap(3'600'000), 3'600'000);
  EXPECT_EQ(u.Unwrap(0), 0);  // encoder restart: the scheduler re-anchors
}

}  // namespace
}  // namespace livesnap::rtmp
