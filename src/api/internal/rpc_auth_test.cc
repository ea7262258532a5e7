#include "api/internal/rpc_auth.h"

#include <gtest/gtest.h>

#include "api/internal/validation.h"
#include "api/signature.h"

namespace livesnap::api::internal {
namespace {

constexpr int64_t kMinuteMs = 60'000;

class RpcAuthTest : public ::testing::Test {
 protected:
  // A request as an SDK sends it, signed with `secret`.
  QueryParams Signed(const std::string& nonce, const std::string& secret = "secret1",
                     int64_t timestamp_ms = -1, const std::string& method = "GET") {
    if (timestamp_ms < 0) timestamp_ms = clock_.UnixMs();
    QueryParams params = {{"Action", "DescribeLiveSnapshotConfig"},
                          {"DomainName", "push.example.com"},
                          {"Version", "2016-11-01"},
                          {"Format", "JSON"},
                          {"AccessKeyId", "id1"},
                          {"SignatureMethod", "HMAC-SHA1"},
                          {"SignatureVersion", "1.0"},
                          {"SignatureNonce", nonce},
                          {"Timestamp", FormatIso8601Utc(timestamp_ms)}};
    params.emplace_back("Signature",
                        RpcSignature(StringToSign(method, CanonicalizedQuery(params)), secret));
    return params;
  }

  std::string Verify(const QueryParams& params, const std::string& method = "GET") {
    const auto error = auth_.Verify(method, RequestParams(params));
    return error ? std::string(error->code->code) : "OK";
  }

  static QueryParams With(QueryParams params, const std::string& name, const std::string& value) {
    for (auto& [key, old] : params) {
      if (key == name) old = value;
    }
    return params;
  }

  static QueryParams Without(QueryParams params, const std::string& name) {
    std::erase_if(params, [&](const auto& p) { return p.first == name; });
    return params;
  }

  FakeClock clock_{1'714'557'600'000};  // 2024-05-01T10:00:00Z
  RpcAuthenticator auth_{{{"id1", "secret1"}, {"id2", "secret2"}}, clock_};
};

TEST_F(RpcAuthTest, AcceptsARightlySignedRequest) {
  EXPECT_EQ(Verify(Signed("n1")), "OK");
  EXPECT_EQ(Verify(Signed("n2", "secret1", -1, "POST"), "POST"), "OK");
}

TEST_F(RpcAuthTest, RefusesAWrongSecretOrAChangedParameter) {
  EXPECT_EQ(Verify(Signed("n1", "wrong")), "SignatureDoesNotMatch");
  EXPECT_EQ(Verify(With(Signed("n2"), "DomainName", "other.example.com")), "SignatureDoesNotMatch");
  QueryParams added = Signed("n3");
  added.emplace_back("AppName", "live");
  EXPECT_EQ(Verify(added), "SignatureDoesNotMatch");
  EXPECT_EQ(Verify(Signed("n4"), "POST"), "SignatureDoesNotMatch");  // signed for GET
}

TEST_F(RpcAuthTest, RefusesAnUnknownAccessKey) {
  EXPECT_EQ(Verify(With(Signed("n1"), "AccessKeyId", "nobody")), "InvalidAccessKeyId.NotFound");
}

TEST_F(RpcAuthTest, TimestampMustBeWithinFifteenMinutes) {
  const int64_t now = clock_.UnixMs();
  EXPECT_EQ(Verify(Signed("a", "secret1", now - 15 * kMinuteMs)), "OK");
  EXPECT_EQ(Verify(Signed("b", "secret1", now + 15 * kMinuteMs)), "OK");
  EXPECT_EQ(Verify(Signed("c", "secret1", now - 15 * kMinuteMs - 1000)),
            "InvalidTimeStamp.Expired");
  EXPECT_EQ(Verify(Signed("d", "secret1", now + 16 * kMinuteMs)), "InvalidTimeStamp.Expired");
  EXPECT_EQ(Verify(With(Signed("e"), "Timestamp", "2024-05-01 10:00:00")),
            "InvalidTimeStamp.Format");
}

TEST_F(RpcAuthTest, ANonceIsUsedOnceWithinItsWindow) {
  const QueryParams first = Signed("same");
  EXPECT_EQ(Verify(first), "OK");
  EXPECT_EQ(Verify(first), "SignatureNonceUsed");
  clock_.AdvanceMs(10 * kMinuteMs);
  EXPECT_EQ(Verify(Signed("same")), "SignatureNonceUsed");
  // Another key's nonces are its own.
  QueryParams other = With(Signed("same"), "AccessKeyId", "id2");
  other = Without(other, "Signature");
  other.emplace_back("Signature",
                     RpcSignature(StringToSign("GET", CanonicalizedQuery(other)), "secret2"));
  EXPECT_EQ(Verify(other), "OK");
  // Once the first request's Timestamp could no longer pass, the nonce is free.
  clock_.AdvanceMs(6 * kMinuteMs);
  EXPECT_EQ(Verify(Signed("same")), "OK");
}

TEST_F(RpcAuthTest, AFutureTimestampKeepsItsNonceUntilItExpires) {
  const QueryParams early = Signed("future", "secret1", clock_.UnixMs() + 14 * kMinuteMs);
  EXPECT_EQ(Verify(early), "OK");
  clock_.AdvanceMs(20 * kMinuteMs);  // the timestamp is still within 15 minutes
  EXPECT_EQ(Verify(early), "SignatureNonceUsed");
}

TEST_F(RpcAuthTest, ABadSignatureDoesNotUseUpTheNonce) {
  EXPECT_EQ(Verify(Signed("n", "wrong")), "SignatureDoesNotMatch");
  EXPECT_EQ(Verify(Signed("n")), "OK");
}

TEST_F(RpcAuthTest, CommonParametersAreRequired) {
  EXPECT_EQ(Verify(Without(Signed("1"), "AccessKeyId")), "MissingAccessKeyId");
  EXPECT_EQ(Verify(Without(Signed("2"), "Signature")), "MissingSignature");
  EXPECT_EQ(Verify(Without(Signed("3"), "SignatureNonce")), "MissingSignatureNonce");
  EXPECT_EQ(Verify(Without(Signed("4"), "Timestamp")), "MissingTimestamp");
  EXPECT_EQ(Verify(With(Signed("5"), "SignatureMethod", "HMAC-SHA256")), "InvalidSignatureMethod");
  EXPECT_EQ(Verify(With(Signed("6"), "SignatureVersion", "2.0")), "InvalidSignatureVersion");
}

TEST(NonceCacheTest, ForgetsExpiredNonces) {
  NonceCache cache;
  EXPECT_TRUE(cache.Insert("a", 0, 100));
  EXPECT_TRUE(cache.Insert("b", 10, 200));
  EXPECT_FALSE(cache.Insert("a", 99, 300));
  EXPECT_TRUE(cache.Insert("a", 100, 300));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.Insert("c", 1000, 1100));
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace livesnap::api::internal
