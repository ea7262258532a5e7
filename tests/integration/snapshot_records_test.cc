// Snapshot records as users meet them through the real livesnapd: a real
// ffmpeg push faster than real time (so several records share a second),
// then DescribeLiveStreamSnapshotInfo paged with whole-second NextStartTime,
// DescribeLiveDomainSnapshotData's count of the day, and DeleteSnapshotFiles
// removing records and stored objects. On one node (SQLite, file store), and
// on two nodes sharing PostgreSQL and s3rver, the calls made to the node the
// stream was not pushed to; s3cmd checks the bucket independently.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "catalog/testing/test_database.h"
#include "tests/integration/cluster_support.h"
#include "tests/s3/s3cmd.h"
#include "tests/s3/s3rver.h"
#include "tests/support/api_client.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ApiClient;
using testing::ApiResponse;
using testing::LivesnapdProcess;
using testing::Subprocess;

constexpr int64_t kDayMs = 86'400'000;

struct Record {
  int64_t create_ms = 0;
  std::string object;
  bool overlay = false;
  bool operator==(const Record&) const = default;
  bool operator<(const Record& other) const {
    return std::tie(create_ms, object) < std::tie(other.create_ms, other.object);
  }
};

// A stream's records through one node's API.
class RecordsApi {
 public:
  RecordsApi(uint16_t port, std::string domain, std::string stream)
      : api_(port), domain_(std::move(domain)), stream_(std::move(stream)) {
    const testing::TimeWindow window = testing::HourAroundNow();
    start_ = window.start;
    end_ = window.end;
  }

  ApiResponse Info(const std::string& start, const std::string& end, int limit,
                   const std::string& order) {
    return api_.Call("DescribeLiveStreamSnapshotInfo", {{"DomainName", domain_},
                                                        {"AppName", "live"},
                                                        {"StreamName", stream_},
                                                        {"StartTime", start},
                                                        {"EndTime", end},
                                                        {"Limit", std::to_string(limit)},
                                                        {"Order", order}});
  }

  static std::vector<Record> Items(const ApiResponse& response) {
    std::vector<Record> records;
    for (const auto& item : response.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"]) {
      records.push_back({item["CreateTimestamp"].get<int64_t>(),
                         item["OssObject"].get<std::string>(), item["IsOverlay"].get<bool>()});
    }
    return records;
  }

  std::vector<Record> All() { return Items(Info(start_, end_, 100, "asc")); }

  // Every page of `limit`, following NextStartTime (the next StartTime
  // ascending, the next EndTime descending); fails the test on a
  // NextStartTime that is not whole seconds.
  std::vector<Record> Paged(int limit, const std::string& order) {
    std::vector<Record> records;
    std::string start = start_;
    std::string end = end_;
    for (int page = 0; page < 100; ++page) {
      ApiResponse response = Info(start, end, limit, order);
      EXPECT_EQ(response.status, 200) << response.raw;
      for (const Record& record : Items(response)) records.push_back(record);
      if (!response.body.contains("NextStartTime")) return records;
      const std::string next = response.body["NextStartTime"];
      EXPECT_TRUE(testing::IsWholeSecondIso8601(next)) << next;
      (order == "asc" ? start : end) = next;
    }
    ADD_FAILURE() << "more than 100 pages";
    return records;
  }

  ApiResponse Delete(const std::vector<int64_t>& times, bool remove_file) {
    std::map<std::string, std::string> params = {{"DomainName", domain_},
                                                 {"AppName", "live"},
                                                 {"StreamName", stream_},
                                                 {"RemoveFile", remove_file ? "true" : "false"}};
    for (size_t i = 0; i < times.size(); ++i) {
      params["CreateTimestampList." + std::to_string(i + 1)] = std::to_string(times[i]);
    }
    return api_.Call("DeleteSnapshotFiles", params, ApiClient::kPost);
  }

