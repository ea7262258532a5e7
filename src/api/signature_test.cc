#include "api/signature.h"

#include <gtest/gtest.h>

#include <chrono>

#include "absl/strings/strip.h"
#include "tests/support/subprocess.h"

namespace livesnap::api {
namespace {

// HMAC-SHA1 + Base64 by the openssl CLI, independently of the code under test.
std::string OpensslSignature(const std::string& string_to_sign, const std::string& secret) {
  testing::RunResult result = testing::Run(
      {"sh", "-c", "printf %s \"$1\" | openssl dgst -sha1 -hmac \"$2\" -binary | base64 -w0", "sh",
       string_to_sign, secret + "&"},
      std::chrono::seconds(20));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return std::string(absl::StripAsciiWhitespace(result.output));
}

TEST(PercentEncodeTest, KeepsOnlyRfc3986Unreserved) {
  EXPECT_EQ(PercentEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(PercentEncode("a b"), "a%20b");
  EXPECT_EQ(PercentEncode("*"), "%2A");
  EXPECT_EQ(PercentEncode("+"), "%2B");
  EXPECT_EQ(PercentEncode("/"), "%2F");
  EXPECT_EQ(PercentEncode(":"), "%3A");
  EXPECT_EQ(PercentEncode("="), "%3D");
  EXPECT_EQ(PercentEncode("&"), "%26");
  EXPECT_EQ(PercentEncode("%"), "%25");
  EXPECT_EQ(PercentEncode("!'()"), "%21%27%28%29");
  EXPECT_EQ(PercentEncode("{AppName}"), "%7BAppName%7D");
}

TEST(PercentEncodeTest, EncodesUtf8BytesWithUppercaseHex) {
  EXPECT_EQ(PercentEncode("\xE4\xB8\xAD"), "%E4%B8%AD");  // U+4E2D
  EXPECT_EQ(PercentEncode(std::string("\x00\x7F\xFF", 3)), "%00%7F%FF");
}

TEST(CanonicalizedQueryTest, SortsByNameEncodesAndDropsSignature) {
  QueryParams params = {{"b", "2 3"}, {"a", "x*y~z"}, {"Signature", "abc"}, {"C", "/"}};
  EXPECT_EQ(CanonicalizedQuery(params), "C=%2F&a=x%2Ay~z&b=2%203");
}

TEST(CanonicalizedQueryTest, RepeatedNamesAreOrderedByValue) {
  EXPECT_EQ(CanonicalizedQuery({{"k", "b"}, {"k", "a"}}), "k=a&k=b");
}

TEST(StringToSignTest, EncodesTheQueryASecondTime) {
  EXPECT_EQ(StringToSign("GET", "A=1&B=a%20b"), "GET&%2F&A%3D1%26B%3Da%2520b");
}

// The worked example of Alibaba Cloud's RPC signature documentation
// (DescribeRegions, AccessKeyId testid, secret testsecret).
TEST(RpcSignatureTest, AlibabaDocumentationExample) {
  const QueryParams params = {{"TimeStamp", "2016-02-23T12:46:24Z"},
                              {"Format", "XML"},
                              {"AccessKeyId", "testid"},
                              {"Action", "DescribeRegions"},
                              {"SignatureMethod", "HMAC-SHA1"},
                              {"SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
                              {"Version", "2014-05-26"},
                              {"SignatureVersion", "1.0"}};
  const std::string to_sign = StringToSign("GET", CanonicalizedQuery(params));
  EXPECT_EQ(to_sign,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26"
            "SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26"
            "SignatureVersion%3D1.0%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-"
            "05-26");
  EXPECT_EQ(RpcSignature(to_sign, "testsecret"), "CT9X0VtwR86fNWSnsc6v8YGOjuE=");
}

// Requests of this API, with the string to sign written out by hand and the
// HMAC computed by openssl at test time.
TEST(RpcSignatureTest, MatchesOpensslOnHandWrittenStringsToSign) {
  struct Case {
    std::string method;
    QueryParams params;
    std::string secret;
    std::string expected_to_sign;
  };
  const std::vector<Case> cases = {
      {"GET",
       {{"Action", "DescribeLiveSnapshotConfig"},
        {"DomainName", "push.example.com"},
        {"Version", "2016-11-01"},
        {"AppName", "*"}},
       "s3cr3t",
       "GET&%2F&Action%3DDescribeLiveSnapshotConfig%26AppName%3D%252A%26DomainName%3Dpush."
       "example.com%26Version%3D2016-11-01"},
      {"POST",
       {{"Action", "AddLiveAppSnapshotConfig"},
        {"OverwriteOssObject", "{AppName}/{StreamName}.jpg"},
        {"Callback", "http://cb.example.com/a b?x=1&y=~"},
        {"Timestamp", "2024-05-01T10:00:00Z"}},
       "key with spaces/+=",
       "POST&%2F&Action%3DAddLiveAppSnapshotConfig%26Callback%3Dhttp%253A%252F%252Fcb.example."
       "com%252Fa%2520b%253Fx%253D1%2526y%253D~%26OverwriteOssObject%3D%257BAppName%257D%252F%"
       "257BStreamName%257D.jpg%26Timestamp%3D2024-05-01T10%253A00%253A00Z"},
      {"GET",
       {{"StreamName", "\xE4\xB8\xAD"}, {"Signature", "ignored"}},
       "x",
       "GET&%2F&StreamName%3D%25E4%25B8%25AD"},
  };
  for (const Case& c : cases) {
    const std::string to_sign = StringToSign(c.method, CanonicalizedQuery(c.params));
    EXPECT_EQ(to_sign, c.expected_to_sign);
    const std::string expected = OpensslSignature(c.expected_to_sign, c.secret);
    ASSERT_EQ(expected.size(), 28u) << expected;  // 20 bytes of SHA-1 in Base64
    EXPECT_EQ(RpcSignature(to_sign, c.secret), expected);
  }
}

TEST(RpcSignatureTest, DependsOnMethodSecretAndEveryParameter) {
  const QueryParams params = {{"Action", "A"}, {"DomainName", "d.com"}};
  const std::string base = RpcSignature(StringToSign("GET", CanonicalizedQuery(params)), "k");
  EXPECT_NE(base, RpcSignature(StringToSign("POST", CanonicalizedQuery(params)), "k"));
  EXPECT_NE(base, RpcSignature(StringToSign("GET", CanonicalizedQuery(params)), "K"));
  EXPECT_NE(base,
            RpcSignature(
                StringToSign("GET", CanonicalizedQuery({{"Action", "A"}, {"DomainName", "e.com"}})),
                "k"));
}

TEST(SignaturesEqualTest, ComparesWholeValues) {
  EXPECT_TRUE(SignaturesEqual("abc=", "abc="));
  EXPECT_FALSE(SignaturesEqual("abc=", "abd="));
  EXPECT_FALSE(SignaturesEqual("abc", "abc="));
  EXPECT_FALSE(SignaturesEqual("", ""));
}

}  // namespace
}  // namespace livesnap::api
