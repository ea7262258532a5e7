// Snapshot records over real HTTP against the real catalog (SQLite, and
// PostgreSQL in the suite's second registration): paging with whole-second
// NextStartTime when several records share a second, DeleteSnapshotFiles on
// records and stored objects, DescribeLiveDomainSnapshotData's daily counts.
#include <gtest/gtest.h>

#include <set>

#include "api/testing/api_fixture.h"
#include "tests/support/api_client.h"

namespace livesnap::api::testing {
namespace {

using Params = std::map<std::string, std::string>;

constexpr int64_t kTenAm = 1'714'557'600'000;  // 2024-05-01T10:00:00Z, the fixture's clock
constexpr char kDomain[] = "push.example.com";

class RecordsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/false);
    AddDomain(kDomain, "cn-shanghai");
  }

  livesnap::testing::ApiResponse Call(const std::string& action, const Params& params) {
    return Client().Call(action, params);
  }

  // A record of live/<stream>; its object is stored in "snapshots" when `store`.
  void AddRecord(const std::string& stream, int64_t capture_ms, int64_t sequence,
                 bool store = false, const std::string& bucket = "snapshots") {
    catalog::SnapshotRecord record;
    record.domain = kDomain;
    record.app = "live";
    record.stream = stream;
    record.endpoint = "file.local";
    record.bucket = bucket;
    record.overlay = sequence < 0;
    record.sequence = sequence;
    record.object_key = record.overlay ? "live/" + stream + ".jpg"
                                       : "live/" + stream + "/" + std::to_string(sequence) + ".jpg";
    record.capture_ms = capture_ms;
    record.size_bytes = 1000;
    record.width = 640;
    record.height = 360;
    ASSERT_TRUE(catalog_->AddSnapshotRecord(record).ok());
    if (store) {
      const std::string bytes = "image of " + record.object_key;
      ASSERT_TRUE(store_
                      ->Put(record.object_key,
                            {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                            "image/jpeg")
                      .ok());
    }
  }

  livesnap::testing::ApiResponse Info(const std::string& stream, const Params& extra) {
    Params params = {{"DomainName", kDomain},
                     {"AppName", "live"},
                     {"StreamName", stream},
                     {"StartTime", "2024-05-01T10:00:00Z"},
                     {"EndTime", "2024-05-01T11:00:00Z"}};
    for (const auto& [key, value] : extra) params[key] = value;
    return Call("DescribeLiveStreamSnapshotInfo", params);
  }

  // "<CreateTimestamp>/<OssObject>" of each record of an answer.
  static std::vector<std::string> Items(const livesnap::testing::ApiResponse& response) {
    std::vector<std::string> items;
    for (const auto& info : response.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"]) {
      items.push_back(std::to_string(info["CreateTimestamp"].get<int64_t>()) + "/" +
                      info["OssObject"].get<std::string>());
    }
    return items;
  }

  // Every page of `stream` in `order` with `limit`, following NextStartTime
  // (as StartTime ascending, as EndTime descending); the pages' items in turn.
  std::vector<std::string> AllPages(const std::string& stream, int limit, const std::string& order,
                                    int* pages = nullptr) {
    std::vector<std::string> all;
    Params params = {{"Limit", std::to_string(limit)}, {"Order", order}};
    for (int page = 1; page <= 50; ++page) {
      auto response = Info(stream, params);
      EXPECT_TRUE(IsApiSuccess(response));
      for (const std::string& item : Items(response)) all.push_back(item);
      if (pages != nullptr) *pages = page;
      if (!response.body.contains("NextStartTime")) break;
      const std::string next = response.body["NextStartTime"];
      EXPECT_TRUE(livesnap::testing::IsWholeSecondIso8601(next)) << next;
      params[order == "asc" ? "StartTime" : "EndTime"] = next;
    }
    return all;
  }
};

