// Three livesnapd nodes as one service, as users deploy them: one real
// PostgreSQL catalog (the `postgres` fixture's server), one s3rver, and
// nginx's stream module as the TCP load balancer in front of the RTMP
// ports. Pushes go through the balancer (livesnap-loadgen for most streams,
// real ffmpeg for some); s3cmd reads what was stored. What must hold: the
// streams spread over the nodes, every node lists the whole cluster, a
// stream live on one node is refused on another, a SIGKILLed node's streams
// come back on the survivors within the lease, their sequence numbers run on
// without a gap or a repeat, and no stream is ever live on two nodes at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "catalog/testing/test_database.h"
#include "tests/integration/cluster_support.h"
#include "tests/s3/s3cmd.h"
#include "tests/s3/s3rver.h"
#include "tests/support/api_client.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ApiClient;
using testing::LivesnapdProcess;
using testing::NowUnixMs;
using testing::Subprocess;

constexpr int kNodes = 3;
constexpr int kStreams = 30;
constexpr int kFfmpegStreams = 3;  // the rest from livesnap-loadgen
constexpr int kLeaseMs = 15'000;

std::string StreamName(int i) { return "c" + std::to_string(i); }

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = catalog::testing::TestDatabase::Create(catalog::testing::Backend::kPostgres);
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    ASSERT_TRUE(testing::InstallS3rver());
    s3_ = std::make_unique<testing::S3rverProcess>(dir_ / "s3rver",
                                                   std::vector<std::string>{kBucket});
    ASSERT_TRUE(s3_->Start());
    s3cmd_ = std::make_unique<testing::S3cmd>(dir_.path(), s3_->port(), kBucket);
    testing::ClipSpec spec;
    spec.seconds = 10;
    spec.width = 320;
    spec.height = 180;
    spec.fps = 15;
    spec.gop_frames = 15;
    spec.audio = false;
    clip_ = testing::MakeFlvClip(dir_.path(), "clip", spec);
    for (int n = 0; n < kNodes; ++n) StartNode(n);
    std::vector<uint16_t> ports;
    for (const auto& node : nodes_) ports.push_back(node->rtmp_port());
    lb_ = std::make_unique<NginxStreamLb>(dir_ / "nginx", ports);
    ASSERT_TRUE(lb_->Start()) << lb_->Log();
  }

  void StartNode(int n) {
    const fs::path dir = dir_ / ("node" + std::to_string(n));
    fs::create_directories(dir);
    const fs::path config = dir / "livesnap.toml";
    WriteNodeConfig(config, {.node_id = "n" + std::to_string(n),
                             .catalog_url = database_->url(),
                             .s3_url = s3_->Url(),
                             .bucket = kBucket,
                             .lease_ms = kLeaseMs});
    if (nodes_.size() <= static_cast<size_t>(n)) nodes_.resize(n + 1);
    nodes_[n] =
        std::make_unique<LivesnapdProcess>(dir, std::vector<std::string>{"-c", config.string()});
    ASSERT_TRUE(nodes_[n]->Start()) << nodes_[n]->Log();
  }

  // A pusher of stream i through the balancer: ffmpeg for the first
  // kFfmpegStreams, livesnap-loadgen for the others.
  std::unique_ptr<Subprocess> Push(int i) {
    const std::string log =
        (dir_ / ("push-" + StreamName(i) + "-" + std::to_string(++pushes_) + ".log")).string();
    if (i < kFfmpegStreams) {
      return std::make_unique<Subprocess>(
          std::vector<std::string>{"ffmpeg", "-nostdin", "-loglevel", "warning", "-re",
                                   "-stream_loop", "-1", "-i", clip_.string(), "-c", "copy", "-f",
                                   "flv", lb_->RtmpUrl("live", StreamName(i), kDomain)},
          log);
    }
    return std::make_unique<Subprocess>(
        std::vector<std::string>{LOADGEN_PATH, "-f", clip_.string(), "--port",
                                 std::to_string(lb_->port()), "--domain", kDomain, "-n", "1",
                                 "--stream-pattern", "c{i}", "--first-index", std::to_string(i),
                                 "-d", "0", "-q"},
        log);
  }

  // The encoders of `streams` retry through the balancer (as encoders do)
  // until node `asked` lists each of them on a node other than `gone`;
  // returns how long that took in ms, -1 when not within 60 s.
  int64_t ReconnectElsewhere(const std::vector<int>& streams, const std::string& gone, int asked,
                             std::map<int, std::unique_ptr<Subprocess>>& pushers) {
    const auto start = std::chrono::steady_clock::now();
    const bool all_back = testing::WaitFor(
        [&] {
          const std::map<std::string, std::string> list = OnlineList(asked);
          size_t back = 0;
          for (int i : streams) {
            auto it = list.find(StreamName(i));
            if (it != list.end() && it->second != gone) {
              ++back;
            } else {
              pushers[i] = Push(i);  // an encoder's retry
            }
          }
          return back == streams.size();
        },
        60s, 1s);
    if (!all_back) return -1;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
  }

  // Stream -> NodeId as node n's DescribeLiveStreamsOnlineList says.
  std::map<std::string, std::string> OnlineList(int n) {
    ApiClient api(nodes_[n]->api_port());
    testing::ApiResponse r =
        api.Call("DescribeLiveStreamsOnlineList", {{"DomainName", kDomain}, {"PageSize", "3000"}});
    std::map<std::string, std::string> streams;
    if (r.status != 200) return streams;
    for (const auto& info : r.body["OnlineInfo"]["LiveStreamOnlineInfo"]) {
      streams[info["StreamName"].get<std::string>()] = info.value("NodeId", "");
    }
    return streams;
  }

  // Streams live on node n by its own hub (/healthz).
  int LocalCount(int n) {
    testing::ApiResponse r = ApiClient(nodes_[n]->api_port()).Get("/healthz");
    return r.status == 200 ? r.body.value("LiveStreams", -1) : -1;
  }

  // Waits until node `asked`'s list has every stream; returns it.
  std::map<std::string, std::string> WaitAllLive(int asked, std::chrono::milliseconds timeout) {
    std::map<std::string, std::string> list;
    testing::WaitFor(
        [&] {
          list = OnlineList(asked);
          return list.size() == static_cast<size_t>(kStreams);
        },
        timeout);
    return list;
  }

  static constexpr char kBucket[] = "cluster";
  static constexpr char kDomain[] = "push.example.com";
  testing::TempDir dir_;
  std::unique_ptr<catalog::testing::TestDatabase> database_;
  std::unique_ptr<testing::S3rverProcess> s3_;
  std::unique_ptr<testing::S3cmd> s3cmd_;
  fs::path clip_;
  std::vector<std::unique_ptr<LivesnapdProcess>> nodes_;
  std::unique_ptr<NginxStreamLb> lb_;
  int pushes_ = 0;
};

