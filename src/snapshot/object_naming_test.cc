#include "snapshot/object_naming.h"

#include <gtest/gtest.h>

namespace livesnap::snapshot {
namespace {

NamingVariables Vars(int64_t sequence = 7) {
  NamingVariables v;
  v.domain = "push.example.com";
  v.app = "live";
  v.stream = "demo";
  v.unix_ms = 1'764'028'800'123;  // 2025-11-25T00:00:00.123Z
  v.sequence = sequence;
  return v;
}

TEST(ObjectNamingTest, ExpandsTheDefaults) {
  EXPECT_EQ(*ExpandObjectPattern(kDefaultOverwritePattern, Vars()), "live/demo.jpg");
  EXPECT_EQ(*ExpandObjectPattern(kDefaultSequencePattern, Vars()), "live/demo/7.jpg");
}

TEST(ObjectNamingTest, ExpandsEveryVariable) {
  EXPECT_EQ(*ExpandObjectPattern(
                "{Domain}/{Date}/{AppName}-{StreamName}-{UnixTimestamp}-{Sequence}.jpg", Vars(0)),
            "push.example.com/2025-11-25/live-demo-1764028800-0.jpg");
}

TEST(ObjectNamingTest, RejectsUnknownAndUnclosedVariables) {
  auto unknown = ExpandObjectPattern("{App}/{StreamName}.jpg", Vars());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("{App}"), std::string::npos);
  EXPECT_FALSE(ExpandObjectPattern("{AppName/x.jpg", Vars()).ok());
}

TEST(ObjectNamingTest, SequenceNeedsANumber) {
  EXPECT_FALSE(ExpandObjectPattern("{Sequence}.jpg", Vars(-1)).ok());
  EXPECT_TRUE(PatternUsesSequence("a/{Sequence}.jpg"));
  EXPECT_FALSE(PatternUsesSequence("a/{UnixTimestamp}.jpg"));
}

}  // namespace
}  // namespace livesnap::snapshot
