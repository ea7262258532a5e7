// Domains as ApsaraVideo Live's SDK models describe them (LiveDomainType kept,
// Scope, CheckUrl and TopLevelDomain checked, wildcard names), the notify
// config's defaults, and the signing of template callbacks
// (Set/Delete/QuerySnapshotCallbackAuth), over real HTTP and a real catalog.
#include <gtest/gtest.h>

#include "api/testing/api_fixture.h"

namespace livesnap::api::testing {
namespace {

using Params = std::map<std::string, std::string>;
using livesnap::testing::ApiResponse;

class DomainTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/false);
  }
  ApiResponse Call(const std::string& action, const Params& params) {
    return Client().Call(action, params);
  }
  ApiResponse AddLiveDomain(const std::string& name, const Params& extra) {
    Params params = {{"DomainName", name}, {"Region", "cn-shanghai"}};
    params.insert(extra.begin(), extra.end());
    return Call("AddLiveDomain", params);
  }
  // DomainName -> LiveDomainType of DescribeLiveUserDomains with `filter`.
  std::map<std::string, std::string> Types(const Params& filter = {}) {
    ApiResponse listed = Call("DescribeLiveUserDomains", filter);
    EXPECT_TRUE(IsApiSuccess(listed)) << listed.raw;
    std::map<std::string, std::string> types;
    for (const auto& item : listed.body["Domains"]["PageData"]) {
      types[item["DomainName"].get<std::string>()] = item["LiveDomainType"].get<std::string>();
    }
    return types;
  }
};

TEST_F(DomainTest, LiveDomainTypeIsRequiredKeptAndFiltered) {
  EXPECT_TRUE(IsApiError(AddLiveDomain("push.example.com", {}), 400, "MissingLiveDomainType"));
  EXPECT_TRUE(IsApiError(AddLiveDomain("push.example.com", {{"LiveDomainType", "liveAudio"}}), 400,
                         "InvalidLiveDomainType.Malformed"));
  EXPECT_TRUE(IsApiError(AddLiveDomain("push.example.com", {{"LiveDomainType", "livevideo"}}), 400,
                         "InvalidLiveDomainType.Malformed"));
  EXPECT_TRUE(IsApiSuccess(AddLiveDomain("play.example.com", {{"LiveDomainType", "liveVideo"}})));
  EXPECT_TRUE(IsApiSuccess(AddLiveDomain("push.example.com", {{"LiveDomainType", "liveEdge"}})));

  using TypeMap = std::map<std::string, std::string>;
  EXPECT_EQ(Types(),
            (TypeMap{{"play.example.com", "liveVideo"}, {"push.example.com", "liveEdge"}}));
  EXPECT_EQ(Types({{"LiveDomainType", "liveEdge"}}), (TypeMap{{"push.example.com", "liveEdge"}}));
  EXPECT_EQ(Types({{"LiveDomainType", "liveVideo"}}), (TypeMap{{"play.example.com", "liveVideo"}}));
  absl::StatusOr<catalog::Domain> stored = catalog_->GetDomain("push.example.com");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->live_domain_type, "liveEdge");
}

TEST_F(DomainTest, ScopeCheckUrlAndTopLevelDomainAreCheckedAsAlibabaDescribesThem) {
  const Params ok = {{"LiveDomainType", "liveVideo"},
                     {"Scope", "overseas"},
                     {"CheckUrl", "http://demo.example.com/status.html"},
                     {"TopLevelDomain", "example.com"}};
  EXPECT_TRUE(IsApiSuccess(AddLiveDomain("a.example.com", ok)));
  for (const char* scope : {"domestic", "global"}) {
    Params params = ok;
    params["Scope"] = scope;
    EXPECT_TRUE(IsApiSuccess(AddLiveDomain(std::string(scope) + ".example.com", params))) << scope;
  }
  auto with = [&](const std::string& key, const std::string& value) {
    Params params = ok;
    params[key] = value;
    return AddLiveDomain("b.example.com", params);
  };
  EXPECT_TRUE(IsApiError(with("Scope", "mars"), 400, "InvalidScope.Malformed"));
  EXPECT_TRUE(IsApiError(with("CheckUrl", "ftp://x.example.com/"), 400, "Abs.CheckUrl.Malformed"));
  EXPECT_TRUE(IsApiError(with("CheckUrl", "status.html"), 400, "Abs.CheckUrl.Malformed"));
  EXPECT_TRUE(IsApiError(with("TopLevelDomain", "a..com"), 400, "InvalidTopLevelDomain.Malformed"));
  EXPECT_TRUE(
      IsApiError(with("TopLevelDomain", ".example.com"), 400, "InvalidTopLevelDomain.Malformed"));
  EXPECT_FALSE(catalog_->GetDomain("b.example.com").ok());
}