TEST_F(ClusterTest, ThreeNodesBehindNginxStreamAreOneService) {
  // A template added through one node applies to the next push on another
  // at once: the change feed, not the 30 s periodic reload, brought it.
  testing::ApiResponse added =
      ApiClient(nodes_[0]->api_port())
          .Call("AddLiveAppSnapshotConfig", {{"DomainName", kDomain},
                                             {"AppName", "fresh"},
                                             {"TimeInterval", "7"},
                                             {"OssEndpoint", "s3.livesnap.test"},
                                             {"OssBucket", kBucket},
                                             {"OverwriteOssObject", "{AppName}/{StreamName}.jpg"}});
  ASSERT_EQ(added.status, 200) << added.raw;
  std::this_thread::sleep_for(500ms);
  testing::RunResult fresh =
      testing::Run({"ffmpeg", "-nostdin", "-loglevel", "warning", "-re", "-i", clip_.string(), "-t",
                    "2", "-c", "copy", "-f", "flv", nodes_[1]->RtmpUrl("fresh", "probe", kDomain)},
                   30s);
  EXPECT_EQ(fresh.exit_code, 0) << fresh.output;
  EXPECT_NE(nodes_[1]->Log().find("/fresh/probe] snapshots every 7 s"), std::string::npos)
      << nodes_[1]->Log();

  std::map<int, std::unique_ptr<Subprocess>> pushers;
  for (int i = 0; i < kStreams; ++i) {
    pushers[i] = Push(i);
    std::this_thread::sleep_for(100ms);
  }

  // Spread over the nodes, and every node lists all of them with their node.
  std::map<std::string, std::string> truth = WaitAllLive(0, 60s);
  ASSERT_EQ(truth.size(), static_cast<size_t>(kStreams));
  std::map<std::string, int> per_node;
  for (const auto& [stream, node] : truth) ++per_node[node];
  for (int n = 0; n < kNodes; ++n) {
    const std::string id = "n" + std::to_string(n);
    EXPECT_GT(per_node[id], 0) << id << " got no stream";
    EXPECT_EQ(LocalCount(n), per_node[id]) << id << "'s own hub disagrees with the registry";
    EXPECT_EQ(OnlineList(n), truth) << "node " << id << " lists another cluster";
  }

  // Any node serves any stream's latest image: the holder's, fetched from
  // it. And every node's metrics carry its id.
  for (int n = 0; n < kNodes; ++n) {
    const std::string id = "n" + std::to_string(n);
    std::string remote;
    for (const auto& [stream, node] : truth) {
      if (node != id) remote = stream;
    }
    ApiClient api(nodes_[n]->api_port());
    testing::ApiResponse image;
    EXPECT_TRUE(testing::WaitFor(
        [&] {
          image = api.Get("/snapshots/latest/" + std::string(kDomain) + "/live/" + remote + ".jpg");
          return image.status == 200;
        },
        20s))
        << id << " for " << remote << " on " << truth[remote] << ": " << image.raw;
    EXPECT_EQ(image.Header("content-type"), "image/jpeg");
    EXPECT_EQ(image.Header("x-snapshot-width"), "320");
    EXPECT_EQ(image.raw.substr(0, 2), "\xff\xd8") << "not a JPEG";
    const std::string metrics = api.Get("/metrics").raw;
    EXPECT_NE(metrics.find("livesnap_publishes_total{result=\"accepted\",node_id=\"" + id + "\"}"),
              std::string::npos)
        << metrics.substr(0, 2000);
  }

  // A second publish of a live stream through another node is refused,
  // naming the node that holds it.
  const std::string taken = StreamName(kFfmpegStreams);  // a loadgen stream
  const std::string holder = truth[taken];
  const int other = holder == "n0" ? 1 : 0;
  testing::RunResult second =
      testing::Run({"ffmpeg", "-nostdin", "-loglevel", "warning", "-re", "-i", clip_.string(), "-t",
                    "3", "-c", "copy", "-f", "flv", nodes_[other]->RtmpUrl("live", taken, kDomain)},
                   30s);
  EXPECT_NE(second.exit_code, 0) << second.output;
  EXPECT_TRUE(nodes_[other]->WaitForLog(
      "[" + std::string(kDomain) + "/live/" + taken + "] publish refused", 5s))
      << nodes_[other]->Log();
  EXPECT_NE(nodes_[other]->Log().find("is live on node " + holder), std::string::npos);
  EXPECT_EQ(OnlineList(0)[taken], holder);

  // Let every stream take a few snapshots, then kill the busiest node.
  std::this_thread::sleep_for(8s);
  int victim = 0;
  for (int n = 1; n < kNodes; ++n) {
    if (per_node["n" + std::to_string(n)] > per_node["n" + std::to_string(victim)]) victim = n;
  }
  const std::string victim_id = "n" + std::to_string(victim);
  const int survivor = (victim + 1) % kNodes;
  std::vector<int> moved;
  for (int i = 0; i < kStreams; ++i) {
    if (truth[StreamName(i)] == victim_id) moved.push_back(i);
  }
  nodes_[victim]->Kill();
  const int64_t killed_unix_ms = NowUnixMs();

  // Its encoders reconnect through the balancer, again and again until a
  // survivor takes them: within the lease, plus the reconnect cadence.
  const int64_t recovered_ms = ReconnectElsewhere(moved, victim_id, survivor, pushers);
  ASSERT_GE(recovered_ms, 0) << "not all streams came back";
  std::map<std::string, std::string> after = OnlineList(survivor);
  ASSERT_EQ(after.size(), static_cast<size_t>(kStreams));
  for (const auto& [stream, node] : after) EXPECT_NE(node, victim_id) << stream;
  EXPECT_LE(recovered_ms, kLeaseMs + 15'000);
  std::cout << "[ cluster ] " << moved.size() << " streams moved off " << victim_id
            << " (SIGKILL) in " << recovered_ms << " ms\n";

  // More snapshots on the new nodes; then a graceful stop (SIGTERM) of a
  // second node: it closes its streams and releases their leases at once,
  // so its encoders land on the last node without waiting for a lease.
  std::this_thread::sleep_for(10s);
  const int drained = (victim + 2) % kNodes;
  const std::string drained_id = "n" + std::to_string(drained);
  std::vector<int> drained_streams;
  for (const auto& [stream, node] : after) {
    if (node == drained_id) drained_streams.push_back(std::stoi(stream.substr(1)));
  }
  EXPECT_EQ(nodes_[drained]->Stop(), 0) << nodes_[drained]->Log();
  const int64_t drained_ms = ReconnectElsewhere(drained_streams, drained_id, survivor, pushers);
  ASSERT_GE(drained_ms, 0) << "the drained node's streams did not come back";
  EXPECT_LT(drained_ms, kLeaseMs) << "the drain left its leases to expire";
  std::cout << "[ cluster ] " << drained_streams.size() << " streams moved off " << drained_id
            << " (SIGTERM) in " << drained_ms << " ms\n";
  EXPECT_EQ(LocalCount(survivor), kStreams);

  // Then the encoders stop and the last node shuts down (delivering what
  // it queued).
  std::this_thread::sleep_for(8s);
  pushers.clear();
  EXPECT_EQ(nodes_[survivor]->Stop(), 0) << nodes_[survivor]->Log();

  // No stream was live on two nodes at once: the publish intervals each
  // node logged (the victim's open ones end at the kill) never overlap.
  std::map<std::string, std::vector<PublishInterval>> intervals;
  for (int n = 0; n < kNodes; ++n) {
    for (PublishInterval& interval : ParsePublishIntervals(
             nodes_[n]->Log(), "n" + std::to_string(n), n == victim ? killed_unix_ms : 0)) {
      intervals[interval.stream].push_back(interval);
    }
  }
  EXPECT_EQ(intervals.size(), static_cast<size_t>(kStreams) + 1);  // and fresh/probe
  for (auto& [stream, list] : intervals) {
    std::string overlap = FindOverlap(list);
    EXPECT_EQ(overlap, "") << stream;
  }

  // Every stream's sequence objects, as s3cmd lists them, run 0..N-1, and
  // the catalog recorded each number once.
  for (int i = 0; i < kStreams; ++i) {
    const std::string prefix = "live/" + StreamName(i) + "/";
    std::vector<int> numbers;
    for (const std::string& key : s3cmd_->List(prefix)) {
      int number = -1;
      ASSERT_TRUE(absl::SimpleAtoi(absl::StripSuffix(key.substr(prefix.size()), ".jpg"), &number))
          << key;
      numbers.push_back(number);
    }
    std::sort(numbers.begin(), numbers.end());
    ASSERT_FALSE(numbers.empty()) << StreamName(i);
    EXPECT_EQ(numbers.front(), 0) << StreamName(i);
    EXPECT_EQ(numbers.back(), static_cast<int>(numbers.size()) - 1)
        << StreamName(i) << " has a gap in its sequence numbers";
  }
  auto repeated = database_->QueryColumn(
      "SELECT stream || '/' || sequence FROM snapshot_records WHERE NOT overlay"
      " GROUP BY stream, sequence HAVING COUNT(*) > 1");
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_TRUE(repeated->empty()) << "numbers written twice, e.g. " << repeated->front();
  // The survivors left the registry as they stopped; the victim's lease ran out.
  auto nodes_left = database_->QueryColumn("SELECT node_id FROM cluster_nodes");
  ASSERT_TRUE(nodes_left.ok());
  EXPECT_EQ(*nodes_left, std::vector<std::string>{victim_id});
}

// PostgreSQL stopped for 20 s (its own server, from pg_fixture.sh, so that
// no other test's catalog goes down) under a node with a live ffmpeg push:
// ingest and the overwrite image go on, new publishes wait for the
// registry, sequence captures and records wait in memory, and once the
// server is back every capture of the outage is numbered, stored and
// recorded: no number missing, none written twice, and the node list
// recovers (docs/CLUSTER.md, "Failures").
class PostgresOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::RunResult pg = testing::Run({PG_FIXTURE_PATH, "start", (dir_ / "pg").string()}, 120s);
    ASSERT_EQ(pg.exit_code, 0) << pg.output;
    catalog_url_ =
        std::string(absl::StripTrailingAsciiWhitespace(testing::ReadFile(dir_ / "pg" / "url")));
    ASSERT_TRUE(testing::InstallS3rver());
    s3_ = std::make_unique<testing::S3rverProcess>(dir_ / "s3rver",
                                                   std::vector<std::string>{kBucket});
    ASSERT_TRUE(s3_->Start());
    s3cmd_ = std::make_unique<testing::S3cmd>(dir_.path(), s3_->port(), kBucket);
    testing::ClipSpec spec;
    spec.seconds = 10;
    spec.width = 320;
    spec.height = 180;
    spec.fps = 15;
    spec.gop_frames = 15;
    spec.audio = false;
    clip_ = testing::MakeFlvClip(dir_.path(), "clip", spec);
    const fs::path config = dir_ / "livesnap.toml";
    WriteNodeConfig(config, {.node_id = "solo",
                             .catalog_url = catalog_url_,
                             .s3_url = s3_->Url(),
                             .bucket = kBucket,
                             .lease_ms = 6000});
    node_ = std::make_unique<LivesnapdProcess>(dir_.path(),
                                               std::vector<std::string>{"-c", config.string()});
    ASSERT_TRUE(node_->Start()) << node_->Log();
  }

  void TearDown() override {
    if (node_ != nullptr) node_->Stop();
    testing::Run({PG_FIXTURE_PATH, "stop", (dir_ / "pg").string()}, 120s);
  }

  // A live encoder: real ffmpeg, looping the clip in real time.
  std::unique_ptr<Subprocess> Ffmpeg(const std::string& stream) {
    return std::make_unique<Subprocess>(
        std::vector<std::string>{"ffmpeg", "-nostdin", "-loglevel", "warning", "-re",
                                 "-stream_loop", "-1", "-i", clip_.string(), "-c", "copy", "-f",
                                 "flv", node_->RtmpUrl("live", stream, kDomain)},
        dir_ / ("push-" + stream + "-" + std::to_string(++pushes_) + ".log"));
  }

  testing::ApiResponse Nodes() {
    return ApiClient(node_->api_port()).Call("DescribeLivesnapNodes", {});
  }

  double Metric(const std::string& sample) {
    return testing::MetricValue(ApiClient(node_->api_port()).Get("/metrics").raw, sample);
  }

  std::vector<std::string> Objects(const std::string& prefix) { return s3cmd_->List(prefix); }

  // The stream's sequence object keys as DescribeLiveStreamSnapshotInfo lists them.
  std::vector<std::string> SequenceRecords(const std::string& stream) {
    testing::ApiResponse info =
        ApiClient(node_->api_port()).StreamSnapshotInfo(kDomain, "live", stream);
    EXPECT_EQ(info.status, 200) << info.raw;
    EXPECT_FALSE(info.body.contains("NextStartTime")) << "more than one page";
    std::vector<std::string> keys;
    for (const auto& item : info.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"]) {
      if (!item["IsOverlay"].get<bool>()) keys.push_back(item["OssObject"].get<std::string>());
    }
    return keys;
  }

  static constexpr char kSteadyPrefix[] = "live/steady/";
  static constexpr char kBucket[] = "outage";
  static constexpr char kDomain[] = "push.example.com";
  testing::TempDir dir_;
  std::string catalog_url_;
  std::unique_ptr<testing::S3rverProcess> s3_;
  std::unique_ptr<testing::S3cmd> s3cmd_;
  fs::path clip_;
  std::unique_ptr<LivesnapdProcess> node_;
  int pushes_ = 0;
};

