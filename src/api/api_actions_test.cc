// Domains, snapshot notify configs, storage locations, the snapshot history
// and the request syntax, over real HTTP against the real SQLite catalog.
#include <gtest/gtest.h>

#include <set>

#include "api/testing/api_fixture.h"

namespace livesnap::api::testing {
namespace {

using Params = std::map<std::string, std::string>;

class ActionsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/false);
  }
  livesnap::testing::ApiResponse Call(const std::string& action, const Params& params) {
    return Client().Call(action, params);
  }
};

TEST_F(ActionsTest, AddListAndDeleteDomains) {
  EXPECT_TRUE(IsApiSuccess(Call("AddLiveDomain", {{"DomainName", "push.example.com"},
                                                  {"Region", "cn-shanghai"},
                                                  {"LiveDomainType", "liveVideo"}})));
  clock_.AdvanceMs(1000);
  EXPECT_TRUE(IsApiSuccess(Call("AddLiveDomain", {{"DomainName", "bj.example.com"},
                                                  {"Region", "cn-beijing"},
                                                  {"LiveDomainType", "liveVideo"}})));
  EXPECT_TRUE(IsApiError(Call("AddLiveDomain", {{"DomainName", "push.example.com"},
                                                {"Region", "cn-shanghai"},
                                                {"LiveDomainType", "liveVideo"}}),
                         409, "DomainAlreadyExist"));

  auto listed = Call("DescribeLiveUserDomains", {});
  ASSERT_TRUE(IsApiSuccess(listed));
  EXPECT_EQ(listed.body["TotalCount"], 2);
  EXPECT_EQ(listed.body["PageNumber"], 1);
  EXPECT_EQ(listed.body["PageSize"], 20);
  const auto& domains = listed.body["Domains"]["PageData"];
  ASSERT_EQ(domains.size(), 2u);
  EXPECT_EQ(domains[0]["DomainName"], "bj.example.com");
  EXPECT_EQ(domains[0]["RegionName"], "cn-beijing");
  EXPECT_EQ(domains[0]["GmtCreated"], "2024-05-01T10:00:01Z");
  EXPECT_EQ(domains[1]["DomainName"], "push.example.com");
  EXPECT_EQ(domains[1]["LiveDomainStatus"], "online");
  EXPECT_EQ(domains[1]["LiveDomainType"], "liveVideo");
  EXPECT_EQ(domains[1]["GmtModified"], "2024-05-01T10:00:00Z");
  for (const char* field : {"Cname", "Description", "ResourceGroupId"}) {
    EXPECT_TRUE(domains[1][field].is_string()) << field;
  }

  auto filtered = Call("DescribeLiveUserDomains", {{"RegionName", "cn-shanghai"}});
  ASSERT_EQ(filtered.body["Domains"]["PageData"].size(), 1u);
  EXPECT_EQ(filtered.body["Domains"]["PageData"][0]["DomainName"], "push.example.com");
  auto fuzzy = Call("DescribeLiveUserDomains", {{"DomainName", "bj."}});
  EXPECT_EQ(fuzzy.body["TotalCount"], 1);
  auto second_page = Call("DescribeLiveUserDomains", {{"PageNumber", "2"}, {"PageSize", "1"}});
  ASSERT_EQ(second_page.body["Domains"]["PageData"].size(), 1u);
  EXPECT_EQ(second_page.body["Domains"]["PageData"][0]["DomainName"], "push.example.com");
  EXPECT_TRUE(IsApiError(Call("DescribeLiveUserDomains", {{"PageSize", "51"}}), 400,
                         "InvalidPageSize.Malformed"));
  EXPECT_TRUE(IsApiError(Call("DescribeLiveUserDomains", {{"PageNumber", "100001"}}), 400,
                         "InvalidPageNum.Malformed"));
  EXPECT_TRUE(IsApiSuccess(Call("DescribeLiveUserDomains", {{"PageNumber", "100000"}})));

  // Deleting a domain takes its templates and notify config with it.
  ASSERT_TRUE(
      IsApiSuccess(Call("AddLiveAppSnapshotConfig", TemplateParams("push.example.com", "live"))));
  ASSERT_TRUE(IsApiSuccess(
      Call("AddLiveSnapshotNotifyConfig",
           {{"DomainName", "push.example.com"}, {"NotifyUrl", "http://cb.example.com/n"}})));
  EXPECT_TRUE(IsApiSuccess(Call("DeleteLiveDomain", {{"DomainName", "push.example.com"}})));
  EXPECT_TRUE(IsApiError(Call("DeleteLiveDomain", {{"DomainName", "push.example.com"}}), 404,
                         "InvalidDomain.NotFound"));
  EXPECT_TRUE(IsApiSuccess(Call("AddLiveDomain", {{"DomainName", "push.example.com"},
                                                  {"Region", "cn-shanghai"},
                                                  {"LiveDomainType", "liveVideo"}})));
  auto templates = Call("DescribeLiveSnapshotConfig", {{"DomainName", "push.example.com"}});
  EXPECT_EQ(templates.body["TotalNum"], 0) << templates.raw;
  EXPECT_TRUE(
      IsApiError(Call("DescribeLiveSnapshotNotifyConfig", {{"DomainName", "push.example.com"}}),
                 404, "ConfigNotFound"));
}

