#include "notify/callback_signature.h"

#include <stdio.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace livesnap::notify {
namespace {

using ::testing::HasSubstr;

// The expected value comes from coreutils, not from our MD5 code. Arguments
// must not contain a single quote.
std::string Md5sum(const std::string& content) {
  const std::string command = "printf '%s' '" + content + "' | md5sum";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  char buffer[128] = {};
  const size_t n = fread(buffer, 1, sizeof(buffer) - 1, pipe);
  pclose(pipe);
  return std::string(buffer, n).substr(0, 32);
}

TEST(CallbackSignatureTest, IsMd5OfHostTimestampAndKey) {
  const std::string expected = Md5sum("learn.aliyundoc.com|1519375990|yourkey");
  ASSERT_EQ(expected.size(), 32u);
  auto signature = CallbackSignature("learn.aliyundoc.com", 1519375990, "yourkey");
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(*signature, expected);

  EXPECT_EQ(*CallbackSignature("127.0.0.1", 1700000000, "0123456789abcdefKEY"),
            Md5sum("127.0.0.1|1700000000|0123456789abcdefKEY"));
}

TEST(CallbackSignatureTest, IsLowercaseHex) {
  const std::string signature = *CallbackSignature("h", 1, "k");
  EXPECT_EQ(signature.size(), 32u);
  EXPECT_EQ(signature.find_first_not_of("0123456789abcdef"), std::string::npos) << signature;
}

TEST(CallbackHostTest, IsTheHostWithoutSchemePortOrPath) {
  EXPECT_EQ(*CallbackHost("https://learn.aliyundoc.com/your/callback"), "learn.aliyundoc.com");
  EXPECT_EQ(*CallbackHost("http://127.0.0.1:8080/cb?x=1"), "127.0.0.1");
  EXPECT_EQ(*CallbackHost("http://user:pw@example.com:81"), "example.com");
  EXPECT_EQ(*CallbackHost("http://[::1]:8080/cb"), "[::1]");
}

TEST(CallbackHostTest, RefusesWhatIsNotAnHttpUrl) {
  for (std::string_view url :
       {"", "not a url", "/relative/path", "ftp://example.com/x", "file:///etc/passwd"}) {
    auto host = CallbackHost(url);
    EXPECT_EQ(host.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(std::string(host.status().message()), HasSubstr("\"" + std::string(url) + "\""));
  }
}

}  // namespace
}  // namespace livesnap::notify
