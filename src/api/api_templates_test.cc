// Snapshot templates over real HTTP against the real SQLite catalog:
// Add/Update/Delete/DescribeLiveSnapshotConfig and every validation error.
#include <gtest/gtest.h>

#include "api/testing/api_fixture.h"

namespace livesnap::api::testing {
namespace {

using Params = std::map<std::string, std::string>;

class TemplatesTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/false);
    AddDomain("push.example.com", "cn-shanghai");
  }

  livesnap::testing::ApiResponse Add(const Params& params) {
    return Client().Call("AddLiveAppSnapshotConfig", params);
  }
  livesnap::testing::ApiResponse AddWith(const std::string& name, const std::string& value) {
    Params params = TemplateParams("push.example.com", "live");
    params[name] = value;
    return Add(params);
  }
  livesnap::testing::ApiResponse AddWithout(const std::string& name) {
    Params params = TemplateParams("push.example.com", "live");
    params.erase(name);
    return Add(params);
  }
  nlohmann::json DescribeOne(const std::string& app) {
    auto response = Client().Call("DescribeLiveSnapshotConfig",
                                  {{"DomainName", "push.example.com"}, {"AppName", app}});
    EXPECT_TRUE(IsApiSuccess(response));
    const auto& list = response.body["LiveStreamSnapshotConfigList"]["LiveStreamSnapshotConfig"];
    EXPECT_EQ(list.size(), 1u) << response.raw;
    return list.empty() ? nlohmann::json() : list[0];
  }
};

TEST_F(TemplatesTest, AddThenDescribeShowsEveryField) {
  Params params = TemplateParams("push.example.com", "live");
  params["Callback"] = "http://cb.example.com/snap";
  params["Width"] = "640";
  params["Height"] = "0";
  auto added = Add(params);
  ASSERT_TRUE(IsApiSuccess(added));
  EXPECT_EQ(added.body.size(), 1u) << added.raw;  // RequestId only

  const nlohmann::json config = DescribeOne("live");
  EXPECT_EQ(config["DomainName"], "push.example.com");
  EXPECT_EQ(config["AppName"], "live");
  EXPECT_EQ(config["TimeInterval"], 5);
  EXPECT_EQ(config["OssEndpoint"], "file.local");
  EXPECT_EQ(config["OssBucket"], "snapshots");
  EXPECT_EQ(config["OverwriteOssObject"], "{AppName}/{StreamName}.jpg");
  EXPECT_EQ(config["SequenceOssObject"], "{AppName}/{StreamName}/{Sequence}.jpg");
  EXPECT_EQ(config["Callback"], "http://cb.example.com/snap");
  EXPECT_EQ(config["Width"], 640);
  EXPECT_EQ(config["Height"], 0);
  EXPECT_EQ(config["CreateTime"], "2024-05-01T10:00:00Z");

  // What the API stored is what a publish will resolve.
  auto resolved = catalog_->ResolveTemplate("push.example.com", "live");
  ASSERT_TRUE(resolved.ok() && resolved->has_value());
  EXPECT_EQ((*resolved)->interval_s, 5);
  EXPECT_EQ((*resolved)->width, 640);
}

TEST_F(TemplatesTest, AddWithOneModeAndPostForm) {
  Params params = TemplateParams("push.example.com", "*");
  params.erase("OverwriteOssObject");
  params["SequenceOssObject"] = "snapshot/{AppName}/{StreamName}/{UnixTimestamp}.jpg";
  auto added =
      Client().Call("AddLiveAppSnapshotConfig", params, livesnap::testing::ApiClient::kPost);
  ASSERT_TRUE(IsApiSuccess(added));
  const nlohmann::json config = DescribeOne("*");
  EXPECT_EQ(config["OverwriteOssObject"], "");  // unset, still listed
  EXPECT_EQ(config["SequenceOssObject"], "snapshot/{AppName}/{StreamName}/{UnixTimestamp}.jpg");
  EXPECT_EQ(config["Callback"], "");
}