TEST_F(ActionsTest, DomainSearchTypesAndFilters) {
  for (const char* name : {"push.example.com", "example.com.cn", "bj.example.com"}) {
    ASSERT_TRUE(IsApiSuccess(
        Call("AddLiveDomain",
             {{"DomainName", name}, {"Region", "cn-shanghai"}, {"LiveDomainType", "liveVideo"}})));
  }
  auto names = [&](const Params& params) {
    auto listed = Call("DescribeLiveUserDomains", params);
    std::vector<std::string> found;
    for (const auto& item : listed.body["Domains"]["PageData"]) found.push_back(item["DomainName"]);
    return found;
  };
  using Names = std::vector<std::string>;
  // Fuzzy is the default.
  EXPECT_EQ(names({{"DomainName", "example.com"}}),
            (Names{"bj.example.com", "example.com.cn", "push.example.com"}));
  EXPECT_EQ(names({{"DomainName", "example.com"}, {"DomainSearchType", "fuzzy_match"}}).size(), 3u);
  EXPECT_EQ(names({{"DomainName", "example.com"}, {"DomainSearchType", "pre_match"}}),
            (Names{"example.com.cn"}));
  EXPECT_EQ(names({{"DomainName", "example.com"}, {"DomainSearchType", "suf_match"}}),
            (Names{"bj.example.com", "push.example.com"}));
  EXPECT_EQ(names({{"DomainName", "bj.example.com"}, {"DomainSearchType", "full_match"}}),
            (Names{"bj.example.com"}));
  EXPECT_EQ(names({{"DomainName", "example.com"}, {"DomainSearchType", "full_match"}}), Names{});
  EXPECT_TRUE(IsApiError(Call("DescribeLiveUserDomains", {{"DomainSearchType", "regex"}}), 400,
                         "InvalidDomainSearchType.Malformed"));
  EXPECT_EQ(names({{"DomainStatus", "online"}}).size(), 3u);
  EXPECT_EQ(names({{"DomainStatus", "offline"}}), Names{});
  EXPECT_EQ(names({{"LiveDomainType", "liveVideo"}}).size(), 3u);
  EXPECT_EQ(names({{"LiveDomainType", "liveEdge"}}), Names{});
}

TEST_F(ActionsTest, DomainValidation) {
  EXPECT_TRUE(IsApiError(
      Call("AddLiveDomain", {{"Region", "cn-shanghai"}, {"LiveDomainType", "liveVideo"}}), 400,
      "MissingDomainName"));
  EXPECT_TRUE(IsApiError(Call("AddLiveDomain", {{"DomainName", "a.com"}}), 400, "MissingRegion"));
  EXPECT_TRUE(IsApiError(Call("AddLiveDomain", {{"DomainName", "a..com"}, {"Region", "x"}}), 400,
                         "InvalidDomainName.Malformed"));
  EXPECT_TRUE(IsApiError(Call("AddLiveDomain", {{"DomainName", "a.com"}, {"Region", "CN East"}}),
                         400, "InvalidRegion.Malformed"));
  EXPECT_TRUE(IsApiError(Call("DeleteLiveDomain", {}), 400, "MissingDomainName"));
}

