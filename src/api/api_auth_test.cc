// Signature version 1.0 over real HTTP: the server with auth on refuses what
// Alibaba's gateway refuses, with the same codes and statuses; with auth off
// unsigned requests pass.
#include <gtest/gtest.h>

#include "api/testing/api_fixture.h"

namespace livesnap::api::testing {
namespace {

using livesnap::testing::ApiClient;
using Params = std::map<std::string, std::string>;

class AuthTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/true);
  }

  // A signed DescribeLiveUserDomains, changed by `edit` after signing when given.
  Params SignedRequest(ApiClient::Method method = ApiClient::kGet) {
    return SignedClient().SignedParams("DescribeLiveUserDomains", {}, method);
  }
};

TEST_F(AuthTest, SignedGetAndPostPass) {
  auto client = SignedClient();
  EXPECT_TRUE(IsApiSuccess(client.Call("AddLiveDomain",
                                       {{"DomainName", "push.example.com"},
                                        {"Region", "cn-shanghai"},
                                        {"LiveDomainType", "liveVideo"}},
                                       ApiClient::kPost)));
  auto listed = client.Call("DescribeLiveUserDomains", {{"DomainName", "push"}});
  ASSERT_TRUE(IsApiSuccess(listed));
  EXPECT_EQ(listed.body["TotalCount"], 1);
  // Values that need encoding sign the same way on both sides.
  EXPECT_TRUE(IsApiSuccess(client.Call("AddLiveAppSnapshotConfig",
                                       {{"DomainName", "push.example.com"},
                                        {"AppName", "*"},
                                        {"TimeInterval", "10"},
                                        {"OssEndpoint", "file.local"},
                                        {"OssBucket", "snapshots"},
                                        {"OverwriteOssObject", "{AppName}/{StreamName}.jpg"},
                                        {"Callback", "http://cb.example.com/a%20b?x=1&y=~*(!)"}})));
}

TEST_F(AuthTest, UnsignedRequestsAreRefused) {
  EXPECT_TRUE(IsApiError(Client().Call("DescribeLiveUserDomains", {}), 400, "MissingAccessKeyId"));
  Params params = SignedRequest();
  params.erase("Signature");
  EXPECT_TRUE(IsApiError(Client().Send(params), 400, "MissingSignature"));
  params = SignedRequest();
  params.erase("SignatureNonce");
  EXPECT_TRUE(IsApiError(Client().Send(params), 400, "MissingSignatureNonce"));
  params = SignedRequest();
  params.erase("Timestamp");
  EXPECT_TRUE(IsApiError(Client().Send(params), 400, "MissingTimestamp"));
}

TEST_F(AuthTest, WrongSecretIsSignatureDoesNotMatch) {
  EXPECT_TRUE(IsApiError(SignedClient(kKeyId, "wrong-secret").Call("DescribeLiveUserDomains", {}),
                         400, "SignatureDoesNotMatch"));
  // A parameter changed after signing.
  Params params = SignedRequest();
  params["PageSize"] = "5";
  EXPECT_TRUE(IsApiError(Client().Send(params), 400, "SignatureDoesNotMatch"));
  // Signed for GET, sent as POST.
  EXPECT_TRUE(IsApiError(Client().Send(SignedRequest(ApiClient::kGet), ApiClient::kPost), 400,
                         "SignatureDoesNotMatch"));
}

TEST_F(AuthTest, UnknownAccessKey) {
  EXPECT_TRUE(
      IsApiError(SignedClient("LTAI-nobody", kKeySecret).Call("DescribeLiveUserDomains", {}), 404,
                 "InvalidAccessKeyId.NotFound"));
}

TEST_F(AuthTest, StaleOrMalformedTimestamp) {
  auto client = SignedClient();
  client.set_clock([this] { return clock_.UnixMs() - 16 * 60'000; });
  EXPECT_TRUE(
      IsApiError(client.Call("DescribeLiveUserDomains", {}), 400, "InvalidTimeStamp.Expired"));
  client.set_clock([this] { return clock_.UnixMs() + 16 * 60'000; });
  EXPECT_TRUE(
      IsApiError(client.Call("DescribeLiveUserDomains", {}), 400, "InvalidTimeStamp.Expired"));
  client.set_clock([this] { return clock_.UnixMs() - 14 * 60'000; });
  EXPECT_TRUE(IsApiSuccess(client.Call("DescribeLiveUserDomains", {})));

  Params params = SignedRequest();
  params["Timestamp"] = "2024/05/01 10:00:00";
  params["Signature"] = ApiClient::Sign("GET", params, kKeySecret);
  EXPECT_TRUE(IsApiError(Client().Send(params), 400, "InvalidTimeStamp.Format"));
}

TEST_F(AuthTest, ReusedNonceIsRefusedForFifteenMinutes) {
  const Params params = SignedRequest();
  EXPECT_TRUE(IsApiSuccess(Client().Send(params)));
  EXPECT_TRUE(IsApiError(Client().Send(params), 400, "SignatureNonceUsed"));
  // Same nonce, fresh timestamp and signature, 14 minutes later.
  clock_.AdvanceMs(14 * 60'000);
  Params again = params;
  again["Timestamp"] = ApiClient::Iso8601(clock_.UnixMs());
  again["Signature"] = ApiClient::Sign("GET", again, kKeySecret);
  EXPECT_TRUE(IsApiError(Client().Send(again), 400, "SignatureNonceUsed"));
  // After the window the nonce may come back.
  clock_.AdvanceMs(2 * 60'000);
  again["Timestamp"] = ApiClient::Iso8601(clock_.UnixMs());
  again["Signature"] = ApiClient::Sign("GET", again, kKeySecret);
  EXPECT_TRUE(IsApiSuccess(Client().Send(again)));
}

TEST_F(AuthTest, HealthIsPublicAndMetricsNeedTheBearerToken) {
  EXPECT_EQ(Client().Get("/healthz").status, 200);
  EXPECT_TRUE(IsApiError(Client().Get("/metrics"), 401, "InvalidBearerToken"));
}

class AuthOffTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/false);
  }
};

TEST_F(AuthOffTest, UnsignedAndWronglySignedRequestsPass) {
  EXPECT_TRUE(IsApiSuccess(Client().Call("DescribeLiveUserDomains", {})));
  EXPECT_TRUE(IsApiSuccess(SignedClient(kKeyId, "wrong").Call("DescribeLiveUserDomains", {})));
}

TEST(ApiServerCreateTest, AuthOnNeedsAnAccessKey) {
  livesnap::testing::TempDir dir;
  auto catalog = catalog::OpenCatalog("sqlite://" + (dir / "c.db").string());
  ASSERT_TRUE(catalog.ok());
  prometheus::Registry registry;
  FakeClock clock;
  ApiOptions options;
  options.auth_enabled = true;
  auto server = ApiServer::Create(options, catalog->get(), nullptr, &registry, &clock);
  EXPECT_TRUE(absl::IsInvalidArgument(server.status())) << server.status();
  EXPECT_TRUE(absl::IsInvalidArgument(
      ApiServer::Create(options, nullptr, nullptr, &registry, &clock).status()));
}

}  // namespace
}  // namespace livesnap::api::testing