TEST_F(TemplatesTest, DuplicateIsAConflict) {
  ASSERT_TRUE(IsApiSuccess(Add(TemplateParams("push.example.com", "live"))));
  EXPECT_TRUE(
      IsApiError(Add(TemplateParams("push.example.com", "live")), 400, "ConfigAlreadyExists"));
}

TEST_F(TemplatesTest, RequiredParameters) {
  EXPECT_TRUE(IsApiError(AddWithout("DomainName"), 400, "MissingDomainName"));
  EXPECT_TRUE(IsApiError(AddWithout("AppName"), 400, "MissingAppName"));
  EXPECT_TRUE(IsApiError(AddWith("AppName", ""), 400, "MissingAppName"));
  EXPECT_TRUE(IsApiError(AddWithout("TimeInterval"), 400, "MissingTimeInterval"));
  EXPECT_TRUE(IsApiError(AddWithout("OssEndpoint"), 400, "MissingOssEndpoint"));
  EXPECT_TRUE(IsApiError(AddWithout("OssBucket"), 400, "MissingOssBucket"));
  Params neither = TemplateParams("push.example.com", "live");
  neither.erase("OverwriteOssObject");
  neither.erase("SequenceOssObject");
  EXPECT_TRUE(
      IsApiError(Add(neither), 400, "InvalidOverwriteOssObjectOrSequenceOssObject.Malformed"));
}

TEST_F(TemplatesTest, TimeIntervalIsAnIntegerFrom5To3600) {
  for (const char* bad : {"4", "3601", "0", "-5", "5.0", "ten"}) {
    EXPECT_TRUE(IsApiError(AddWith("TimeInterval", bad), 400, "InvalidOssInterval.Malformed"))
        << bad;
  }
  EXPECT_TRUE(IsApiSuccess(AddWith("TimeInterval", "3600")));
}

TEST_F(TemplatesTest, AppNamePattern) {
  for (const std::string& bad :
       std::vector<std::string>{"-live", "_live", "li ve", "a*", "a.b", std::string(256, 'a')}) {
    EXPECT_TRUE(IsApiError(AddWith("AppName", bad), 400, "InvalidAppName.Malformed")) << bad;
  }
  EXPECT_TRUE(IsApiSuccess(AddWith("AppName", std::string(255, 'a'))));
  EXPECT_TRUE(IsApiSuccess(AddWith("AppName", "Live-2_x")));
}

TEST_F(TemplatesTest, ObjectPatterns) {
  struct Case {
    const char* param;
    std::string value;
  };
  for (const Case& c : std::vector<Case>{
           {"OverwriteOssObject", "{AppName}/{StreamName}.png"},
           {"OverwriteOssObject", std::string(252, 'a') + ".jpg"},
           {"OverwriteOssObject", "{AppName}/{Bogus}.jpg"},
           {"OverwriteOssObject", "{AppName}/{Sequence}.jpg"},
           {"OverwriteOssObject", "../{StreamName}.jpg"},
           {"OverwriteOssObject", "a/../{StreamName}.jpg"},
           {"OverwriteOssObject", "/{AppName}/{StreamName}.jpg"},
           {"OverwriteOssObject", "./{StreamName}.jpg"},
           {"OverwriteOssObject", "a/./{StreamName}.jpg"},
           {"OverwriteOssObject", "a//{StreamName}.jpg"},
           {"SequenceOssObject", "{AppName}/{StreamName}.jpg"},
           {"SequenceOssObject", "{AppName}/{StreamName}/{Sequence}"},
           {"SequenceOssObject", "{AppName}/./{Sequence}.jpg"},
           {"SequenceOssObject",
            "{StreamName}/{StreamName}/{StreamName}/{StreamName}/{Sequence}.jpg"},
       }) {
    auto response = AddWith(c.param, c.value);
    const std::string code = std::string("Invalid") + c.param + ".Malformed";
    EXPECT_TRUE(IsApiError(response, 400, code)) << c.value;
    EXPECT_NE(response.body["Message"].get<std::string>().find(c.param), std::string::npos);
  }
  EXPECT_TRUE(IsApiSuccess(AddWith("OverwriteOssObject", std::string(251, 'a') + ".jpg")));
}