  // Today's Total for the domain (UTC day).
  int64_t TodayTotal() {
    const int64_t day = testing::NowUnixMs() / kDayMs * kDayMs;
    ApiResponse data = api_.Call("DescribeLiveDomainSnapshotData",
                                 {{"DomainName", domain_},
                                  {"StartTime", ApiClient::Iso8601(day)},
                                  {"EndTime", ApiClient::Iso8601(day + kDayMs)}});
    EXPECT_EQ(data.status, 200) << data.raw;
    const auto& days = data.body["SnapshotDataInfos"]["SnapshotDataInfo"];
    if (days.size() != 1) {
      ADD_FAILURE() << data.raw;
      return -1;
    }
    return days[0]["Total"].get<int64_t>();
  }

 private:
  ApiClient api_;
  std::string domain_;
  std::string stream_;
  std::string start_;
  std::string end_;
};

// 60 s of video, keyframe every second: captures at 0, 5, ..., 55 s of it.
constexpr int kCaptures = 12;

fs::path MakeClip(const fs::path& dir) {
  testing::ClipSpec spec;
  spec.seconds = 60;
  spec.width = 320;
  spec.height = 180;
  spec.fps = 15;
  spec.gop_frames = 15;
  spec.audio = false;
  return testing::MakeFlvClip(dir, "clip", spec);
}

// Pushes `clip` at 20 times real time (a capture every 250 ms, so several
// records share each second, yet no two captures share a millisecond, which
// would make them one capture time), then waits until the stream's records
// show every capture (sequence records) and returns them.
std::vector<Record> PushAndWait(const fs::path& clip, const std::string& url, RecordsApi& api,
                                const fs::path& log) {
  Subprocess push({"ffmpeg", "-hide_banner", "-loglevel", "info", "-nostats", "-readrate", "20",
                   "-i", clip.string(), "-c", "copy", "-f", "flv", url},
                  log);
  EXPECT_EQ(push.Wait(60s), 0) << push.Log();
  std::vector<Record> all;
  testing::WaitFor(
      [&] {
        all = api.All();
        return std::count_if(all.begin(), all.end(), [](const Record& r) { return !r.overlay; }) >=
               kCaptures;
      },
      30s);
  return all;
}

// Paging at several limits, both ways, gives every record once.
void ExpectPagingIsExact(RecordsApi& api, const std::vector<Record>& all) {
  const std::set<Record> expected(all.begin(), all.end());
  for (int limit : {1, 2, 3, 5}) {
    EXPECT_EQ(api.Paged(limit, "asc"), all) << "Limit " << limit;
    const std::vector<Record> newest_first = api.Paged(limit, "desc");
    EXPECT_EQ(newest_first.size(), all.size()) << "Limit " << limit;
    EXPECT_EQ(std::set<Record>(newest_first.begin(), newest_first.end()), expected)
        << "Limit " << limit;
  }
}