TEST_F(ActionsTest, NotifyConfigLifecycle) {
  AddDomain("push.example.com", "cn-shanghai");
  const Params domain = {{"DomainName", "push.example.com"}};
  EXPECT_TRUE(IsApiError(Call("DescribeLiveSnapshotNotifyConfig", domain), 404, "ConfigNotFound"));
  EXPECT_TRUE(IsApiError(Call("UpdateLiveSnapshotNotifyConfig", domain), 404, "ConfigNotFound"));
  EXPECT_TRUE(IsApiError(Call("DeleteLiveSnapshotNotifyConfig", domain), 404, "ConfigNotFound"));

  ASSERT_TRUE(IsApiSuccess(
      Call("AddLiveSnapshotNotifyConfig", {{"DomainName", "push.example.com"},
                                           {"NotifyUrl", "http://cb.example.com/notify"},
                                           {"NotifyReqAuth", "yes"},
                                           {"NotifyAuthKey", "abcdefgh12345678"}})));
  auto described = Call("DescribeLiveSnapshotNotifyConfig", domain);
  ASSERT_TRUE(IsApiSuccess(described));
  EXPECT_EQ(described.body["DomainName"], "push.example.com");
  EXPECT_EQ(described.body["NotifyUrl"], "http://cb.example.com/notify");
  EXPECT_EQ(described.body["NotifyReqAuth"], "yes");
  EXPECT_EQ(described.body["NotifyAuthKey"], "abcdefgh12345678");
  EXPECT_TRUE(IsApiError(
      Call("AddLiveSnapshotNotifyConfig",
           {{"DomainName", "push.example.com"}, {"NotifyUrl", "http://cb.example.com/notify"}}),
      400, "ConfigAlreadyExists"));

  ASSERT_TRUE(IsApiSuccess(
      Call("UpdateLiveSnapshotNotifyConfig", {{"DomainName", "push.example.com"},
                                              {"NotifyUrl", "https://other.example.com/n"},
                                              {"NotifyReqAuth", "no"}})));
  auto updated = Call("DescribeLiveSnapshotNotifyConfig", domain);
  EXPECT_EQ(updated.body["NotifyUrl"], "https://other.example.com/n");
  EXPECT_EQ(updated.body["NotifyReqAuth"], "no");
  EXPECT_EQ(updated.body["NotifyAuthKey"], "abcdefgh12345678");  // kept, unused while "no"
  auto stored = catalog_->GetNotifyConfig("push.example.com");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->notify_url, "https://other.example.com/n");
  EXPECT_FALSE(stored->req_auth);

  EXPECT_TRUE(IsApiSuccess(Call("DeleteLiveSnapshotNotifyConfig", domain)));
  EXPECT_TRUE(IsApiError(Call("DescribeLiveSnapshotNotifyConfig", domain), 404, "ConfigNotFound"));
}