TEST_F(DomainTest, AWildcardDomainIsADomainLikeAnyOther) {
  const Params video = {{"LiveDomainType", "liveVideo"}};
  ASSERT_TRUE(IsApiSuccess(AddLiveDomain(".example.com", video)));
  EXPECT_TRUE(IsApiError(AddLiveDomain(".example.com", video), 409, "DomainAlreadyExist"));
  EXPECT_TRUE(IsApiError(AddLiveDomain(".com", video), 400, "InvalidDomainName.Malformed"));
  EXPECT_TRUE(
      IsApiError(AddLiveDomain("*.example.com", video), 400, "InvalidDomainName.Malformed"));
  // Templates and notify configs attach to it as to any domain.
  EXPECT_TRUE(IsApiSuccess(Call("AddLiveAppSnapshotConfig", TemplateParams(".example.com", "*"))));
  auto described = Call("DescribeLiveSnapshotConfig", {{"DomainName", ".example.com"}});
  ASSERT_TRUE(IsApiSuccess(described));
  EXPECT_EQ(described.body["TotalNum"], 1);
  EXPECT_EQ(Types(), (std::map<std::string, std::string>{{".example.com", "liveVideo"}}));
  EXPECT_TRUE(IsApiSuccess(Call("DeleteLiveDomain", {{"DomainName", ".example.com"}})));
}

