// The "aliauth" domain function (push URL signing) through
// BatchSetLiveDomainConfigs / DescribeLiveDomainConfigs /
// DeleteLiveSpecificConfig, over real HTTP against the real catalog.
#include <gtest/gtest.h>

#include "api/testing/api_fixture.h"

namespace livesnap::api::testing {
namespace {

using Params = std::map<std::string, std::string>;

std::string AliAuth(const std::vector<std::pair<std::string, std::string>>& args) {
  nlohmann::json function_args = nlohmann::json::array();
  for (const auto& [name, value] : args) {
    function_args.push_back({{"argName", name}, {"argValue", value}});
  }
  return nlohmann::json::array({{{"functionName", "aliauth"}, {"functionArgs", function_args}}})
      .dump();
}

// The aliauth args of a DescribeLiveDomainConfigs answer, by name.
std::map<std::string, std::string> Args(const livesnap::testing::ApiResponse& response) {
  std::map<std::string, std::string> args;
  for (const auto& config : response.body["DomainConfigs"]["DomainConfig"]) {
    if (config["FunctionName"] != "aliauth") continue;
    for (const auto& arg : config["FunctionArgs"]["FunctionArg"]) {
      args[arg["ArgName"].get<std::string>()] = arg["ArgValue"].get<std::string>();
    }
  }
  return args;
}

class DomainConfigTest : public ApiFixture {
 protected:
  void Start(bool auth) {
    StartServer(auth);
    client_ = std::make_unique<livesnap::testing::ApiClient>(auth ? SignedClient() : Client());
    ASSERT_TRUE(IsApiSuccess(client_->Call("AddLiveDomain", {{"DomainName", "push.example.com"},
                                                             {"Region", "cn-shanghai"},
                                                             {"LiveDomainType", "liveVideo"}})));
  }
  livesnap::testing::ApiResponse Call(const std::string& action, const Params& params) {
    return client_->Call(action, params);
  }
  livesnap::testing::ApiResponse Set(const std::string& functions) {
    return Call("BatchSetLiveDomainConfigs",
                {{"DomainNames", "push.example.com"}, {"Functions", functions}});
  }
  livesnap::testing::ApiResponse Describe() {
    return Call("DescribeLiveDomainConfigs",
                {{"DomainName", "push.example.com"}, {"FunctionNames", "aliauth"}});
  }
  std::unique_ptr<livesnap::testing::ApiClient> client_;
};

TEST_F(DomainConfigTest, AnAuthenticatedCallerSetsRotatesReadsAndDeletesAliAuth) {
  Start(/*auth=*/true);
  auto empty = Describe();
  ASSERT_TRUE(IsApiSuccess(empty));
  EXPECT_TRUE(empty.body["DomainConfigs"]["DomainConfig"].empty());

  ASSERT_TRUE(IsApiSuccess(Set(AliAuth({{"auth_type", "type_a"},
                                        {"auth_key1", "primaryKey1"},
                                        {"auth_key2", "secondaryKey2"},
                                        {"ali_auth_delta", "600"}}))));
  auto described = Describe();
  ASSERT_TRUE(IsApiSuccess(described));
  const auto& config = described.body["DomainConfigs"]["DomainConfig"][0];
  EXPECT_EQ(config["FunctionName"], "aliauth");
  EXPECT_EQ(config["Status"], "success");
  ASSERT_TRUE(config["ConfigId"].is_string());
  EXPECT_EQ(Args(described), (std::map<std::string, std::string>{{"auth_type", "type_a"},
                                                                 {"auth_key1", "primaryKey1"},
                                                                 {"auth_key2", "secondaryKey2"},
                                                                 {"ali_auth_delta", "600"}}));
  // A rotation names one key; the others keep their values.
  ASSERT_TRUE(IsApiSuccess(Set(AliAuth({{"auth_key1", "rotatedKey3"}}))));
  auto rotated = Args(Describe());
  EXPECT_EQ(rotated["auth_key1"], "rotatedKey3");
  EXPECT_EQ(rotated["auth_key2"], "secondaryKey2");
  EXPECT_EQ(rotated["ali_auth_delta"], "600");

  const std::string config_id = config["ConfigId"];
  EXPECT_TRUE(IsApiError(
      Call("DeleteLiveSpecificConfig", {{"DomainName", "push.example.com"}, {"ConfigId", "12"}}),
      404, "ConfigNotFound"));
  ASSERT_TRUE(IsApiSuccess(Call("DeleteLiveSpecificConfig",
                                {{"DomainName", "push.example.com"}, {"ConfigId", config_id}})));
  EXPECT_TRUE(Describe().body["DomainConfigs"]["DomainConfig"].empty());
  EXPECT_TRUE(IsApiError(Call("DeleteLiveSpecificConfig",
                              {{"DomainName", "push.example.com"}, {"ConfigId", config_id}}),
                         404, "ConfigNotFound"));
}

TEST_F(DomainConfigTest, WithoutAuthenticationTheKeysAreHidden) {
  Start(/*auth=*/false);
  ASSERT_TRUE(IsApiSuccess(Set(AliAuth({{"auth_type", "type_a"}, {"auth_key1", "primaryKey1"}}))));
  auto described = Describe();
  ASSERT_TRUE(IsApiSuccess(described));
  EXPECT_EQ(described.raw.find("primaryKey1"), std::string::npos) << described.raw;
  EXPECT_EQ(Args(described)["auth_key1"], "******");
  EXPECT_EQ(Args(described)["auth_key2"], "");
  EXPECT_EQ(Args(described)["ali_auth_delta"], "1800");
}

TEST_F(DomainConfigTest, BadFunctionsAreRefusedWithTheirCode) {
  Start(/*auth=*/false);
  for (const std::string& bad :
       {std::string("not json"), std::string("[]"),
        std::string(R"([{"functionName":"referer_white_list_set","functionArgs":[]}])"),
        AliAuth({{"auth_type", "type_z"}, {"auth_key1", "primaryKey1"}}),
        AliAuth({{"auth_type", "type_a"}}),  // no key
        AliAuth({{"auth_type", "type_a"}, {"auth_key1", "short"}}),
        AliAuth({{"auth_type", "type_a"}, {"auth_key1", "primaryKey1"}, {"ali_auth_delta", "x"}}),
        AliAuth({{"auth_type", "type_a"}, {"auth_key1", "primaryKey1"}, {"color", "red"}})}) {
    EXPECT_TRUE(IsApiError(Set(bad), 400, "InvalidFunctions.Malformed")) << bad;
  }
  EXPECT_TRUE(IsApiError(
      Call("BatchSetLiveDomainConfigs",
           {{"DomainNames", "nobody.example.com"},
            {"Functions", AliAuth({{"auth_type", "type_a"}, {"auth_key1", "primaryKey1"}})}}),
      404, "InvalidDomain.NotFound"));
  EXPECT_TRUE(IsApiError(Call("BatchSetLiveDomainConfigs", {{"DomainNames", "push.example.com"}}),
                         400, "MissingFunctions"));
  // Each parameter Alibaba's model marks required is named in its own code.
  const std::string aliauth = AliAuth({{"auth_type", "type_a"}, {"auth_key1", "primaryKey1"}});
  EXPECT_TRUE(IsApiError(Call("BatchSetLiveDomainConfigs", {{"Functions", aliauth}}), 400,
                         "MissingDomainNames"));
  EXPECT_TRUE(IsApiError(
      Call("BatchSetLiveDomainConfigs", {{"DomainNames", " , "}, {"Functions", aliauth}}), 400,
      "MissingDomainNames"));
  EXPECT_TRUE(IsApiError(Call("DeleteLiveSpecificConfig", {{"DomainName", "push.example.com"}}),
                         400, "MissingConfigId"));
  EXPECT_TRUE(
      IsApiError(Call("DeleteLiveSpecificConfig", {{"ConfigId", "12"}}), 400, "MissingDomainName"));
  EXPECT_TRUE(Describe().body["DomainConfigs"]["DomainConfig"].empty());
}

}  // namespace
}  // namespace livesnap::api::testing