TEST_F(ActionsTest, NotifyConfigValidation) {
  AddDomain("push.example.com", "cn-shanghai");
  auto add = [&](const Params& extra) {
    Params params = {{"DomainName", "push.example.com"}};
    params.insert(extra.begin(), extra.end());
    return Call("AddLiveSnapshotNotifyConfig", params);
  };
  EXPECT_TRUE(IsApiError(add({}), 400, "MissingNotifyUrl"));
  EXPECT_TRUE(IsApiError(add({{"NotifyUrl", "cb.example.com"}}), 400, "MalformedParam"));
  EXPECT_TRUE(
      IsApiError(add({{"NotifyUrl", "http://" + std::string(494, 'a')}}), 400, "MalformedParam"));
  EXPECT_TRUE(IsApiError(add({{"NotifyUrl", "http://a.com"}, {"NotifyReqAuth", "maybe"}}), 400,
                         "MalformedParam"));
  EXPECT_TRUE(IsApiError(add({{"NotifyUrl", "http://a.com"}, {"NotifyReqAuth", "yes"}}), 400,
                         "MissingParam"));
  EXPECT_TRUE(IsApiError(
      add({{"NotifyUrl", "http://a.com"}, {"NotifyReqAuth", "yes"}, {"NotifyAuthKey", "short"}}),
      400, "MalformedParam"));
  EXPECT_TRUE(IsApiError(add({{"NotifyUrl", "http://a.com"},
                              {"NotifyReqAuth", "yes"},
                              {"NotifyAuthKey", "not-only-alnum-1234"}}),
                         400, "MalformedParam"));
  EXPECT_TRUE(IsApiError(Call("AddLiveSnapshotNotifyConfig", {{"NotifyUrl", "http://a.com"}}), 400,
                         "MissingDomainName"));
  EXPECT_TRUE(IsApiError(Call("AddLiveSnapshotNotifyConfig",
                              {{"DomainName", "nope.example.com"}, {"NotifyUrl", "http://a.com"}}),
                         404, "InvalidDomain.NotFound"));
}

TEST_F(ActionsTest, StoragesListNamesRegionsEndpointsAndKindsOnly) {
  auto listed = Call("DescribeLiveSnapshotStorages", {});
  ASSERT_TRUE(IsApiSuccess(listed));
  const auto& storages = listed.body["Storages"]["Storage"];
  ASSERT_EQ(storages.size(), 2u) << listed.raw;
  std::set<std::string> names;
  for (const auto& storage : storages) {
    names.insert(storage["Name"]);
    std::set<std::string> keys;
    for (const auto& [key, value] : storage.items()) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"Name", "Region", "Endpoint", "Kind"}));
  }
  EXPECT_EQ(names, (std::set<std::string>{"snapshots", "beijing"}));
  auto beijing = Call("DescribeLiveSnapshotStorages", {{"Region", "cn-beijing"}});
  ASSERT_EQ(beijing.body["Storages"]["Storage"].size(), 1u);
  EXPECT_EQ(beijing.body["Storages"]["Storage"][0]["Endpoint"], "oss-cn-beijing.local");
  EXPECT_EQ(beijing.body["Storages"]["Storage"][0]["Kind"], "file");
  EXPECT_TRUE(IsApiError(Call("DescribeLiveSnapshotStorages", {{"Region", "Bad Region"}}), 400,
                         "InvalidRegion.Malformed"));
}

