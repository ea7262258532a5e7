#include "snapshot/internal/scaler_cache.h"

#include <gtest/gtest.h>

namespace livesnap::snapshot::internal {
namespace {

constexpr ScalerKey k720pTo360p{.src_width = 1280,
                                .src_height = 720,
                                .src_format = AV_PIX_FMT_YUV420P,
                                .src_full_range = false,
                                .dst_width = 640,
                                .dst_height = 360,
                                .dst_format = AV_PIX_FMT_YUV420P};

TEST(ScalerCacheTest, TheSameConversionReusesItsContext) {
  ScalerCache cache;
  absl::StatusOr<SwsContext*> first = cache.Get(k720pTo360p);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_NE(*first, nullptr);
  absl::StatusOr<SwsContext*> again = cache.Get(k720pTo360p);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(cache.inits(), 1);
}

TEST(ScalerCacheTest, AnyChangeOfTheConversionMakesANewContext) {
  ScalerCache cache;
  ASSERT_TRUE(cache.Get(k720pTo360p).ok());
  ScalerKey full_range = k720pTo360p;
  full_range.src_full_range = true;
  ASSERT_TRUE(cache.Get(full_range).ok());
  EXPECT_EQ(cache.inits(), 2);
  ScalerKey smaller = k720pTo360p;
  smaller.dst_width = 320;
  smaller.dst_height = 180;
  ASSERT_TRUE(cache.Get(smaller).ok());
  ScalerKey gray = smaller;
  gray.dst_format = AV_PIX_FMT_GRAY8;
  ASSERT_TRUE(cache.Get(gray).ok());
  EXPECT_EQ(cache.inits(), 4);
  ASSERT_TRUE(cache.Get(k720pTo360p).ok());  // only the last one is kept
  EXPECT_EQ(cache.inits(), 5);
}

TEST(ScalerCacheTest, AConversionLibswscaleCannotMakeIsAnErrorNamingIt) {
  ScalerCache cache;
  ScalerKey empty = k720pTo360p;
  empty.dst_width = 0;
  absl::StatusOr<SwsContext*> refused = cache.Get(empty);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(refused.status().message().find("yuv420p 1280x720 to yuv420p 0x360"), std::string::npos)
      << refused.status();
  EXPECT_EQ(cache.inits(), 0);
  // The next good conversion is made as usual.
  ASSERT_TRUE(cache.Get(k720pTo360p).ok());
  EXPECT_EQ(cache.inits(), 1);
}

}  // namespace
}  // namespace livesnap::snapshot::internal
