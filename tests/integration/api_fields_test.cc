// Every action of the real livesnapd, called over real HTTP with data that
// gives each list an item (a domain, a template, a notify config, a push
// signature, a live ffmpeg push and its snapshot records), answers the fields
// Alibaba's SDK models list, with their JSON types: the table is
// alibaba_response_fields.json, which names the model file of each action.
// A field missing or of another type, a field in no list, or an action of
// the table that no call reaches fails the test.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/api_client.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using Params = std::map<std::string, std::string>;
using testing::ApiClient;
using testing::ApiResponse;

Json LoadTable() {
  std::ifstream file(LIVESNAP_API_FIELDS_TABLE);
  EXPECT_TRUE(file.good()) << "cannot read " << LIVESNAP_API_FIELDS_TABLE;
  return Json::parse(file, nullptr, /*allow_exceptions=*/false);
}

std::string TypeOf(const Json& value) {
  if (value.is_string()) return "string";
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  if (value.is_boolean()) return "boolean";
  if (value.is_object()) return "object";
  if (value.is_array()) return "array";
  return "null";
}

// The values at `path` ("A.B[].C": [] is every item of the array B); a
// missing key or an empty array is written to `problem`.
std::vector<const Json*> ValuesAt(const Json& answer, const std::string& path,
                                  std::string* problem) {
  std::vector<const Json*> nodes = {&answer};
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('.', start);
    if (end == std::string::npos) end = path.size();
    std::string key = path.substr(start, end - start);
    const bool each = key.ends_with("[]");
    if (each) key.resize(key.size() - 2);
    std::vector<const Json*> next;
    for (const Json* node : nodes) {
      if (!node->is_object() || !node->contains(key)) {
        *problem = path + ": missing";
        return {};
      }
      const Json& child = (*node)[key];
      if (!each) {
        next.push_back(&child);
      } else if (!child.is_array() || child.empty()) {
        *problem = path + ": " + key + " has no item to check (set up data that gives it one)";
        return {};
      } else {
        for (const Json& item : child) next.push_back(&item);
      }
    }
    nodes = std::move(next);
    start = end + 1;
  }
  return nodes;
}

// Every path in `value` in the table's notation.
void CollectPaths(const Json& value, const std::string& prefix, std::set<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      out.insert(path);
      CollectPaths(child, path, out);
    }
  } else if (value.is_array()) {
    for (const Json& item : value) CollectPaths(item, prefix + "[]", out);
  }
}

// What is wrong with `answer` against the table's `entry` (empty: nothing).
std::vector<std::string> CheckAnswer(const Json& entry, const Json& answer) {
  std::vector<std::string> problems;
  const Json missing_ok = entry.value("expected_missing", Json::object());
  std::set<std::string> listed;
  for (const char* list : {"fields", "livesnap_extensions"}) {
    const Json paths = entry.value(list, Json::object());
    for (const auto& [path, type] : paths.items()) {
      listed.insert(path);
      std::string problem;
      const std::vector<const Json*> values = ValuesAt(answer, path, &problem);
      if (missing_ok.contains(path)) {
        if (problem.empty())
          problems.push_back(path + ": answered now, drop it from expected_missing");
        continue;
      }
      if (!problem.empty()) problems.push_back(problem);
      for (const Json* value : values) {
        if (TypeOf(*value) != type) {
          problems.push_back(path + ": " + type.get<std::string>() + " expected, answered " +
                             TypeOf(*value) + " " + value->dump());
          break;
        }
      }
    }
  }
  std::set<std::string> answered;
  CollectPaths(answer, "", answered);
  for (const std::string& path : answered) {
    if (!listed.contains(path)) {
      problems.push_back(path + ": not in the table (an Alibaba field, or a livesnap_extension?)");
    }
  }
  return problems;
}

// The value at `pointer` in `body`, or `fallback` when there is none.
template <typename T>
T ValueAt(const Json& body, const char* pointer, T fallback) {
  const Json::json_pointer at(pointer);
  return body.contains(at) ? body.at(at).get<T>() : fallback;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += "\n  " + line;
  return text;
}