class SnapshotInfoTest : public ActionsTest {
 protected:
  void SetUp() override {
    ActionsTest::SetUp();
    AddDomain("push.example.com", "cn-shanghai");
    // 30 sequence records, one every 10 s from 10:00:00.500, and an overwrite
    // record; plus records of another stream that must never show.
    for (int i = 0; i < 30; ++i) {
      AddRecord("demo", false, i, kStartMs + 500 + i * 10'000);
    }
    AddRecord("demo", true, -1, kStartMs + 295'000);
    AddRecord("other", false, 0, kStartMs + 1000);
  }

  void AddRecord(const std::string& stream, bool overlay, int64_t sequence, int64_t capture_ms) {
    catalog::SnapshotRecord record;
    record.domain = "push.example.com";
    record.app = "live";
    record.stream = stream;
    record.endpoint = "file.local";
    record.bucket = "snapshots";
    record.object_key = overlay ? "live/" + stream + ".jpg"
                                : "live/" + stream + "/" + std::to_string(sequence) + ".jpg";
    record.overlay = overlay;
    record.sequence = sequence;
    record.capture_ms = capture_ms;
    record.size_bytes = 1000;
    record.width = 640;
    record.height = 360;
    ASSERT_TRUE(catalog_->AddSnapshotRecord(record).ok());
  }

  livesnap::testing::ApiResponse Query(const Params& extra) {
    Params params = {{"DomainName", "push.example.com"},
                     {"AppName", "live"},
                     {"StreamName", "demo"},
                     {"StartTime", "2024-05-01T10:00:00Z"},
                     {"EndTime", "2024-05-01T11:00:00Z"}};
    for (const auto& [key, value] : extra) params[key] = value;
    return Call("DescribeLiveStreamSnapshotInfo", params);
  }

  static std::vector<std::string> Objects(const livesnap::testing::ApiResponse& response) {
    std::vector<std::string> objects;
    for (const auto& info : response.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"]) {
      objects.push_back(info["OssObject"]);
    }
    return objects;
  }

  static constexpr int64_t kStartMs = 1'714'557'600'000;  // 2024-05-01T10:00:00Z
};

TEST_F(SnapshotInfoTest, ReturnsRecordsInRangeWithTheReferenceFields) {
  auto response = Query({{"Limit", "3"}});
  ASSERT_TRUE(IsApiSuccess(response));
  const auto& list = response.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["OssEndpoint"], "file.local");
  EXPECT_EQ(list[0]["OssBucket"], "snapshots");
  EXPECT_EQ(list[0]["OssObject"], "live/demo/0.jpg");
  EXPECT_EQ(list[0]["CreateTime"], "2024-05-01T10:00:00Z");
  EXPECT_EQ(list[0]["CreateTimestamp"], kStartMs + 500);
  EXPECT_EQ(list[0]["IsOverlay"], false);
  EXPECT_EQ(list[1]["OssObject"], "live/demo/1.jpg");
  // Whole seconds: the next page starts with every record of 10:00:30.
  EXPECT_EQ(response.body["NextStartTime"], "2024-05-01T10:00:30Z");
}

TEST_F(SnapshotInfoTest, NextStartTimePagesThroughEveryRecordOnce) {
  std::vector<std::string> all;
  std::string start = "2024-05-01T10:00:00Z";
  for (int pages = 0; pages < 10; ++pages) {
    auto response = Query({{"StartTime", start}, {"Limit", "7"}});
    ASSERT_TRUE(IsApiSuccess(response));
    for (const auto& object : Objects(response)) all.push_back(object);
    if (!response.body.contains("NextStartTime")) break;
    start = response.body["NextStartTime"];
  }
  ASSERT_EQ(all.size(), 31u);  // 30 sequence objects and the overwrite object
  EXPECT_EQ(all.front(), "live/demo/0.jpg");
  EXPECT_EQ(all[29], "live/demo/29.jpg");
  EXPECT_EQ(all.back(), "live/demo.jpg");
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 31u);
}

TEST_F(SnapshotInfoTest, OrderRangeAndEmptyResults) {
  auto newest = Query({{"Order", "desc"}, {"Limit", "2"}});
  EXPECT_EQ(Objects(newest), (std::vector<std::string>{"live/demo.jpg", "live/demo/29.jpg"}));
  EXPECT_EQ(newest.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"][0]["IsOverlay"],
            true);

  // [10:00:10, 10:00:30.500): records 1 and 2; the end is exclusive.
  auto window =
      Query({{"StartTime", "2024-05-01T10:00:10Z"}, {"EndTime", "2024-05-01T10:00:30.500Z"}});
  EXPECT_EQ(Objects(window), (std::vector<std::string>{"live/demo/1.jpg", "live/demo/2.jpg"}));
  EXPECT_FALSE(window.body.contains("NextStartTime"));

  auto none = Query({{"StartTime", "2024-05-02T10:00:00Z"}, {"EndTime", "2024-05-02T11:00:00Z"}});
  ASSERT_TRUE(IsApiSuccess(none));
  EXPECT_TRUE(Objects(none).empty());
  auto unknown_stream = Query({{"StreamName", "nobody"}});
  ASSERT_TRUE(IsApiSuccess(unknown_stream));
  EXPECT_TRUE(Objects(unknown_stream).empty());

  auto full_day = Query({{"StartTime", "2024-05-01T00:00:00Z"},
                         {"EndTime", "2024-05-02T00:00:00Z"},
                         {"Limit", "100"}});
  EXPECT_EQ(Objects(full_day).size(), 31u);
}

