#include "base/utc_time.h"

#include <gtest/gtest.h>

namespace livesnap {
namespace {

TEST(UtcTimeTest, FormatsIso8601) {
  EXPECT_EQ(FormatIso8601Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601Utc(1456231584000), "2016-02-23T12:46:24Z");
  EXPECT_EQ(FormatIso8601Utc(1709251199123), "2024-02-29T23:59:59Z");
  EXPECT_EQ(FormatIso8601Utc(1709251199123, true), "2024-02-29T23:59:59.123Z");
  EXPECT_EQ(FormatIso8601Utc(4102444799999, true), "2099-12-31T23:59:59.999Z");
}

TEST(UtcTimeTest, FormatsTheDate) {
  EXPECT_EQ(FormatUtcDate(0), "1970-01-01");
  EXPECT_EQ(FormatUtcDate(1709251199999), "2024-02-29");
  EXPECT_EQ(FormatUtcDate(1709251200000), "2024-03-01");
}

}  // namespace
}  // namespace livesnap
