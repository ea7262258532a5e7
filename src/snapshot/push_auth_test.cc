#include "snapshot/push_auth.h"

#include <gtest/gtest.h>

namespace livesnap::snapshot {
namespace {

constexpr int64_t kT = 1700000000;

PushAuthConfig TypeA() {
  PushAuthConfig config;
  config.auth_type = "type_a";
  config.auth_key1 = "secretKey1";
  config.auth_key2 = "secretKey2";
  config.delta_s = 1800;
  return config;
}

TEST(PushAuthTest, SignsAsAlibabaDocumentsTypeA) {
  // md5("/live/demo-1700000000-0-0-secretKey1"), computed with md5sum.
  EXPECT_EQ(SignPushTypeA("secretKey1", "live", "demo", kT, "0", "0"),
            "1700000000-0-0-46624fa600a4809ba94262a02c3e2e6c");
}

TEST(PushAuthTest, AcceptsBothKeysUntilTheDeltaHasPassed) {
  const PushAuthConfig config = TypeA();
  for (const char* key : {"secretKey1", "secretKey2"}) {
    const std::string query = "auth_key=" + SignPushTypeA(key, "live", "demo", kT, "abc", "7");
    EXPECT_EQ(VerifyPush(config, {"live", "demo", query, ""}, kT).verdict,
              PushAuthVerdict::kAccepted);
    EXPECT_EQ(VerifyPush(config, {"live", "demo", "x=1&" + query, ""}, kT + 1800).verdict,
              PushAuthVerdict::kAccepted);
    const PushAuthResult late = VerifyPush(config, {"live", "demo", query, ""}, kT + 1801);
    EXPECT_EQ(late.verdict, PushAuthVerdict::kExpired);
    EXPECT_NE(late.description.find("expired"), std::string::npos);
  }
}

TEST(PushAuthTest, RefusesMissingMalformedAndWrongSignatures) {
  const PushAuthConfig config = TypeA();
  EXPECT_EQ(VerifyPush(config, {"live", "demo", "", ""}, kT).verdict, PushAuthVerdict::kMissing);
  EXPECT_EQ(VerifyPush(config, {"live", "demo", "token=1", ""}, kT).verdict,
            PushAuthVerdict::kMissing);
  for (const char* bad :
       {"auth_key=", "auth_key=abc", "auth_key=x-0-0-46624fa600a4809ba94262a02c3e2e6c",
        "auth_key=1700000000-0-0-46624fa6", "auth_key=1-2-3-4-5"}) {
    EXPECT_EQ(VerifyPush(config, {"live", "demo", bad, ""}, kT).verdict,
              PushAuthVerdict::kMalformed)
        << bad;
  }
  const std::string signed_demo =
      "auth_key=" + SignPushTypeA("secretKey1", "live", "demo", kT, "0", "0");
  // Valid for the app/stream it was made for only.
  EXPECT_EQ(VerifyPush(config, {"live", "other", signed_demo, ""}, kT).verdict,
            PushAuthVerdict::kWrongSignature);
  EXPECT_EQ(VerifyPush(config, {"app2", "demo", signed_demo, ""}, kT).verdict,
            PushAuthVerdict::kWrongSignature);
  const std::string wrong_key =
      "auth_key=" + SignPushTypeA("notTheKey", "live", "demo", kT, "0", "0");
  const PushAuthResult wrong = VerifyPush(config, {"live", "demo", wrong_key, ""}, kT);
  EXPECT_EQ(wrong.verdict, PushAuthVerdict::kWrongSignature);
  // The description never carries the expected hash or a key.
  EXPECT_EQ(wrong.description.find("46624fa6"), std::string::npos);
  EXPECT_EQ(wrong.description.find("secretKey"), std::string::npos);
}

PushAuthConfig PathSigned(const char* type) {
  PushAuthConfig config = TypeA();
  config.auth_type = type;
  return config;
}

TEST(PushAuthTest, SignsAsAlibabaDocumentsTypesBAndC) {
  // The example of Alibaba's CDN documentation for type B: key
  // aliyuncdnexp1234, 2015-08-15 08:00 UTC+8, path /4/44/44c0...mp3.
  EXPECT_EQ(SignPushTypeB("aliyuncdnexp1234", "4/44", "44c0909bcfc20a01afaf256ca99a8b8b.mp3",
                          1439596800 + 59),
            "201508150800/9044548ef1527deadafa49a890a377f0");
  // md5("secretKey1202311150613/live/demo"), md5sum; 1700000000 is 06:13 UTC+8.
  EXPECT_EQ(SignPushTypeB("secretKey1", "live", "demo", kT),
            "202311150613/92e1c4d13dd48e35e1a98de307d52f05");
  // md5("secretKey1/live/demo6553F100"), md5sum; 0x6553F100 = 1700000000.
  EXPECT_EQ(SignPushTypeC("secretKey1", "live", "demo", kT),
            "b826a25f3da68af374e38b79fe354f5a/6553F100");
}

TEST(PushAuthTest, PathSignaturesAcceptBothKeysUntilTheDeltaHasPassed) {
  for (const char* type : {"type_b", "type_c"}) {
    const PushAuthConfig config = PathSigned(type);
    for (const char* key : {"secretKey1", "secretKey2"}) {
      const std::string signature = std::string(type) == "type_b"
                                        ? SignPushTypeB(key, "live", "demo", kT)
                                        : SignPushTypeC(key, "live", "demo", kT);
      EXPECT_EQ(VerifyPush(config, {"live", "demo", "", signature}, kT).verdict,
                PushAuthVerdict::kAccepted)
          << type << " " << signature;
      // Type B counts from the minute it names (kT is 20 s into 06:13).
      const int64_t last = std::string(type) == "type_b" ? kT - 20 + 1800 : kT + 1800;
      EXPECT_EQ(VerifyPush(config, {"live", "demo", "", signature}, last).verdict,
                PushAuthVerdict::kAccepted)
          << type;
      const PushAuthResult late = VerifyPush(config, {"live", "demo", "", signature}, last + 1);
      EXPECT_EQ(late.verdict, PushAuthVerdict::kExpired) << type;
      EXPECT_NE(late.description.find("signed path expired"), std::string::npos);
    }
  }
}

TEST(PushAuthTest, PathSignaturesRefuseMissingMalformedAndWrongSignatures) {
  const PushAuthConfig b = PathSigned("type_b");
  const PushAuthConfig c = PathSigned("type_c");
  const std::string signed_b = SignPushTypeB("secretKey1", "live", "demo", kT);
  const std::string signed_c = SignPushTypeC("secretKey1", "live", "demo", kT);
  // An auth_key (type A) does not stand in for a path signature.
  const std::string query = "auth_key=" + SignPushTypeA("secretKey1", "live", "demo", kT, "0", "0");
  EXPECT_EQ(VerifyPush(b, {"live", "demo", query, ""}, kT).verdict, PushAuthVerdict::kMissing);
  EXPECT_EQ(VerifyPush(c, {"live", "demo", "", ""}, kT).verdict, PushAuthVerdict::kMissing);
  // One type's signature is malformed for the other.
  EXPECT_EQ(VerifyPush(b, {"live", "demo", "", signed_c}, kT).verdict, PushAuthVerdict::kMalformed);
  EXPECT_EQ(VerifyPush(c, {"live", "demo", "", signed_b}, kT).verdict, PushAuthVerdict::kMalformed);
  for (const char* bad : {"202313150613/92e1c4d13dd48e35e1a98de307d52f05",  // month 13
                          "202302300613/92e1c4d13dd48e35e1a98de307d52f05",  // 30 February
                          "202311150613/92E1C4D13DD48E35E1A98DE307D52F05",  // upper-case hash
                          "202311150613", "202311150613/"}) {
    EXPECT_EQ(VerifyPush(b, {"live", "demo", "", bad}, kT).verdict, PushAuthVerdict::kMalformed)
        << bad;
  }
  for (const char* bad :
       {"b826a25f3da68af374e38b79fe354f5a/-5", "b826a25f3da68af374e38b79fe354f5a/0x6553F100",
        "b826a25f3da68af374e38b79fe354f5a/"}) {
    EXPECT_EQ(VerifyPush(c, {"live", "demo", "", bad}, kT).verdict, PushAuthVerdict::kMalformed)
        << bad;
  }
  // The hexadecimal timestamp may come in lower case, as long as it was signed so.
  EXPECT_EQ(
      VerifyPush(c, {"live", "demo", "", "b826a25f3da68af374e38b79fe354f5a/6553f100"}, kT).verdict,
      PushAuthVerdict::kWrongSignature);
  for (const auto& [config, signature] : {std::pair{b, signed_b}, std::pair{c, signed_c}}) {
    EXPECT_EQ(VerifyPush(config, {"live", "other", "", signature}, kT).verdict,
              PushAuthVerdict::kWrongSignature);
    EXPECT_EQ(VerifyPush(config, {"app2", "demo", "", signature}, kT).verdict,
              PushAuthVerdict::kWrongSignature);
    const PushAuthResult wrong = VerifyPush(config, {"live", "other", "", signature}, kT);
    EXPECT_NE(wrong.description.find("does not match"), std::string::npos);
    EXPECT_EQ(wrong.description.find("secretKey"), std::string::npos);
  }
  const std::string wrong_key = SignPushTypeB("notTheKey", "live", "demo", kT);
  EXPECT_EQ(VerifyPush(b, {"live", "demo", "", wrong_key}, kT).verdict,
            PushAuthVerdict::kWrongSignature);
}

TEST(PushAuthTest, NoAuthAcceptsEverything) {
  EXPECT_EQ(VerifyPush(PushAuthConfig{}, {"live", "demo", "", ""}, kT).verdict,
            PushAuthVerdict::kAccepted);
}

TEST(PushAuthTest, ValidatesConfigurations) {
  EXPECT_TRUE(ValidatePushAuthConfig(TypeA()).ok());
  EXPECT_TRUE(ValidatePushAuthConfig(PushAuthConfig{}).ok());
  PushAuthConfig bad = TypeA();
  for (const char* type : {"type_b", "type_c"}) {
    bad.auth_type = type;
    EXPECT_TRUE(ValidatePushAuthConfig(bad).ok()) << type;
  }
  bad.auth_type = "type_x";
  EXPECT_FALSE(ValidatePushAuthConfig(bad).ok());
  bad = TypeA();
  bad.auth_key1 = "";
  EXPECT_FALSE(ValidatePushAuthConfig(bad).ok());
  bad = TypeA();
  bad.auth_key2 = "has space";
  EXPECT_FALSE(ValidatePushAuthConfig(bad).ok());
  bad = TypeA();
  bad.delta_s = 0;
  EXPECT_FALSE(ValidatePushAuthConfig(bad).ok());
}

}  // namespace
}  // namespace livesnap::snapshot