TEST_F(TemplatesTest, OtherFieldRules) {
  EXPECT_TRUE(IsApiError(AddWith("Callback", "ftp://x.com/cb"), 400, "InvalidCallback.Malformed"));
  EXPECT_TRUE(IsApiError(AddWith("Width", "4097"), 400, "InvalidWidth.Malformed"));
  EXPECT_TRUE(IsApiError(AddWith("Height", "-1"), 400, "InvalidHeight.Malformed"));
  EXPECT_TRUE(IsApiError(AddWith("OssBucket", "a/b"), 400, "InvalidOssBucket.Malformed"));
  EXPECT_TRUE(IsApiError(AddWith("DomainName", "bad_domain"), 400, "InvalidDomainName.Malformed"));
}

TEST_F(TemplatesTest, ReferencesMustExistAndRegionsMatch) {
  EXPECT_TRUE(
      IsApiError(AddWith("DomainName", "unknown.example.com"), 404, "InvalidDomain.NotFound"));
  EXPECT_TRUE(IsApiError(AddWith("OssBucket", "nosuchbucket"), 400, "InvalidOssBucket.NotFound"));
  EXPECT_TRUE(IsApiError(AddWith("OssEndpoint", "oss-cn-shanghai.aliyuncs.com"), 400,
                         "InvalidOssEndpoint.Malformed"));

  Params beijing = TemplateParams("push.example.com", "live");
  beijing["OssBucket"] = "beijing";
  beijing["OssEndpoint"] = "oss-cn-beijing.local";
  auto mismatch = Add(beijing);
  ASSERT_TRUE(IsApiError(mismatch, 400, "InvalidOssBucket.RegionMismatch"));
  EXPECT_EQ(mismatch.body["Message"],
            "bucket beijing is in region cn-beijing but domain push.example.com is in region "
            "cn-shanghai");
  // Nothing was stored by any refused request.
  auto described =
      Client().Call("DescribeLiveSnapshotConfig", {{"DomainName", "push.example.com"}});
  EXPECT_EQ(described.body["TotalNum"], 0) << described.raw;
}