// The checker itself: each kind of drift is reported.
TEST(AnswerCheckTest, ReportsMissingMistypedAndUnlistedFields) {
  const Json entry = Json::parse(R"({
    "fields": {"RequestId": "string", "List": "object", "List.Item": "array",
               "List.Item[].Name": "string", "List.Item[].Size": "integer", "Gone": "string"},
    "livesnap_extensions": {"List.Item[].Extra": "boolean"},
    "expected_missing": {"Gone": "not stored yet"}})");
  const Json good = Json::parse(R"({"RequestId": "x", "List": {"Item": [
    {"Name": "a", "Size": 1, "Extra": true}, {"Name": "b", "Size": 2, "Extra": false}]}})");
  EXPECT_TRUE(CheckAnswer(entry, good).empty()) << Join(CheckAnswer(entry, good));

  Json bad = good;
  bad["List"]["Item"][1].erase("Name");
  bad["List"]["Item"][0]["Size"] = "1";
  bad["Surprise"] = 3;
  bad["Gone"] = "here";
  const std::vector<std::string> problems = CheckAnswer(entry, bad);
  EXPECT_EQ(problems.size(), 4u) << Join(problems);
  const std::string text = Join(problems);
  EXPECT_NE(text.find("List.Item[].Name: missing"), std::string::npos) << text;
  EXPECT_NE(text.find("List.Item[].Size: integer expected, answered string \"1\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Surprise: not in the table"), std::string::npos) << text;
  EXPECT_NE(text.find("Gone: answered now"), std::string::npos) << text;

  Json empty = good;
  empty["List"]["Item"] = Json::array();
  EXPECT_NE(Join(CheckAnswer(entry, empty)).find("Item has no item to check"), std::string::npos);
}

constexpr char kDomain[] = "fields.example.com";  // added, configured and deleted by the test
constexpr char kLiveDomain[] = "127.0.0.1";       // the embedded domain the push goes to
constexpr char kApp[] = "live";
constexpr char kStream[] = "fields";

class ApiFieldsTest : public ::testing::Test {
 protected:
  // Calls `action` unless the table lists it as pending; checks a 200
  // answer against the table. Returns the answer (an empty one when skipped).
  ApiResponse Answer(const std::string& action, const Params& params) {
    if (table_["pending"].contains(action)) {
      pending_seen_.insert(action);
      return {};
    }
    ApiResponse response = api_->Call(action, params, ApiClient::kPost);
    called_.insert(action);
    EXPECT_EQ(response.status, 200) << action << ": " << response.raw;
    const Json* entry = nullptr;
    for (const char* group : {"actions", "livesnap_actions"}) {
      if (table_[group].contains(action)) entry = &table_[group][action];
    }
    if (entry == nullptr) {
      ADD_FAILURE() << action << " is in no list of alibaba_response_fields.json";
    } else if (response.status == 200) {
      const std::vector<std::string> problems = CheckAnswer(*entry, response.body);
      EXPECT_TRUE(problems.empty()) << action << " answered " << response.raw << Join(problems);
    }
    return response;
  }

  Json table_ = LoadTable();
  testing::TempDir dir_;
  std::unique_ptr<ApiClient> api_;
  std::set<std::string> called_;
  std::set<std::string> pending_seen_;
};