TEST_F(SnapshotInfoTest, Validation) {
  EXPECT_TRUE(
      IsApiError(Query({{"EndTime", "2024-05-02T10:00:01Z"}}), 400, "InvalidTimeRange.Exceeded"));
  EXPECT_TRUE(
      IsApiError(Query({{"EndTime", "2024-05-01T10:00:00Z"}}), 400, "InvalidEndTime.Mismatch"));
  EXPECT_TRUE(
      IsApiError(Query({{"EndTime", "2024-05-01T09:00:00Z"}}), 400, "InvalidEndTime.Mismatch"));
  EXPECT_TRUE(
      IsApiError(Query({{"StartTime", "2024-05-01 10:00:00"}}), 400, "InvalidStartTime.Malformed"));
  EXPECT_TRUE(IsApiError(Query({{"EndTime", "2024-05-01T11:00:00+08:00"}}), 400,
                         "InvalidEndTime.Malformed"));
  EXPECT_TRUE(IsApiError(Query({{"StartTime", ""}}), 400, "MissingStartTime"));
  EXPECT_TRUE(IsApiError(Query({{"EndTime", ""}}), 400, "MissingEndTime"));
  EXPECT_TRUE(IsApiError(Query({{"Limit", "0"}}), 400, "InvalidLimit.Malformed"));
  EXPECT_TRUE(IsApiError(Query({{"Limit", "101"}}), 400, "InvalidLimit.Malformed"));
  EXPECT_TRUE(IsApiError(Query({{"Order", "newest"}}), 400, "InvalidOrder.Malformed"));
  EXPECT_TRUE(IsApiError(Query({{"StreamName", ""}}), 400, "MissingStreamName"));
  EXPECT_TRUE(IsApiError(Query({{"StreamName", "a/b"}}), 400, "InvalidStreamName.Malformed"));
  EXPECT_TRUE(IsApiError(Query({{"AppName", ""}}), 400, "MissingAppName"));
  EXPECT_TRUE(IsApiError(Query({{"DomainName", ""}}), 400, "MissingDomainName"));
  EXPECT_TRUE(
      IsApiError(Query({{"DomainName", "nope.example.com"}}), 404, "InvalidDomain.NotFound"));
}

TEST_F(ActionsTest, RequestSyntaxErrors) {
  auto client = Client();
  EXPECT_TRUE(IsApiError(client.Send({{"Version", "2016-11-01"}}), 400, "MissingAction"));
  EXPECT_TRUE(
      IsApiError(client.Send({{"Action", "DescribeLiveUserDomains"}}), 400, "MissingVersion"));
  EXPECT_TRUE(
      IsApiError(client.Send({{"Action", "DescribeLiveUserDomains"}, {"Version", "2014-05-26"}}),
                 400, "InvalidVersion"));
  EXPECT_TRUE(IsApiError(client.Call("NoSuchAction", {}), 404, "InvalidAction.NotFound"));
  EXPECT_TRUE(IsApiError(
      client.Send(
          {{"Action", "DescribeLiveUserDomains"}, {"Version", "2016-11-01"}, {"Format", "XML"}}),
      400, "InvalidParameter.Format"));
  EXPECT_TRUE(IsApiError(client.Request("PUT", "/?Action=DescribeLiveUserDomains"), 400,
                         "UnsupportedHTTPMethod"));
  EXPECT_TRUE(IsApiError(client.Get("/no/such/path"), 404, "InvalidPath.NotFound"));
  // Without Format the answer is JSON all the same.
  EXPECT_TRUE(IsApiSuccess(
      client.Send({{"Action", "DescribeLiveUserDomains"}, {"Version", "2016-11-01"}})));
}

TEST_F(ActionsTest, EveryAnswerHasItsOwnRequestId) {
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto ok = Call("DescribeLiveUserDomains", {});
    ASSERT_TRUE(IsApiSuccess(ok));
    ids.insert(ok.body["RequestId"]);
    auto error = Call("DeleteLiveDomain", {});
    ASSERT_TRUE(IsApiError(error, 400, "MissingDomainName"));
    ids.insert(error.body["RequestId"]);
  }
  EXPECT_EQ(ids.size(), 10u);
  for (const std::string& id : ids) EXPECT_EQ(id.size(), 36u) << id;
}

}  // namespace
}  // namespace livesnap::api::testing