// The records of a stream pushed to a subdomain are kept under the host it
// was pushed to, and found by that host.
TEST_F(DomainTest, SnapshotInfoOfASubdomainOfAWildcard) {
  ASSERT_TRUE(IsApiSuccess(AddLiveDomain(".example.com", {{"LiveDomainType", "liveVideo"}})));
  catalog::SnapshotRecord record;
  record.domain = "a.b.example.com";
  record.app = "live";
  record.stream = "s";
  record.endpoint = "file.local";
  record.bucket = "snapshots";
  record.object_key = "live/s.jpg";
  record.overlay = true;
  record.capture_ms = clock_.UnixMs() + 1000;
  ASSERT_TRUE(catalog_->AddSnapshotRecord(record).ok());
  Params query = {{"AppName", "live"},
                  {"StreamName", "s"},
                  {"StartTime", "2024-05-01T10:00:00Z"},
                  {"EndTime", "2024-05-01T11:00:00Z"}};
  query["DomainName"] = "a.b.example.com";
  auto found = Call("DescribeLiveStreamSnapshotInfo", query);
  ASSERT_TRUE(IsApiSuccess(found)) << found.raw;
  const auto& list = found.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"];
  ASSERT_EQ(list.size(), 1u) << found.raw;
  EXPECT_EQ(list[0]["OssObject"], "live/s.jpg");
  query["DomainName"] = ".example.com";  // registered, holds no stream of its own
  auto own = Call("DescribeLiveStreamSnapshotInfo", query);
  ASSERT_TRUE(IsApiSuccess(own)) << own.raw;
  EXPECT_TRUE(own.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"].empty());
  for (const char* other : {"example.com", "a.example.org"}) {
    query["DomainName"] = other;
    EXPECT_TRUE(
        IsApiError(Call("DescribeLiveStreamSnapshotInfo", query), 404, "InvalidDomain.NotFound"))
        << other;
  }
}

TEST_F(DomainTest, NotifyReqAuthDefaultsToNoAndAKeySetIsKeptForLater) {
  AddDomain("push.example.com", "cn-shanghai");
  const Params domain = {{"DomainName", "push.example.com"}};
  auto describe = [&] { return Call("DescribeLiveSnapshotNotifyConfig", domain).body; };
  ASSERT_TRUE(
      IsApiSuccess(Call("AddLiveSnapshotNotifyConfig", {{"DomainName", "push.example.com"},
                                                        {"NotifyUrl", "http://cb.example.com/n"},
                                                        {"NotifyAuthKey", "abcdefgh12345678"}})));
  EXPECT_EQ(describe()["NotifyReqAuth"], "no");  // Alibaba's default
  EXPECT_EQ(describe()["NotifyAuthKey"], "abcdefgh12345678");

  // Turning signing on later signs with the key set before.
  ASSERT_TRUE(IsApiSuccess(Call("UpdateLiveSnapshotNotifyConfig",
                                {{"DomainName", "push.example.com"}, {"NotifyReqAuth", "yes"}})));
  EXPECT_EQ(describe()["NotifyReqAuth"], "yes");
  absl::StatusOr<catalog::NotifyConfig> stored = catalog_->GetNotifyConfig("push.example.com");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(stored->req_auth);
  EXPECT_EQ(stored->auth_key, "abcdefgh12345678");
  EXPECT_EQ(stored->notify_url, "http://cb.example.com/n");

  // An Update that leaves NotifyReqAuth out takes the default again.
  ASSERT_TRUE(IsApiSuccess(
      Call("UpdateLiveSnapshotNotifyConfig",
           {{"DomainName", "push.example.com"}, {"NotifyUrl", "https://other.example.com/n"}})));
  EXPECT_EQ(describe()["NotifyReqAuth"], "no");
  EXPECT_EQ(describe()["NotifyUrl"], "https://other.example.com/n");
  // A new key with yes replaces the old one.
  ASSERT_TRUE(IsApiSuccess(
      Call("UpdateLiveSnapshotNotifyConfig", {{"DomainName", "push.example.com"},
                                              {"NotifyReqAuth", "yes"},
                                              {"NotifyAuthKey", "ZYXWVUTS87654321"}})));
  EXPECT_EQ(describe()["NotifyAuthKey"], "ZYXWVUTS87654321");

  // Without any key, yes is refused.
  AddDomain("other.example.com", "cn-shanghai");
  ASSERT_TRUE(IsApiSuccess(
      Call("AddLiveSnapshotNotifyConfig",
           {{"DomainName", "other.example.com"}, {"NotifyUrl", "http://cb.example.com/n"}})));
  EXPECT_TRUE(IsApiError(Call("UpdateLiveSnapshotNotifyConfig",
                              {{"DomainName", "other.example.com"}, {"NotifyReqAuth", "yes"}}),
                         400, "MissingParam"));
}

TEST_F(DomainTest, CallbackAuthIsSetQueriedAndDeletedPerDomain) {
  AddDomain("push.example.com", "cn-shanghai");
  const Params domain = {{"DomainName", "push.example.com"}};
  auto query = Call("QuerySnapshotCallbackAuth", domain);
  ASSERT_TRUE(IsApiSuccess(query)) << query.raw;
  EXPECT_EQ(query.body["DomainName"], "push.example.com");
  EXPECT_EQ(query.body["CallbackReqAuth"], "no");
  EXPECT_EQ(query.body["CallbackAuthKey"], "");

  ASSERT_TRUE(
      IsApiSuccess(Call("SetSnapshotCallbackAuth", {{"DomainName", "push.example.com"},
                                                    {"CallbackReqAuth", "yes"},
                                                    {"CallbackAuthKey", "callbackKey-1"}})));
  absl::StatusOr<catalog::Domain> stored = catalog_->GetDomain("push.example.com");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(stored->callback_auth.req_auth);
  EXPECT_EQ(stored->callback_auth.auth_key, "callbackKey-1");
  // The key is a secret: a caller that did not sign sees it hidden.
  query = Call("QuerySnapshotCallbackAuth", domain);
  EXPECT_EQ(query.body["CallbackReqAuth"], "yes");
  EXPECT_EQ(query.body["CallbackAuthKey"], "******");

  ASSERT_TRUE(
      IsApiSuccess(Call("SetSnapshotCallbackAuth", {{"DomainName", "push.example.com"},
                                                    {"CallbackReqAuth", "no"},
                                                    {"CallbackAuthKey", "callbackKey-2"}})));
  stored = catalog_->GetDomain("push.example.com");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->callback_auth.req_auth);
  EXPECT_EQ(stored->callback_auth.auth_key, "callbackKey-2");

  ASSERT_TRUE(IsApiSuccess(Call("DeleteSnapshotCallbackAuth", domain)));
  stored = catalog_->GetDomain("push.example.com");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->callback_auth.req_auth);
  EXPECT_EQ(stored->callback_auth.auth_key, "");
  EXPECT_EQ(Call("QuerySnapshotCallbackAuth", domain).body["CallbackReqAuth"], "no");
  EXPECT_TRUE(IsApiSuccess(Call("DeleteSnapshotCallbackAuth", domain)));  // nothing to delete
}