// Three records of one capture second straddle each page boundary Limit
// would draw: the pages still give every record once, in order.
TEST_F(RecordsTest, RecordsSharingASecondArePagedWithoutRepeatOrGap) {
  AddRecord("burst", kTenAm + 59'900, 0);
  for (int i = 1; i <= 3; ++i) AddRecord("burst", kTenAm + 60'000 + 100 * i, i);
  AddRecord("burst", kTenAm + 60'300, -1);  // the overwrite object of the third capture
  AddRecord("burst", kTenAm + 60'999, 4);
  AddRecord("burst", kTenAm + 61'000, 5);
  AddRecord("burst", kTenAm + 62'500, 6);
  const std::vector<std::string> ascending = Items(Info("burst", {{"Limit", "100"}}));
  ASSERT_EQ(ascending.size(), 8u);
  const std::vector<std::string> descending(ascending.rbegin(), ascending.rend());
  ASSERT_EQ(Items(Info("burst", {{"Limit", "100"}, {"Order", "desc"}})).size(), 8u);

  for (int limit = 1; limit <= 9; ++limit) {
    EXPECT_EQ(AllPages("burst", limit, "asc"), ascending) << "Limit " << limit;
    const std::vector<std::string> newest_first = AllPages("burst", limit, "desc");
    EXPECT_EQ(std::set<std::string>(newest_first.begin(), newest_first.end()),
              std::set<std::string>(ascending.begin(), ascending.end()))
        << "Limit " << limit;
    EXPECT_EQ(newest_first.size(), 8u) << "Limit " << limit;
  }

  // Limit 2: the second 10:01:00 does not fit behind 10:00:59.900, so the
  // first page stops before it; it then comes whole (5 records: more than
  // Limit), and 10:01:01 follows.
  auto first = Info("burst", {{"Limit", "2"}});
  EXPECT_EQ(Items(first).size(), 1u);
  EXPECT_EQ(first.body["NextStartTime"], "2024-05-01T10:01:00Z");
  auto second = Info("burst", {{"Limit", "2"}, {"StartTime", "2024-05-01T10:01:00Z"}});
  EXPECT_EQ(Items(second).size(), 5u);
  EXPECT_EQ(second.body["NextStartTime"], "2024-05-01T10:01:01Z");
  auto newest = Info("burst", {{"Limit", "2"}, {"Order", "desc"}});
  EXPECT_EQ(Items(newest).size(), 2u);                              // 10:01:02.500 and 10:01:01
  EXPECT_EQ(newest.body["NextStartTime"], "2024-05-01T10:01:01Z");  // the next EndTime
}

TEST_F(RecordsTest, DeleteSnapshotFilesRemovesRecordsAndObjects) {
  AddRecord("demo", kTenAm + 1000, 0, /*store=*/true);
  AddRecord("demo", kTenAm + 6000, 1, /*store=*/true);
  AddRecord("demo", kTenAm + 6000, -1, /*store=*/true);  // overwrite object of that capture
  AddRecord("demo", kTenAm + 11'000, 2, /*store=*/true);

  auto removed =
      Call("DeleteSnapshotFiles", {{"DomainName", kDomain},
                                   {"AppName", "live"},
                                   {"StreamName", "demo"},
                                   {"CreateTimestampList.1", std::to_string(kTenAm + 6000)},
                                   {"CreateTimestampList.2", "1714557000000"},
                                   {"RemoveFile", "true"}});
  ASSERT_TRUE(IsApiSuccess(removed));
  EXPECT_EQ(removed.body["SuccessCount"], 1);
  EXPECT_EQ(removed.body["FailureCount"], 1);
  const auto& infos = removed.body["SnapshotDeleteInfoList"]["SnapshotDeleteInfo"];
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0]["CreateTimestamp"], kTenAm + 6000);
  EXPECT_EQ(infos[0]["Message"], "OK");
  EXPECT_EQ(infos[1]["CreateTimestamp"], 1'714'557'000'000);
  EXPECT_EQ(infos[1]["Message"], "FileNotFound");
  EXPECT_TRUE(absl::IsNotFound(store_->Get("live/demo/1.jpg").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("live/demo.jpg").status()));
  EXPECT_TRUE(store_->Get("live/demo/0.jpg").ok());
  EXPECT_EQ(Items(Info("demo", {})),
            (std::vector<std::string>{std::to_string(kTenAm + 1000) + "/live/demo/0.jpg",
                                      std::to_string(kTenAm + 11'000) + "/live/demo/2.jpg"}));

  // RemoveFile=false: the record goes, the object stays.
  auto kept = Call("DeleteSnapshotFiles", {{"DomainName", kDomain},
                                           {"AppName", "live"},
                                           {"StreamName", "demo"},
                                           {"CreateTimestampList.1", std::to_string(kTenAm + 1000)},
                                           {"RemoveFile", "false"}});
  ASSERT_TRUE(IsApiSuccess(kept));
  EXPECT_EQ(kept.body["SuccessCount"], 1);
  EXPECT_TRUE(store_->Get("live/demo/0.jpg").ok());
  EXPECT_EQ(Items(Info("demo", {})).size(), 1u);

  // A record whose storage location this node lacks: its object cannot be
  // removed, so the record stays for a retry.
  AddRecord("demo", kTenAm + 20'000, 3, false, "elsewhere");
  auto stuck =
      Call("DeleteSnapshotFiles", {{"DomainName", kDomain},
                                   {"AppName", "live"},
                                   {"StreamName", "demo"},
                                   {"CreateTimestampList", std::to_string(kTenAm + 20'000)},
                                   {"RemoveFile", "true"}});
  ASSERT_TRUE(IsApiSuccess(stuck));
  EXPECT_EQ(stuck.body["FailureCount"], 1);
  const auto& stuck_info = stuck.body["SnapshotDeleteInfoList"]["SnapshotDeleteInfo"][0];
  EXPECT_EQ(stuck_info["Message"], "RemoveFileFailed");
  EXPECT_NE(stuck_info["Reason"].get<std::string>().find("elsewhere"), std::string::npos);
  EXPECT_EQ(Items(Info("demo", {})).size(), 2u);
}

TEST_F(RecordsTest, DeleteSnapshotFilesChecksItsParameters) {
  const Params base = {{"DomainName", kDomain},
                       {"AppName", "live"},
                       {"StreamName", "demo"},
                       {"CreateTimestampList.1", "1714557601000"},
                       {"RemoveFile", "true"}};
  auto with = [&](const Params& changes) {
    Params params = base;
    for (const auto& [key, value] : changes) params[key] = value;
    return Call("DeleteSnapshotFiles", params);
  };
  EXPECT_TRUE(IsApiSuccess(with({})));
  EXPECT_TRUE(IsApiSuccess(with(
      {{"CreateTimestampList.1", ""}, {"CreateTimestampList", "[1714557601000, 1714557602000]"}})));
  EXPECT_TRUE(IsApiError(with({{"CreateTimestampList.1", ""}}), 400, "MissingCreateTimestampList"));
  EXPECT_TRUE(IsApiError(with({{"CreateTimestampList.1", "yesterday"}}), 400,
                         "InvalidCreateTimestampList.Malformed"));
  EXPECT_TRUE(IsApiError(with({{"CreateTimestampList.1", "-5"}}), 400,
                         "InvalidCreateTimestampList.Malformed"));
  EXPECT_TRUE(IsApiError(with({{"CreateTimestampList.x", "1"}}), 400,
                         "InvalidCreateTimestampList.Malformed"));
  Params many;
  for (int i = 1; i <= 201; ++i)
    many["CreateTimestampList." + std::to_string(i)] = std::to_string(i);
  EXPECT_TRUE(IsApiError(with(many), 400, "InvalidCreateTimestampList.Malformed"));
  many.erase("CreateTimestampList.201");
  EXPECT_TRUE(IsApiSuccess(with(many)));
  EXPECT_TRUE(IsApiError(with({{"RemoveFile", ""}}), 400, "MissingRemoveFile"));
  EXPECT_TRUE(IsApiError(with({{"RemoveFile", "yes"}}), 400, "InvalidRemoveFile.Malformed"));
  EXPECT_TRUE(IsApiError(with({{"StreamName", ""}}), 400, "MissingStreamName"));
  EXPECT_TRUE(IsApiError(with({{"AppName", ""}}), 400, "MissingAppName"));
  EXPECT_TRUE(IsApiError(with({{"DomainName", ""}}), 400, "MissingDomainName"));
  EXPECT_TRUE(
      IsApiError(with({{"DomainName", "nope.example.com"}}), 404, "InvalidDomain.NotFound"));
}

TEST_F(RecordsTest, DomainSnapshotDataCountsCapturesPerDay) {
  constexpr int64_t kDay = 86'400'000;
  const int64_t yesterday = kTenAm - kDay;
  AddRecord("a", yesterday, 0);
  AddRecord("a", yesterday, -1);  // the same capture's overwrite object: one snapshot
  AddRecord("a", yesterday + 5000, 1);
  AddRecord("b", yesterday + 7000, 0);
  AddRecord("a", kTenAm - 1000, 2);
  AddDomain("other.example.com", "cn-shanghai");
  catalog::SnapshotRecord other;
  other.domain = "other.example.com";
  other.app = "live";
  other.stream = "x";
  other.endpoint = "file.local";
  other.bucket = "snapshots";
  other.object_key = "live/x/0.jpg";
  other.sequence = 0;
  other.capture_ms = kTenAm - 2000;
  ASSERT_TRUE(catalog_->AddSnapshotRecord(other).ok());

  auto data = Call("DescribeLiveDomainSnapshotData", {{"DomainName", kDomain},
                                                      {"StartTime", "2024-04-29T00:00:00Z"},
                                                      {"EndTime", "2024-05-02T00:00:00Z"}});
  ASSERT_TRUE(IsApiSuccess(data));
  const auto& days = data.body["SnapshotDataInfos"]["SnapshotDataInfo"];
  ASSERT_EQ(days.size(), 3u) << data.raw;
  EXPECT_EQ(days[0]["Date"], "20240429");
  EXPECT_EQ(days[0]["Total"], 0);
  EXPECT_EQ(days[1]["Date"], "20240430");
  EXPECT_EQ(days[1]["Total"], 3);
  EXPECT_EQ(days[2]["Date"], "20240501");
  EXPECT_EQ(days[2]["Total"], 1);

  // Several domains add up; none named: every domain.
  auto both = Call("DescribeLiveDomainSnapshotData",
                   {{"DomainName", std::string(kDomain) + ",other.example.com"},
                    {"StartTime", "2024-05-01T00:00:00Z"},
                    {"EndTime", "2024-05-02T00:00:00Z"}});
  ASSERT_TRUE(IsApiSuccess(both));
  EXPECT_EQ(both.body["SnapshotDataInfos"]["SnapshotDataInfo"][0]["Total"], 2);
  auto all = Call("DescribeLiveDomainSnapshotData",
                  {{"StartTime", "2024-04-30T00:00:00Z"}, {"EndTime", "2024-05-02T00:00:00Z"}});
  ASSERT_TRUE(IsApiSuccess(all));
  EXPECT_EQ(all.body["SnapshotDataInfos"]["SnapshotDataInfo"][0]["Total"], 3);
  EXPECT_EQ(all.body["SnapshotDataInfos"]["SnapshotDataInfo"][1]["Total"], 2);
}

TEST_F(RecordsTest, DomainSnapshotDataRefusesABadRange) {
  auto query = [&](const std::string& start, const std::string& end) {
    Params params = {{"DomainName", kDomain}};
    if (!start.empty()) params["StartTime"] = start;
    if (!end.empty()) params["EndTime"] = end;
    return Call("DescribeLiveDomainSnapshotData", params);
  };
  EXPECT_TRUE(IsApiSuccess(query("2024-02-02T00:00:00Z", "2024-05-01T00:00:00Z")));  // 89 days
  EXPECT_TRUE(IsApiError(query("2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z"), 400,
                         "InvalidStartTime.ValueNotSupported"));  // older than 90 days
  EXPECT_TRUE(IsApiError(query("2024-04-01T00:00:00Z", "2024-08-01T00:00:00Z"), 400,
                         "InvalidStartTime.ValueNotSupported"));  // longer than 90 days
  EXPECT_TRUE(IsApiError(query("2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z"), 400,
                         "InvalidEndTime.Mismatch"));
  EXPECT_TRUE(
      IsApiError(query("2024-05-01", "2024-05-02T00:00:00Z"), 400, "InvalidStartTime.Malformed"));
  EXPECT_TRUE(
      IsApiError(query("2024-05-01T00:00:00Z", "tomorrow"), 400, "InvalidEndTime.Malformed"));
  EXPECT_TRUE(IsApiError(query("", "2024-05-02T00:00:00Z"), 400, "MissingStartTime"));
  EXPECT_TRUE(IsApiError(query("2024-05-01T00:00:00Z", ""), 400, "MissingEndTime"));
  EXPECT_TRUE(
      IsApiError(Call("DescribeLiveDomainSnapshotData", {{"DomainName", "nope.example.com"},
                                                         {"StartTime", "2024-05-01T00:00:00Z"},
                                                         {"EndTime", "2024-05-02T00:00:00Z"}}),
                 404, "InvalidDomain.NotFound"));
  EXPECT_TRUE(
      IsApiError(Call("DescribeLiveDomainSnapshotData", {{"DomainName", "bad domain"},
                                                         {"StartTime", "2024-05-01T00:00:00Z"},
                                                         {"EndTime", "2024-05-02T00:00:00Z"}}),
                 400, "InvalidDomainName.Malformed"));
}

}  // namespace
}  // namespace livesnap::api::testing