TEST_F(PostgresOutageTest, NothingIsLostAndTheRegistryRecovers) {
  std::unique_ptr<Subprocess> live = Ffmpeg("steady");
  ASSERT_TRUE(node_->WaitForLog("/live/steady] publish started", 20s)) << node_->Log();
  ASSERT_TRUE(testing::WaitFor([&] { return Objects(kSteadyPrefix).size() >= 2; }, 30s));
  ASSERT_EQ(Nodes().status, 200);

  // PostgreSQL stops (fast: its sessions end) and stays down for 20 s.
  Subprocess restart({PG_FIXTURE_PATH, "restart", (dir_ / "pg").string(), "20"},
                     dir_ / "pg-restart.log");
  const std::string overwrite_before = s3cmd_->Info("live/steady.jpg", "Last mod");
  ASSERT_TRUE(node_->WaitForLog("registry unreachable", 20s)) << node_->Log();
  // A new publish cannot be checked against the cluster: refused.
  std::unique_ptr<Subprocess> refused = Ffmpeg("newcomer");
  EXPECT_TRUE(node_->WaitForLog("/live/newcomer] publish refused", 15s)) << node_->Log();
  EXPECT_EQ(Nodes().status, 503);
  // Sequence captures wait for their numbers, and /healthz says so.
  EXPECT_TRUE(testing::WaitFor(
      [&] { return Metric("livesnap_catalog_backlog_tasks{kind=\"sequence\"}") >= 2; }, 20s))
      << node_->Log();
  testing::ApiResponse health = ApiClient(node_->api_port()).Get("/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(health.raw.find("snapshot catalog backlog"), std::string::npos) << health.raw;
  EXPECT_EQ(Metric("livesnap_catalog_reachable"), 0);

  const std::optional<int> restarted = restart.Wait(120s);
  ASSERT_EQ(restarted, 0) << restart.Log();
  // The live stream went on: still publishing, its overwrite image renewed.
  EXPECT_EQ(node_->Log().find("/live/steady] publish stopped"), std::string::npos);
  EXPECT_TRUE(live->running());
  EXPECT_NE(s3cmd_->Info("live/steady.jpg", "Last mod"), overwrite_before)
      << "the overwrite object did not change during the outage";

  // Back: the backlog catches up, the node list recovers with the node's
  // lease, and new publishes are taken again.
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        testing::ApiResponse nodes = Nodes();
        return nodes.status == 200 && nodes.body["TotalNum"] == 1 &&
               nodes.body["Nodes"][0]["Online"] == true &&
               nodes.body["Nodes"][0]["LiveStreams"] == 1;
      },
      30s))
      << Nodes().raw;
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        return Metric("livesnap_catalog_backlog_tasks{kind=\"sequence\"}") == 0 &&
               Metric("livesnap_catalog_backlog_tasks{kind=\"record\"}") == 0;
      },
      30s));
  EXPECT_GE(Metric("livesnap_catalog_deferred_total{kind=\"sequence\"}"), 3)
      << "20 s at one capture every 5 s";
  std::unique_ptr<Subprocess> later = Ffmpeg("latecomer");
  EXPECT_TRUE(node_->WaitForLog("/live/latecomer] publish started", 20s)) << node_->Log();
  const size_t before_more = Objects(kSteadyPrefix).size();
  ASSERT_TRUE(
      testing::WaitFor([&] { return Objects(kSteadyPrefix).size() >= before_more + 2; }, 30s));
  live.reset();
  later.reset();
  refused.reset();

  // Everything captured is stored and recorded, none twice.
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return Metric("livesnap_uploads_queued{store=\"outage\"}") == 0 &&
               Metric("livesnap_catalog_backlog_tasks{kind=\"record\"}") == 0;
      },
      30s));
  EXPECT_EQ(Metric("livesnap_snapshots_total{result=\"store_failed\"}"), 0);
  EXPECT_EQ(Metric("livesnap_snapshots_total{result=\"record_failed\"}"), 0);
  std::vector<std::string> stored = Objects(kSteadyPrefix);
  std::vector<std::string> recorded = SequenceRecords("steady");
  std::sort(stored.begin(), stored.end());
  std::sort(recorded.begin(), recorded.end());
  EXPECT_EQ(recorded, stored) << "objects and records differ";
  std::vector<int> numbers;
  for (const std::string& key : stored) {
    int number = -1;
    ASSERT_TRUE(absl::SimpleAtoi(
        absl::StripSuffix(key.substr(std::string(kSteadyPrefix).size()), ".jpg"), &number))
        << key;
    numbers.push_back(number);
  }
  std::sort(numbers.begin(), numbers.end());
  ASSERT_FALSE(numbers.empty());
  EXPECT_EQ(numbers.front(), 0);
  EXPECT_EQ(numbers.back(), static_cast<int>(numbers.size()) - 1) << "a gap in the numbering";
  EXPECT_EQ(std::adjacent_find(numbers.begin(), numbers.end()), numbers.end());
  std::cout << "[ outage ] " << numbers.size() << " sequence objects, "
            << Metric("livesnap_catalog_deferred_total{kind=\"sequence\"}")
            << " numbered after the outage, "
            << Metric("livesnap_catalog_deferred_total{kind=\"record\"}")
            << " records written after it\n";
  EXPECT_EQ(node_->Stop(), 0) << node_->Log();
  node_.reset();
  const std::string log = testing::ReadFile(dir_ / "livesnapd.log");
  EXPECT_EQ(log.find("not stored"), std::string::npos);
  EXPECT_EQ(log.find("not recorded"), std::string::npos);
}