TEST_F(DomainTest, CallbackAuthValidation) {
  AddDomain("push.example.com", "cn-shanghai");
  auto set = [&](const Params& extra) {
    Params params = {{"DomainName", "push.example.com"}};
    params.insert(extra.begin(), extra.end());
    return Call("SetSnapshotCallbackAuth", params);
  };
  EXPECT_TRUE(IsApiError(set({{"CallbackAuthKey", "k"}}), 400, "MissingParam"));
  EXPECT_TRUE(IsApiError(set({{"CallbackReqAuth", "yes"}}), 400, "MissingParam"));
  EXPECT_TRUE(IsApiError(set({{"CallbackReqAuth", "on"}, {"CallbackAuthKey", "k"}}), 400,
                         "MalformedParam"));
  EXPECT_TRUE(IsApiError(set({{"CallbackReqAuth", "yes"}, {"CallbackAuthKey", "a key"}}), 400,
                         "MalformedParam"));
  EXPECT_TRUE(
      IsApiError(set({{"CallbackReqAuth", "yes"}, {"CallbackAuthKey", std::string(129, 'k')}}), 400,
                 "MalformedParam"));
  EXPECT_TRUE(IsApiError(
      Call("SetSnapshotCallbackAuth", {{"CallbackReqAuth", "yes"}, {"CallbackAuthKey", "k"}}), 400,
      "MissingDomainName"));
  EXPECT_TRUE(IsApiError(Call("SetSnapshotCallbackAuth", {{"DomainName", "nope.example.com"},
                                                          {"CallbackReqAuth", "yes"},
                                                          {"CallbackAuthKey", "k"}}),
                         404, "InvalidDomain.NotFound"));
  EXPECT_TRUE(IsApiError(Call("DeleteSnapshotCallbackAuth", {{"DomainName", "nope.example.com"}}),
                         404, "InvalidDomain.NotFound"));
  EXPECT_TRUE(IsApiError(Call("QuerySnapshotCallbackAuth", {}), 400, "MissingDomainName"));
  absl::StatusOr<catalog::Domain> stored = catalog_->GetDomain("push.example.com");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->callback_auth.req_auth);
}

class SignedDomainTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/true);
  }
};

TEST_F(SignedDomainTest, ASignedCallerSeesTheCallbackKey) {
  auto client = SignedClient();
  ASSERT_TRUE(IsApiSuccess(client.Call("AddLiveDomain", {{"DomainName", "push.example.com"},
                                                         {"Region", "cn-shanghai"},
                                                         {"LiveDomainType", "liveVideo"}})));
  ASSERT_TRUE(IsApiSuccess(client.Call("SetSnapshotCallbackAuth",
                                       {{"DomainName", "push.example.com"},
                                        {"CallbackReqAuth", "yes"},
                                        {"CallbackAuthKey", "callbackKey-1"}},
                                       livesnap::testing::ApiClient::kPost)));
  auto query = client.Call("QuerySnapshotCallbackAuth", {{"DomainName", "push.example.com"}});
  ASSERT_TRUE(IsApiSuccess(query)) << query.raw;
  EXPECT_EQ(query.body["CallbackAuthKey"], "callbackKey-1");
}

}  // namespace
}  // namespace livesnap::api::testing
