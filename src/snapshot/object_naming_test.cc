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

TEST(ObjectPatternTest, AcceptsTheDefaultsAndTheReferenceExamples) {
  EXPECT_TRUE(ValidateObjectPattern(kDefaultOverwritePattern, PatternKind::kOverwrite).ok());
  EXPECT_TRUE(ValidateObjectPattern(kDefaultSequencePattern, PatternKind::kSequence).ok());
  EXPECT_TRUE(ValidateObjectPattern("snapshot/{AppName}/{StreamName}/{UnixTimestamp}.jpg",
                                    PatternKind::kSequence)
                  .ok());
  EXPECT_TRUE(
      ValidateObjectPattern("{Domain}/{Date}/.hidden/{StreamName}..jpg", PatternKind::kOverwrite)
          .ok());
}

// Patterns whose every expansion breaks a key rule (issue: accepted by the
// API, then every upload failed).
TEST(ObjectPatternTest, RefusesPatternsNoStreamCanBeStoredUnder) {
  struct Case {
    std::string_view pattern;
    std::string_view rule;
  };
  for (const Case& c :
       {Case{"./{StreamName}.jpg", "\".\" segment"}, Case{"a/./{StreamName}.jpg", "\".\" segment"},
        Case{"a/../{StreamName}.jpg", "\"..\" segment"},
        Case{"../{StreamName}.jpg", "\"..\" segment"}, Case{"a//{StreamName}.jpg", "empty segment"},
        Case{"{AppName}//x.jpg", "empty segment"}, Case{"/{StreamName}.jpg", "starts with '/'"}}) {
    const absl::Status status = ValidateObjectPattern(c.pattern, PatternKind::kOverwrite);
    ASSERT_FALSE(status.ok()) << c.pattern;
    EXPECT_TRUE(absl::IsInvalidArgument(status));
    EXPECT_NE(std::string(status.message()).find(c.rule), std::string::npos) << status.message();
    EXPECT_NE(std::string(status.message()).find(c.pattern), std::string::npos) << status.message();
  }
}

TEST(ObjectPatternTest, TheLongestNamesMustFitAKey) {
  // Four stream names of 255 bytes pass the 1024-byte key limit.
  const absl::Status status = ValidateObjectPattern(
      "{StreamName}/{StreamName}/{StreamName}/{StreamName}.jpg", PatternKind::kOverwrite);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("longest names"), std::string::npos) << status.message();
  EXPECT_TRUE(ValidateObjectPattern("{Domain}/{AppName}/{StreamName}/{Sequence}.jpg",
                                    PatternKind::kSequence)
                  .ok());
}

TEST(ObjectPatternTest, ChecksSyntaxAndTheVariablesOfEachKind) {
  EXPECT_FALSE(ValidateObjectPattern("{AppName}/{StreamName}.png", PatternKind::kOverwrite).ok());
  EXPECT_FALSE(
      ValidateObjectPattern(std::string(240, 'a') + "/{StreamName}.jpg", PatternKind::kOverwrite)
          .ok());
  EXPECT_FALSE(ValidateObjectPattern("{App}/{StreamName}.jpg", PatternKind::kOverwrite).ok());
  EXPECT_FALSE(ValidateObjectPattern("{AppName/x.jpg", PatternKind::kOverwrite).ok());
  EXPECT_FALSE(ValidateObjectPattern("a}/x.jpg", PatternKind::kOverwrite).ok());
  EXPECT_FALSE(ValidateObjectPattern("a\\b.jpg", PatternKind::kOverwrite).ok());
  EXPECT_FALSE(ValidateObjectPattern("{Sequence}.jpg", PatternKind::kOverwrite).ok());
  EXPECT_FALSE(ValidateObjectPattern("{StreamName}.jpg", PatternKind::kSequence).ok());
  EXPECT_TRUE(ValidateObjectPattern("{StreamName}-{Sequence}.jpg", PatternKind::kSequence).ok());
}

}  // namespace
}  // namespace livesnap::snapshot