// Two nodes on one PostgreSQL catalog: node B's online list shows a stream
// real ffmpeg pushes to node A with what A's heartbeats report of it (its
// picture, frame rate, codecs, rates and counters), as A's own list does.
TEST(ClusterMediaTest, AnotherNodeListsAStreamWithItsCodecsPictureAndRates) {
  testing::TempDir dir;
  auto database = catalog::testing::TestDatabase::Create(catalog::testing::Backend::kPostgres);
  ASSERT_TRUE(database.ok()) << database.status();
  ASSERT_TRUE(testing::InstallS3rver());
  constexpr char kBucket[] = "media";
  constexpr char kDomain[] = "push.example.com";
  testing::S3rverProcess s3(dir / "s3rver", {kBucket});
  ASSERT_TRUE(s3.Start());
  testing::ClipSpec spec;  // 640x360, 25 fps, H.264 + AAC
  const fs::path clip = testing::MakeFlvClip(dir.path(), "clip", spec);
  std::vector<std::unique_ptr<LivesnapdProcess>> nodes;
  for (const std::string id : {"a", "b"}) {
    const fs::path node_dir = dir / id;
    fs::create_directories(node_dir);
    WriteNodeConfig(node_dir / "livesnap.toml", {.node_id = id,
                                                 .catalog_url = (*database)->url(),
                                                 .s3_url = s3.Url(),
                                                 .bucket = kBucket,
                                                 .heartbeat_ms = 1'000});
    nodes.push_back(std::make_unique<LivesnapdProcess>(
        node_dir, std::vector<std::string>{"-c", (node_dir / "livesnap.toml").string()}));
    ASSERT_TRUE(nodes.back()->Start()) << nodes.back()->Log();
  }
  Subprocess push(
      {"ffmpeg", "-nostdin", "-loglevel", "warning", "-re", "-stream_loop", "-1", "-i",
       clip.string(), "-c", "copy", "-f", "flv", nodes[0]->RtmpUrl("live", "remote", kDomain)},
      (dir / "push.log").string());
  // The stream's item in node n's list (null until it is there).
  auto item_on = [&](int n) {
    testing::ApiResponse r = ApiClient(nodes[n]->api_port())
                                 .Call("DescribeLiveStreamsOnlineList",
                                       {{"DomainName", kDomain}, {"StreamName", "remote"}});
    const auto& list = r.body["OnlineInfo"]["LiveStreamOnlineInfo"];
    return r.status == 200 && list.size() == 1 ? list[0] : nlohmann::json();
  };
  // Rates are over the last 5 s, so wait for a heartbeat that has both.
  nlohmann::json on_b;
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        on_b = item_on(1);
        return !on_b.is_null() && on_b.value("VideoDataRate", 0) > 0 &&
               on_b.value("AudioDataRate", 0) > 0;
      },
      30s))
      << on_b.dump() << push.Log() << nodes[0]->Log();
  EXPECT_EQ(on_b["NodeId"], "a");
  EXPECT_EQ(on_b["Width"], 640);
  EXPECT_EQ(on_b["Height"], 360);
  EXPECT_EQ(on_b["FrameRate"], 25);
  EXPECT_EQ(on_b["VideoCodecId"], 7);   // H.264
  EXPECT_EQ(on_b["AudioCodecId"], 10);  // AAC
  EXPECT_EQ(on_b["VideoCodec"], "H.264");
  EXPECT_EQ(on_b["AudioCodec"], "AAC");
  EXPECT_GT(on_b["BitrateKbps"].get<int64_t>(), 0);
  EXPECT_GT(on_b["VideoFrames"].get<int64_t>(), 0);
  EXPECT_GT(on_b["Keyframes"].get<int64_t>(), 0);
  EXPECT_GT(on_b["AudioFrames"].get<int64_t>(), 0);
  EXPECT_GT(on_b["Bytes"].get<int64_t>(), 0);
  // What A says of its own stream, now: the same picture and codecs, and
  // counters at least those B read (one heartbeat older).
  const nlohmann::json on_a = item_on(0);
  ASSERT_FALSE(on_a.is_null());
  for (const char* field : {"Width", "Height", "FrameRate", "VideoCodecId", "AudioCodecId",
                            "PublishTime", "ClientIp", "ServerIp", "PublishUrl"}) {
    EXPECT_EQ(on_b[field], on_a[field]) << field;
  }
  EXPECT_GE(on_a["VideoFrames"].get<int64_t>(), on_b["VideoFrames"].get<int64_t>());
  EXPECT_GE(on_a["Bytes"].get<int64_t>(), on_b["Bytes"].get<int64_t>());
  push.Signal(SIGTERM);
  push.Wait(10s);
  for (auto& node : nodes) EXPECT_EQ(node->Stop(), 0) << node->Log();
}

}  // namespace
}  // namespace livesnap
