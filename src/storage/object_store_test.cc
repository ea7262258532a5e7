#include "storage/object_store.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace livesnap::storage {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(ValidateObjectKeyTest, AcceptsRelativePaths) {
  for (std::string_view key : {"a.jpg", "live/demo/12.jpg", "live/.hidden.jpg", "a..b/c...jpg",
                               "with space/ünïcode.jpg"}) {
    EXPECT_TRUE(ValidateObjectKey(key).ok()) << key;
  }
  EXPECT_TRUE(ValidateObjectKey(std::string(kMaxObjectKeyBytes, 'k')).ok());
}

TEST(ValidateObjectKeyTest, EachRuleIsInvalidArgumentNamingTheKey) {
  struct Case {
    std::string key;
    std::string rule;
  };
  const Case cases[] = {
      {"", "empty"},
      {"/live/demo.jpg", "starts with '/'"},
      {"live/../etc/passwd", "\"..\" segment"},
      {"..", "\"..\" segment"},
      {"live/..", "\"..\" segment"},
      {"live/./demo.jpg", "\".\" segment"},
      {"live//demo.jpg", "empty segment"},
      {"live/", "empty segment"},
      {"live\\demo.jpg", "backslash"},
      {std::string("live/de\0mo.jpg", 14), "NUL"},
      {std::string(kMaxObjectKeyBytes + 1, 'k'), "1025 bytes"},
  };
  for (const Case& c : cases) {
    const absl::Status status = ValidateObjectKey(c.key);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.key;
    EXPECT_THAT(Message(status), HasSubstr(c.rule)) << c.key;
    EXPECT_THAT(Message(status), HasSubstr("\"" + absl::CHexEscape(c.key.substr(0, 8)))) << c.key;
  }
}

TEST(ValidateObjectKeyTest, LongKeysAreShortenedInMessages) {
  const absl::Status status = ValidateObjectKey(std::string(5000, 'k'));
  EXPECT_LT(status.message().size(), 300u);
  EXPECT_THAT(Message(status), HasSubstr("..."));
}

TEST(ValidateObjectKeyPrefixTest, AcceptsEmptyKeysAndDirectories) {
  for (std::string_view prefix : {"", "live", "live/", "live/de", "live/demo/"}) {
    EXPECT_TRUE(ValidateObjectKeyPrefix(prefix).ok()) << prefix;
  }
  for (std::string_view prefix : {"/", "/live", "live//", "../", "live\\"}) {
    EXPECT_EQ(ValidateObjectKeyPrefix(prefix).code(), absl::StatusCode::kInvalidArgument) << prefix;
  }
}

}  // namespace
}  // namespace livesnap::storage