TEST(SnapshotRecordsTest, OneNodePagesCountsAndDeletesRecordsAndFiles) {
  testing::TempDir dir;
  const fs::path clip = MakeClip(dir.path());
  fs::create_directories(dir / "node");
  LivesnapdProcess server(dir / "node");
  ASSERT_TRUE(server.Start()) << server.Log();
  RecordsApi api(server.api_port(), "127.0.0.1", "fast");
  const std::vector<Record> all =
      PushAndWait(clip, server.RtmpUrl("live", "fast"), api, dir / "push.log");
  ASSERT_EQ(all.size(), static_cast<size_t>(kCaptures + 1)) << server.Log();  // + overwrite
  ExpectPagingIsExact(api, all);
  EXPECT_EQ(api.TodayTotal(), kCaptures);

  // The two oldest captures with their files; the third keeps its file.
  const fs::path shots = server.data_dir() / "snapshots";
  ASSERT_TRUE(fs::exists(shots / all[0].object)) << all[0].object;
  ApiResponse removed = api.Delete({all[0].create_ms, all[1].create_ms, 42}, true);
  ASSERT_EQ(removed.status, 200) << removed.raw;
  EXPECT_EQ(removed.body["SuccessCount"], 2);
  EXPECT_EQ(removed.body["FailureCount"], 1);
  EXPECT_EQ(removed.body["SnapshotDeleteInfoList"]["SnapshotDeleteInfo"][2]["Message"],
            "FileNotFound");
  EXPECT_FALSE(fs::exists(shots / all[0].object));
  EXPECT_FALSE(fs::exists(shots / all[1].object));
  ApiResponse kept = api.Delete({all[2].create_ms}, false);
  EXPECT_EQ(kept.body["SuccessCount"], 1) << kept.raw;
  EXPECT_TRUE(fs::exists(shots / all[2].object));
  const std::vector<Record> left = api.All();
  EXPECT_EQ(left, std::vector<Record>(all.begin() + 3, all.end()));
  EXPECT_EQ(api.TodayTotal(), kCaptures - 3);
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

// Two nodes on one PostgreSQL catalog and one s3rver: the stream pushed to
// node A, every call made to node B.
TEST(SnapshotRecordsClusterTest, AnyNodePagesCountsAndDeletesS3Objects) {
  testing::TempDir dir;
  auto database = catalog::testing::TestDatabase::Create(catalog::testing::Backend::kPostgres);
  ASSERT_TRUE(database.ok()) << database.status();
  ASSERT_TRUE(testing::InstallS3rver());
  constexpr char kBucket[] = "records";
  testing::S3rverProcess s3(dir / "s3rver", {kBucket});
  ASSERT_TRUE(s3.Start());
  testing::S3cmd s3cmd(dir.path(), s3.port(), kBucket);
  const fs::path clip = MakeClip(dir.path());
  std::vector<std::unique_ptr<LivesnapdProcess>> nodes;
  for (const std::string id : {"a", "b"}) {
    const fs::path node_dir = dir / id;
    fs::create_directories(node_dir);
    WriteNodeConfig(
        node_dir / "livesnap.toml",
        {.node_id = id, .catalog_url = (*database)->url(), .s3_url = s3.Url(), .bucket = kBucket});
    nodes.push_back(std::make_unique<LivesnapdProcess>(
        node_dir, std::vector<std::string>{"-c", (node_dir / "livesnap.toml").string()}));
    ASSERT_TRUE(nodes.back()->Start()) << nodes.back()->Log();
  }
  RecordsApi on_b(nodes[1]->api_port(), "push.example.com", "fast");
  const std::vector<Record> all = PushAndWait(
      clip, nodes[0]->RtmpUrl("live", "fast", "push.example.com"), on_b, dir / "push.log");
  ASSERT_EQ(all.size(), static_cast<size_t>(kCaptures + 1)) << nodes[0]->Log();
  ExpectPagingIsExact(on_b, all);
  EXPECT_EQ(on_b.TodayTotal(), kCaptures);

  // The newest capture: its sequence object and the overwrite object.
  const std::vector<Record> newest(all.end() - 2, all.end());
  ASSERT_EQ(newest[0].create_ms, newest[1].create_ms);
  for (const Record& record : newest) ASSERT_FALSE(s3cmd.Get(record.object).empty());
  ApiResponse removed = on_b.Delete({newest[0].create_ms}, true);
  ASSERT_EQ(removed.status, 200) << removed.raw;
  EXPECT_EQ(removed.body["SuccessCount"], 1);
  for (const Record& record : newest) EXPECT_TRUE(s3cmd.Get(record.object).empty());
  const std::vector<std::string> left = s3cmd.List("live/");
  EXPECT_EQ(left.size(), static_cast<size_t>(kCaptures - 1));
  EXPECT_EQ(RecordsApi(nodes[0]->api_port(), "push.example.com", "fast").All(),
            std::vector<Record>(all.begin(), all.end() - 2));
  EXPECT_EQ(on_b.TodayTotal(), kCaptures - 1);
  for (auto& node : nodes) EXPECT_EQ(node->Stop(), 0) << node->Log();
}

}  // namespace
}  // namespace livesnap
