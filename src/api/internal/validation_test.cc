#include "api/internal/validation.h"

#include <gtest/gtest.h>

#include <set>

namespace livesnap::api::internal {
namespace {

std::string CodeOf(const std::optional<ApiError>& error) {
  return error ? std::string(error->code->code) : "OK";
}

TEST(Iso8601Test, ParsesUtcSecondsAndFractions) {
  EXPECT_EQ(ParseIso8601Utc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIso8601Utc("2016-02-23T12:46:24Z"), 1456231584000);
  EXPECT_EQ(ParseIso8601Utc("2024-02-29T23:59:59Z"), 1709251199000);
  EXPECT_EQ(ParseIso8601Utc("2024-02-29T23:59:59.5Z"), 1709251199500);
  EXPECT_EQ(ParseIso8601Utc("2024-02-29T23:59:59.123456Z"), 1709251199123);
}

TEST(Iso8601Test, RefusesMalformedOrImpossibleTimes) {
  for (const char* text :
       {"", "2016-02-23T12:46:24", "2016-02-23 12:46:24Z", "2016-02-23T12:46:24+08:00",
        "2016-2-23T12:46:24Z", "2023-02-29T00:00:00Z", "2016-13-01T00:00:00Z",
        "2016-02-23T24:00:00Z", "2016-02-23T12:60:00Z", "2016-02-23T12:46:60Z",
        "1969-12-31T23:59:59Z", "2016-02-23T12:46:24.Z", "2016-02-23T12:46:24ZZ",
        "2016-02-23T12:46:24.1234567890Z", "+016-02-23T12:46:24Z"}) {
    EXPECT_EQ(ParseIso8601Utc(text), std::nullopt) << text;
  }
}

// The formats themselves: base/utc_time_test.cc.
TEST(Iso8601Test, RoundTripsThroughTheFormatter) {
  for (int64_t ms : {int64_t{0}, int64_t{951782400000}, int64_t{4102444799999}}) {
    EXPECT_EQ(ParseIso8601Utc(FormatIso8601Utc(ms, true)), ms);
  }
}

TEST(ParseNonNegativeIntTest, DigitsOnly) {
  EXPECT_EQ(ParseNonNegativeInt("0"), 0);
  EXPECT_EQ(ParseNonNegativeInt("3600"), 3600);
  for (const char* text :
       {"", "-1", "+5", " 5", "5 ", "5.0", "1e3", "0x10", "1234567890123456789"}) {
    EXPECT_EQ(ParseNonNegativeInt(text), std::nullopt) << text;
  }
}

TEST(AppNameTest, FollowsTheReferencePattern) {
  for (const std::string& app :
       std::vector<std::string>{"*", "live", "Live-2_x", "0", std::string(255, 'a')}) {
    EXPECT_EQ(CodeOf(CheckAppName(app)), "OK") << app;
  }
  for (const std::string& app : std::vector<std::string>{
           "", "-live", "_live", "li ve", "li/ve", "l*", "**", "liv.e", std::string(256, 'a')}) {
    EXPECT_EQ(CodeOf(CheckAppName(app)), "InvalidAppName.Malformed") << app;
  }
}

TEST(DomainNameTest, HostNamesAndIpv4) {
  for (const char* name : {"push.example.com", "127.0.0.1", "localhost", "a-b.c"}) {
    EXPECT_EQ(CodeOf(CheckDomainName(name)), "OK") << name;
  }
  for (const std::string& name :
       std::vector<std::string>{"", ".com", "a..b", "a.", "-a.com", "a-.com", "a_b.com", "a/b",
                                "a b", std::string(254, 'a'), std::string(64, 'a'), ".", "..a.com",
                                ".-a.com", "..", "a.example.com."}) {
    EXPECT_EQ(CodeOf(CheckDomainName(name)), "InvalidDomainName.Malformed") << name;
  }
}

TEST(DomainNameTest, AWildcardIsADotBeforeAHostOfTwoLabelsOrMore) {
  for (const char* name : {".example.com", ".b.example.com", ".a-1.example.com"}) {
    EXPECT_EQ(CodeOf(CheckDomainName(name)), "OK") << name;
  }
  EXPECT_EQ(CodeOf(CheckDomainName(".com")), "InvalidDomainName.Malformed");
  EXPECT_EQ(CodeOf(CheckDomainName("a.*.example.com")), "InvalidDomainName.Malformed");
  EXPECT_EQ(CodeOf(CheckDomainName("*.example.com")), "InvalidDomainName.Malformed");
}

TEST(StreamNameTest, RefusesSeparatorsAndControlCharacters) {
  EXPECT_EQ(CodeOf(CheckStreamName("demo.v2-x_y")), "OK");
  for (const std::string& name : std::vector<std::string>{
           "", ".", "..", "a/b", "a\\b", std::string("a\0b", 3), "a\nb", std::string(256, 's')}) {
    EXPECT_EQ(CodeOf(CheckStreamName(name)), "InvalidStreamName.Malformed");
  }
}

TEST(ObjectPatternTest, AcceptsTheDefaultsAndReferenceExamples) {
  EXPECT_EQ(CodeOf(CheckObjectPattern("{AppName}/{StreamName}.jpg", ObjectMode::kOverwrite)), "OK");
  EXPECT_EQ(
      CodeOf(CheckObjectPattern("{AppName}/{StreamName}/{Sequence}.jpg", ObjectMode::kSequence)),
      "OK");
  EXPECT_EQ(CodeOf(CheckObjectPattern("snapshot/{AppName}/{StreamName}/{UnixTimestamp}.jpg",
                                      ObjectMode::kSequence)),
            "OK");
  EXPECT_EQ(CodeOf(CheckObjectPattern("{Domain}/{Date}/{AppName}.jpg", ObjectMode::kOverwrite)),
            "OK");
  EXPECT_EQ(CodeOf(CheckObjectPattern(std::string(251, 'a') + ".jpg", ObjectMode::kOverwrite)),
            "OK");  // 255 bytes
}

TEST(ObjectPatternTest, RefusesEveryBrokenRule) {
  struct Case {
    std::string pattern;
    ObjectMode mode;
  };
  for (const Case& c : std::vector<Case>{
           {"{AppName}/{StreamName}.png", ObjectMode::kOverwrite},
           {"{AppName}/{StreamName}.JPG", ObjectMode::kOverwrite},
           {".jpg", ObjectMode::kOverwrite},
           {std::string(252, 'a') + ".jpg", ObjectMode::kOverwrite},  // 256 bytes
           {"/{AppName}/{StreamName}.jpg", ObjectMode::kOverwrite},
           {"../{StreamName}.jpg", ObjectMode::kOverwrite},
           {"a/../{StreamName}.jpg", ObjectMode::kOverwrite},
           {"a//{StreamName}.jpg", ObjectMode::kOverwrite},
           {"./{StreamName}.jpg", ObjectMode::kOverwrite},
           {"a/./{StreamName}.jpg", ObjectMode::kOverwrite},
           {"{AppName}/./{Sequence}.jpg", ObjectMode::kSequence},
           {"a\\{StreamName}.jpg", ObjectMode::kOverwrite},
           {"{Bogus}/{StreamName}.jpg", ObjectMode::kOverwrite},
           {"{appname}/{StreamName}.jpg", ObjectMode::kOverwrite},
           {"{AppName/{StreamName}.jpg", ObjectMode::kOverwrite},
           {"{AppName}}/x.jpg", ObjectMode::kOverwrite},
           {"{AppName}/{Sequence}.jpg", ObjectMode::kOverwrite},
           {"{AppName}/{UnixTimestamp}.jpg", ObjectMode::kOverwrite},
           {"{AppName}/{StreamName}.jpg", ObjectMode::kSequence},
           {"{AppName}/{Date}.jpg", ObjectMode::kSequence},
       }) {
    const bool overwrite = c.mode == ObjectMode::kOverwrite;
    const auto error = CheckObjectPattern(c.pattern, c.mode);
    EXPECT_EQ(CodeOf(error), overwrite ? "InvalidOverwriteOssObject.Malformed"
                                       : "InvalidSequenceOssObject.Malformed")
        << c.pattern;
    if (error) {
      EXPECT_NE(error->message.find(overwrite ? "OverwriteOssObject" : "SequenceOssObject"),
                std::string::npos);
    }
  }
}

TEST(HttpUrlTest, HttpAndHttpsOnly) {
  EXPECT_EQ(CodeOf(CheckHttpUrl("http://cb.example.com/x", codes::kMalformedParam, "U")), "OK");
  EXPECT_EQ(CodeOf(CheckHttpUrl("https://127.0.0.1:8443", codes::kMalformedParam, "U")), "OK");
  for (const std::string& url :
       std::vector<std::string>{"ftp://x", "cb.example.com", "http://", "http:///x", "http://a b",
                                "http://x\n", "http://" + std::string(494, 'a')}) {
    EXPECT_EQ(CodeOf(CheckHttpUrl(url, codes::kMalformedParam, "U")), "MalformedParam") << url;
  }
}

TEST(IntervalTest, FiveToThirtySixHundred) {
  EXPECT_EQ(*ParseInterval("5"), 5);
  EXPECT_EQ(*ParseInterval("3600"), 3600);
  for (const char* text : {"4", "3601", "0", "-5", "5.5", "abc", "10s"}) {
    const ApiResult<int> result = ParseInterval(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code->code, "InvalidOssInterval.Malformed");
    EXPECT_EQ(result.error().code->http_status, 400);
  }
}

TEST(DimensionTest, ZeroToFourThousandNinetySix) {
  EXPECT_EQ(*ParseDimension("0", codes::kInvalidWidthMalformed, "Width"), 0);
  EXPECT_EQ(*ParseDimension("4096", codes::kInvalidWidthMalformed, "Width"), 4096);
  EXPECT_FALSE(ParseDimension("4097", codes::kInvalidWidthMalformed, "Width").ok());
  EXPECT_FALSE(ParseDimension("-1", codes::kInvalidHeightMalformed, "Height").ok());
}

TEST(RegionAndBucketTest, Syntax) {
  EXPECT_EQ(CodeOf(CheckRegion("cn-shanghai")), "OK");
  EXPECT_EQ(CodeOf(CheckRegion("CN")), "InvalidRegion.Malformed");
  EXPECT_EQ(CodeOf(CheckBucketName("snap-shots_1.x")), "OK");
  EXPECT_EQ(CodeOf(CheckBucketName("a/b")), "InvalidOssBucket.Malformed");
  EXPECT_EQ(CodeOf(CheckBucketName("..")), "InvalidOssBucket.Malformed");
}

TEST(ErrorCodesTest, EveryCodeIsListedOnceWithAnErrorStatus) {
  std::set<std::string_view> seen;
  for (const ErrorCode& code : kAllErrorCodes) {
    EXPECT_TRUE(seen.insert(code.code).second) << code.code;
    EXPECT_GE(code.http_status, 400) << code.code;
    EXPECT_LT(code.http_status, 600) << code.code;
    EXPECT_EQ(FindErrorCode(code.code), &code);
  }
  EXPECT_EQ(FindErrorCode("NoSuchCode"), nullptr);
  EXPECT_EQ(FindErrorCode("ConfigAlreadyExists")->http_status, 400);
  EXPECT_EQ(FindErrorCode("InvalidOssBucket.NotFound")->http_status, 400);
  EXPECT_EQ(FindErrorCode("InvalidConfig.NotFound")->http_status, 404);
  EXPECT_EQ(FindErrorCode("ConfigNotFound")->http_status, 404);
  EXPECT_EQ(FindErrorCode("InvalidAccessKeyId.NotFound")->http_status, 404);
  EXPECT_EQ(FindErrorCode("SignatureDoesNotMatch")->http_status, 400);
}

}  // namespace
}  // namespace livesnap::api::internal