TEST_F(ApiFieldsTest, EveryActionAnswersAlibabasFieldsWithTheirTypes) {
  ASSERT_TRUE(table_.is_object() && table_.contains("actions") && table_.contains("pending"));
  testing::ClipSpec spec;
  spec.seconds = 60;
  const auto clip = testing::MakeFlvClip(dir_.path(), "clip", spec);
  testing::LivesnapdProcess server(dir_.path());
  ASSERT_TRUE(server.Start()) << server.Log();
  api_ = std::make_unique<ApiClient>(server.api_port());
  // Live for the whole test: the online list and the snapshot records.
  testing::Subprocess push(testing::PushCommand(clip, server.RtmpUrl(kApp, kStream), true),
                           dir_ / "push.log");

  const Params domain = {{"DomainName", kDomain}};
  Answer("AddLiveDomain",
         {{"DomainName", kDomain}, {"Region", "local"}, {"LiveDomainType", "liveVideo"}});
  Answer("DescribeLiveUserDomains", {{"DomainName", kDomain}});
  Answer("DescribeLiveSnapshotStorages", {});

  Params tmpl = {{"DomainName", kDomain},
                 {"AppName", kApp},
                 {"TimeInterval", "5"},
                 {"OssEndpoint", "file.local"},
                 {"OssBucket", "snapshots"},
                 {"OverwriteOssObject", "{AppName}/{StreamName}.jpg"},
                 {"SequenceOssObject", "{AppName}/{StreamName}/{Sequence}.jpg"},
                 {"Callback", "http://127.0.0.1:9/snapshot"}};
  Answer("AddLiveAppSnapshotConfig", tmpl);
  Answer("UpdateLiveAppSnapshotConfig",
         {{"DomainName", kDomain}, {"AppName", kApp}, {"TimeInterval", "10"}});
  Answer("DescribeLiveSnapshotConfig", domain);
  Answer("DeleteLiveAppSnapshotConfig", {{"DomainName", kDomain}, {"AppName", kApp}});

  Answer("AddLiveSnapshotNotifyConfig",
         {{"DomainName", kDomain}, {"NotifyUrl", "http://127.0.0.1:9/n"}});
  Answer(
      "UpdateLiveSnapshotNotifyConfig",
      {{"DomainName", kDomain}, {"NotifyReqAuth", "yes"}, {"NotifyAuthKey", "fieldsKey0123456"}});
  Answer("DescribeLiveSnapshotNotifyConfig", domain);
  Answer("DeleteLiveSnapshotNotifyConfig", domain);
  Answer("SetSnapshotCallbackAuth", {{"DomainName", kDomain},
                                     {"CallbackReqAuth", "yes"},
                                     {"CallbackAuthKey", "fieldsKey0123456"}});
  Answer("QuerySnapshotCallbackAuth", domain);
  Answer("DeleteSnapshotCallbackAuth", domain);

  Answer("BatchSetLiveDomainConfigs",
         {{"DomainNames", kDomain},
          {"Functions", R"([{"functionName":"aliauth","functionArgs":[)"
                        R"({"argName":"auth_type","argValue":"type_a"},)"
                        R"({"argName":"auth_key1","argValue":"fieldsKey1"}]}])"}});
  const ApiResponse configs = Answer("DescribeLiveDomainConfigs", domain);
  const std::string config_id =
      ValueAt(configs.body, "/DomainConfigs/DomainConfig/0/ConfigId", std::string("none"));
  Answer("DeleteLiveSpecificConfig", {{"DomainName", kDomain}, {"ConfigId", config_id}});

  // The push: live, and its first capture recorded (an overwrite and a
  // sequence record, so that Limit=1 leaves a NextStartTime).
  const Params live = {{"DomainName", kLiveDomain}, {"AppName", kApp}, {"StreamName", kStream}};
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        ApiResponse online =
            api_->Call("DescribeLiveStreamsOnlineList", {{"DomainName", kLiveDomain}});
        return ValueAt(online.body, "/TotalNum", 0) == 1;
      },
      30s))
      << server.Log();
  Answer("DescribeLiveStreamsOnlineList", {{"DomainName", kLiveDomain}});
  Answer("DescribeLivesnapNodes", {});
  Params history = live;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  history["StartTime"] = ApiClient::Iso8601(now_ms - 3'600'000);
  history["EndTime"] = ApiClient::Iso8601(now_ms + 3'600'000);
  history["Limit"] = "1";
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return api_->Call("DescribeLiveStreamSnapshotInfo", history).body.contains("NextStartTime");
      },
      30s))
      << server.Log();
  const ApiResponse records = Answer("DescribeLiveStreamSnapshotInfo", history);
  Answer("DescribeLiveDomainSnapshotData", {{"DomainName", kLiveDomain},
                                            {"StartTime", history["StartTime"]},
                                            {"EndTime", history["EndTime"]}});
  Answer("RealTimeSnapshotCommand", {{"DomainName", kLiveDomain},
                                     {"AppName", kApp},
                                     {"StreamName", kStream},
                                     {"Command", "startTask"},
                                     {"Interval", "5"}});
  Answer("RealTimeSnapshotCommand", {{"DomainName", kLiveDomain},
                                     {"AppName", kApp},
                                     {"StreamName", kStream},
                                     {"Command", "stopTask"}});
  // A record that exists and one that does not: one of each outcome.
  Params remove = live;
  remove["CreateTimestampList.1"] = std::to_string(
      ValueAt(records.body, "/LiveStreamSnapshotInfoList/LiveStreamSnapshotInfo/0/CreateTimestamp",
              int64_t{0}));
  remove["CreateTimestampList.2"] = "1";
  remove["RemoveFile"] = "true";
  Answer("DeleteSnapshotFiles", remove);

  Answer("DeleteLiveDomain", domain);

  for (const char* group : {"actions", "livesnap_actions"}) {
    for (const auto& [action, entry] : table_[group].items()) {
      EXPECT_TRUE(called_.contains(action))
          << action << " is in the table's " << group << " but the test never calls it";
    }
  }
  for (const auto& [action, entry] : table_["pending"].items()) {
    EXPECT_TRUE(pending_seen_.contains(action)) << action << " is pending and has no call here";
    std::cout << "pending, not checked: " << action << "\n";
  }
  push.Signal(SIGKILL);
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

}  // namespace
}  // namespace livesnap
