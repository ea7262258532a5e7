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
    EXPECT_EQ(VerifyPush(config, "live", "demo", query, kT).verdict, PushAuthVerdict::kAccepted);
    EXPECT_EQ(VerifyPush(config, "live", "demo", "x=1&" + query, kT + 1800).verdict,
              PushAuthVerdict::kAccepted);
    const PushAuthResult late = VerifyPush(config, "live", "demo", query, kT + 1801);
    EXPECT_EQ(late.verdict, PushAuthVerdict::kExpired);
    EXPECT_NE(late.description.find("expired"), std::string::npos);
  }
}

TEST(PushAuthTest, RefusesMissingMalformedAndWrongSignatures) {
  const PushAuthConfig config = TypeA();
  EXPECT_EQ(VerifyPush(config, "live", "demo", "", kT).verdict, PushAuthVerdict::kMissing);
  EXPECT_EQ(VerifyPush(config, "live", "demo", "token=1", kT).verdict, PushAuthVerdict::kMissing);
  for (const char* bad :
       {"auth_key=", "auth_key=abc", "auth_key=x-0-0-46624fa600a4809ba94262a02c3e2e6c",
        "auth_key=1700000000-0-0-46624fa6", "auth_key=1-2-3-4-5"}) {
    EXPECT_EQ(VerifyPush(config, "live", "demo", bad, kT).verdict, PushAuthVerdict::kMalformed)
        << bad;
  }
  const std::string signed_demo =
      "auth_key=" + SignPushTypeA("secretKey1", "live", "demo", kT, "0", "0");
  // Valid for the app/stream it was made for only.
  EXPECT_EQ(VerifyPush(config, "live", "other", signed_demo, kT).verdict,
            PushAuthVerdict::kWrongSignature);
  EXPECT_EQ(VerifyPush(config, "app2", "demo", signed_demo, kT).verdict,
            PushAuthVerdict::kWrongSignature);
  const std::string wrong_key =
      "auth_key=" + SignPushTypeA("notTheKey", "live", "demo", kT, "0", "0");
  const PushAuthResult wrong = VerifyPush(config, "live", "demo", wrong_key, kT);
  EXPECT_EQ(wrong.verdict, PushAuthVerdict::kWrongSignature);
  // The description never carries the expected hash or a key.
  EXPECT_EQ(wrong.description.find("46624fa6"), std::string::npos);
  EXPECT_EQ(wrong.description.find("secretKey"), std::string::npos);
}

TEST(PushAuthTest, NoAuthAcceptsEverything) {
  EXPECT_EQ(VerifyPush(PushAuthConfig{}, "live", "demo", "", kT).verdict,
            PushAuthVerdict::kAccepted);
}

TEST(PushAuthTest, ValidatesConfigurations) {
  EXPECT_TRUE(ValidatePushAuthConfig(TypeA()).ok());
  EXPECT_TRUE(ValidatePushAuthConfig(PushAuthConfig{}).ok());
  PushAuthConfig bad = TypeA();
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