TEST_F(TemplatesTest, UpdateChangesOnlyWhatIsGiven) {
  ASSERT_TRUE(IsApiSuccess(Add(TemplateParams("push.example.com", "live"))));
  clock_.AdvanceMs(60'000);
  auto updated = Client().Call("UpdateLiveAppSnapshotConfig", {{"DomainName", "push.example.com"},
                                                               {"AppName", "live"},
                                                               {"TimeInterval", "30"},
                                                               {"Height", "360"},
                                                               {"OverwriteOssObject", "-"}});
  ASSERT_TRUE(IsApiSuccess(updated));
  const nlohmann::json config = DescribeOne("live");
  EXPECT_EQ(config["TimeInterval"], 30);
  EXPECT_EQ(config["Height"], 360);
  EXPECT_EQ(config["OverwriteOssObject"], "");  // unset, still listed
  EXPECT_EQ(config["SequenceOssObject"], "{AppName}/{StreamName}/{Sequence}.jpg");
  EXPECT_EQ(config["OssBucket"], "snapshots");
  EXPECT_EQ(config["CreateTime"], "2024-05-01T10:00:00Z");
  EXPECT_EQ(config["UpdateTime"], "2024-05-01T10:01:00Z");

  // The last mode cannot go.
  EXPECT_TRUE(IsApiError(
      Client().Call(
          "UpdateLiveAppSnapshotConfig",
          {{"DomainName", "push.example.com"}, {"AppName", "live"}, {"SequenceOssObject", "-"}}),
      400, "InvalidOverwriteOssObjectOrSequenceOssObject.Malformed"));
  // Removing one mode while adding the other is fine.
  EXPECT_TRUE(IsApiSuccess(
      Client().Call("UpdateLiveAppSnapshotConfig", {{"DomainName", "push.example.com"},
                                                    {"AppName", "live"},
                                                    {"SequenceOssObject", "-"},
                                                    {"OverwriteOssObject", "{StreamName}.jpg"}})));
  EXPECT_EQ(DescribeOne("live")["OverwriteOssObject"], "{StreamName}.jpg");
}

TEST_F(TemplatesTest, UpdateValidatesLikeAdd) {
  ASSERT_TRUE(IsApiSuccess(Add(TemplateParams("push.example.com", "live"))));
  const Params key = {{"DomainName", "push.example.com"}, {"AppName", "live"}};
  auto update = [&](const std::string& name, const std::string& value) {
    Params params = key;
    params[name] = value;
    return Client().Call("UpdateLiveAppSnapshotConfig", params);
  };
  EXPECT_TRUE(IsApiError(update("TimeInterval", "1"), 400, "InvalidOssInterval.Malformed"));
  EXPECT_TRUE(IsApiError(update("SequenceOssObject", "{AppName}.jpg"), 400,
                         "InvalidSequenceOssObject.Malformed"));
  EXPECT_TRUE(IsApiError(update("OverwriteOssObject", "{AppName}/./x.jpg"), 400,
                         "InvalidOverwriteOssObject.Malformed"));
  EXPECT_TRUE(IsApiError(update("OssBucket", "beijing"), 400, "InvalidOssBucket.RegionMismatch"));
  EXPECT_TRUE(IsApiError(update("OssBucket", "gone"), 400, "InvalidOssBucket.NotFound"));
  EXPECT_TRUE(IsApiError(Client().Call("UpdateLiveAppSnapshotConfig",
                                       {{"DomainName", "push.example.com"}, {"AppName", "other"}}),
                         404, "InvalidConfig.NotFound"));
  EXPECT_TRUE(IsApiError(Client().Call("UpdateLiveAppSnapshotConfig", {{"AppName", "live"}}), 400,
                         "MissingDomainName"));
  EXPECT_TRUE(
      IsApiError(Client().Call("UpdateLiveAppSnapshotConfig", {{"DomainName", "push.example.com"}}),
                 400, "MissingAppName"));
  EXPECT_EQ(DescribeOne("live")["TimeInterval"], 5);
}

TEST_F(TemplatesTest, UpdateToAnotherBucketFollowsItsEndpoint) {
  AddDomain("bj.example.com", "cn-beijing");
  Params params = TemplateParams("bj.example.com", "live");
  params["OssBucket"] = "beijing";
  params["OssEndpoint"] = "oss-cn-beijing.local";
  ASSERT_TRUE(IsApiSuccess(Add(params)));
  // Moving the domain's template to a Shanghai bucket is refused; the
  // Beijing template keeps its endpoint.
  auto response = Client().Call(
      "UpdateLiveAppSnapshotConfig",
      {{"DomainName", "bj.example.com"}, {"AppName", "live"}, {"OssBucket", "snapshots"}});
  EXPECT_TRUE(IsApiError(response, 400, "InvalidOssBucket.RegionMismatch"));
  EXPECT_EQ(response.body["Message"],
            "bucket snapshots is in region cn-shanghai but domain bj.example.com is in region "
            "cn-beijing");
}

TEST_F(TemplatesTest, Delete) {
  ASSERT_TRUE(IsApiSuccess(Add(TemplateParams("push.example.com", "live"))));
  const Params key = {{"DomainName", "push.example.com"}, {"AppName", "live"}};
  EXPECT_TRUE(IsApiSuccess(Client().Call("DeleteLiveAppSnapshotConfig", key)));
  EXPECT_TRUE(IsApiError(Client().Call("DeleteLiveAppSnapshotConfig", key), 404, "ConfigNotFound"));
  EXPECT_TRUE(IsApiError(Client().Call("DeleteLiveAppSnapshotConfig",
                                       {{"DomainName", "nope.example.com"}, {"AppName", "live"}}),
                         404, "InvalidDomain.NotFound"));
  EXPECT_TRUE(
      IsApiError(Client().Call("DeleteLiveAppSnapshotConfig", {{"DomainName", "push.example.com"}}),
                 400, "MissingAppName"));
  auto resolved = catalog_->ResolveTemplate("push.example.com", "live");
  ASSERT_TRUE(resolved.ok());
  EXPECT_FALSE(resolved->has_value());
}

TEST_F(TemplatesTest, DescribePagesAndOrders) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(IsApiSuccess(Add(TemplateParams("push.example.com", "app" + std::to_string(i)))));
    clock_.AdvanceMs(1000);  // distinct creation times: app0 is the oldest
  }
  auto page = [&](const Params& extra) {
    Params params = {{"DomainName", "push.example.com"}};
    params.insert(extra.begin(), extra.end());
    return Client().Call("DescribeLiveSnapshotConfig", params);
  };
  auto apps = [](const livesnap::testing::ApiResponse& response) {
    std::vector<std::string> names;
    for (const auto& config :
         response.body["LiveStreamSnapshotConfigList"]["LiveStreamSnapshotConfig"]) {
      names.push_back(config["AppName"]);
    }
    return names;
  };

  auto first = page({});
  ASSERT_TRUE(IsApiSuccess(first));
  EXPECT_EQ(first.body["PageNum"], 1);
  EXPECT_EQ(first.body["PageSize"], 10);
  EXPECT_EQ(first.body["Order"], "asc");
  EXPECT_EQ(first.body["TotalNum"], 12);
  EXPECT_EQ(first.body["TotalPage"], 2);
  EXPECT_EQ(apps(first).size(), 10u);
  EXPECT_EQ(apps(first).front(), "app0");

  auto third = page({{"PageNum", "3"}, {"PageSize", "5"}});
  ASSERT_TRUE(IsApiSuccess(third));
  EXPECT_EQ(third.body["TotalPage"], 3);
  EXPECT_EQ(apps(third), (std::vector<std::string>{"app10", "app11"}));

  auto newest = page({{"PageSize", "5"}, {"Order", "desc"}});
  EXPECT_EQ(newest.body["Order"], "desc");
  EXPECT_EQ(apps(newest), (std::vector<std::string>{"app11", "app10", "app9", "app8", "app7"}));

  auto beyond = page({{"PageNum", "9"}, {"PageSize", "30"}});
  ASSERT_TRUE(IsApiSuccess(beyond));
  EXPECT_TRUE(apps(beyond).empty());
  EXPECT_EQ(beyond.body["TotalNum"], 12);

  EXPECT_EQ(apps(page({{"AppName", "app3"}})), std::vector<std::string>{"app3"});

  EXPECT_TRUE(IsApiError(page({{"PageSize", "4"}}), 400, "InvalidPageSize.Malformed"));
  EXPECT_TRUE(IsApiError(page({{"PageSize", "31"}}), 400, "InvalidPageSize.Malformed"));
  EXPECT_TRUE(IsApiError(page({{"PageNum", "0"}}), 400, "InvalidPageNum.Malformed"));
  EXPECT_TRUE(IsApiError(page({{"Order", "up"}}), 400, "InvalidOrder.Malformed"));
  EXPECT_TRUE(IsApiError(page({{"AppName", "-x"}}), 400, "InvalidAppName.Malformed"));
  EXPECT_TRUE(
      IsApiError(Client().Call("DescribeLiveSnapshotConfig", {}), 400, "MissingDomainName"));
  EXPECT_TRUE(
      IsApiError(Client().Call("DescribeLiveSnapshotConfig", {{"DomainName", "nope.example.com"}}),
                 404, "InvalidDomain.NotFound"));
}

}  // namespace
}  // namespace livesnap::api::testing
