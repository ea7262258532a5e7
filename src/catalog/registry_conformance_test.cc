// The contract of registry.h, held against every backend: each test runs on
// a fresh SQLite file and on a fresh database of a real PostgreSQL server,
// with registries opened the way separate nodes open them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/change_feed.h"
#include "catalog/registry.h"
#include "catalog/testing/status_matchers.h"
#include "catalog/testing/test_database.h"
#include "tests/support/wait_for.h"

namespace livesnap::catalog {
namespace {

using testing::Backend;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using testing::IsOk;
using testing::IsOkAndHolds;
using testing::StatusIs;
using testing::TestDatabase;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kLeaseMs = 15'000;

Node MakeNode(std::string id) {
  return Node{.node_id = id,
              .rtmp_address = id + ".internal:1935",
              .api_address = id + ".internal:8080",
              .version = "0.1.0",
              .started_ms = kNow,
              .heartbeat_ms = kNow};
}

StreamLease MakeLease(std::string node, std::string stream, int64_t token, int64_t now = kNow) {
  return StreamLease{.domain = "push.example.com",
                     .app = "live",
                     .stream = std::move(stream),
                     .node_id = std::move(node),
                     .token = token,
                     .started_ms = now,
                     .lease_until_ms = now + kLeaseMs,
                     .client_addr = "10.0.0.9:50000",
                     .protocol = "rtmp"};
}

std::vector<std::string> Streams(const std::vector<StreamLease>& leases) {
  std::vector<std::string> streams;
  for (const StreamLease& lease : leases) streams.push_back(lease.node_id + ":" + lease.stream);
  return streams;
}

class RegistryConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestDatabase>> database = TestDatabase::Create(GetParam());
    ASSERT_THAT(database, IsOk());
    database_ = std::move(*database);
    absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog(database_->url());
    ASSERT_THAT(catalog, IsOk());
    catalog_ = std::move(*catalog);
    a_ = Open();
    b_ = Open();
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    ASSERT_THAT(a_->RegisterNode(MakeNode("a")), IsOk());
    ASSERT_THAT(b_->RegisterNode(MakeNode("b")), IsOk());
  }

  // A registry of its own, as each node opens one.
  std::unique_ptr<Registry> Open() {
    absl::StatusOr<std::unique_ptr<Registry>> registry = OpenRegistry(database_->url());
    EXPECT_THAT(registry, IsOk());
    return registry.ok() ? std::move(*registry) : nullptr;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<Registry> a_;  // node "a"
  std::unique_ptr<Registry> b_;  // node "b"
};

TEST_P(RegistryConformanceTest, NodesListWithTheirLiveStreamCounts) {
  ASSERT_THAT(a_->AcquireStream(MakeLease("a", "s1", 1), kNow), IsOk());
  ASSERT_THAT(a_->AcquireStream(MakeLease("a", "s2", 2), kNow), IsOk());
  absl::StatusOr<std::vector<Node>> nodes = b_->ListNodes(kNow);
  ASSERT_THAT(nodes, IsOk());
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].node_id, "a");
  EXPECT_EQ((*nodes)[0].rtmp_address, "a.internal:1935");
  EXPECT_EQ((*nodes)[0].api_address, "a.internal:8080");
  EXPECT_EQ((*nodes)[0].version, "0.1.0");
  EXPECT_EQ((*nodes)[0].started_ms, kNow);
  EXPECT_EQ((*nodes)[0].live_streams, 2);
  EXPECT_EQ((*nodes)[1].node_id, "b");
  EXPECT_EQ((*nodes)[1].live_streams, 0);
  // Expired leases do not count.
  EXPECT_EQ(b_->ListNodes(kNow + kLeaseMs + 1)->at(0).live_streams, 0);
}

TEST_P(RegistryConformanceTest, AStreamHasOneHolderUntilItsLeaseExpires) {
  ASSERT_THAT(a_->AcquireStream(MakeLease("a", "s", 7), kNow),
              IsOkAndHolds(Field(&StreamLease::node_id, "a")));
  // Node b is refused and told who holds it, while the lease runs.
  absl::StatusOr<StreamLease> refused = b_->AcquireStream(MakeLease("b", "s", 9), kNow + 1000);
  ASSERT_THAT(refused, IsOk());
  EXPECT_EQ(refused->node_id, "a");
  EXPECT_EQ(refused->token, 7);
  EXPECT_EQ(refused->client_addr, "10.0.0.9:50000");
  EXPECT_EQ(refused->protocol, "rtmp");
  EXPECT_EQ(refused->lease_until_ms, kNow + kLeaseMs);
  // Its holder may take it again (a new publish after a reconnect).
  EXPECT_THAT(a_->AcquireStream(MakeLease("a", "s", 8, kNow + 2000), kNow + 2000),
              IsOkAndHolds(Field(&StreamLease::token, 8)));
  // Once the lease expired, b takes it over.
  const int64_t later = kNow + 2000 + kLeaseMs + 1;
  absl::StatusOr<StreamLease> taken = b_->AcquireStream(MakeLease("b", "s", 9, later), later);
  ASSERT_THAT(taken, IsOk());
  EXPECT_EQ(taken->node_id, "b");
  EXPECT_EQ(taken->token, 9);
  EXPECT_THAT(a_->FindStream("push.example.com", "live", "s", later),
              IsOkAndHolds(::testing::Optional(Field(&StreamLease::node_id, "b"))));
}

TEST_P(RegistryConformanceTest, HeartbeatRenewsEveryLeaseOfItsNodeOnly) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(a_->AcquireStream(MakeLease("a", "a" + std::to_string(i), i), kNow), IsOk());
  }
  ASSERT_THAT(b_->AcquireStream(MakeLease("b", "b0", 1), kNow), IsOk());
  const int64_t beat = kNow + 10'000;
  EXPECT_THAT(
      a_->Heartbeat("a", {.snapshots_total = 42, .upload_backlog = 3}, {}, beat, beat + kLeaseMs),
      IsOkAndHolds(5));
  // After the first leases' end, a's streams live on, b's is gone.
  const int64_t after = kNow + kLeaseMs + 1;
  absl::StatusOr<std::vector<StreamLease>> live = b_->ListStreams(after);
  ASSERT_THAT(live, IsOk());
  EXPECT_THAT(Streams(*live), ElementsAre("a:a0", "a:a1", "a:a2", "a:a3", "a:a4"));
  EXPECT_EQ(live->front().lease_until_ms, beat + kLeaseMs);
  absl::StatusOr<std::vector<Node>> nodes = b_->ListNodes(after);
  ASSERT_THAT(nodes, IsOk());
  EXPECT_EQ(nodes->at(0).heartbeat_ms, beat);
  EXPECT_EQ(nodes->at(0).stats.snapshots_total, 42);
  EXPECT_EQ(nodes->at(0).stats.upload_backlog, 3);
  EXPECT_EQ(nodes->at(1).heartbeat_ms, kNow);
}

TEST_P(RegistryConformanceTest, HeartbeatWritesTheMediaItsNodeReportsOfItsOwnStreams) {
  ASSERT_THAT(a_->AcquireStream(MakeLease("a", "s1", 1), kNow), IsOk());
  ASSERT_THAT(a_->AcquireStream(MakeLease("a", "s2", 2), kNow), IsOk());
  ASSERT_THAT(b_->AcquireStream(MakeLease("b", "b0", 1), kNow), IsOk());
  const StreamMedia media{.video_codec = "H.264",
                          .audio_codec = "AAC \"quoted\" \\ {braced}, comma",
                          .width = 1280,
                          .height = 720,
                          .frame_rate_milli = 29'970,
                          .bytes = 9'000'000'000,
                          .video_frames = 900,
                          .keyframes = 15,
                          .audio_frames = 1400,
                          .bitrate_kbps = 2100,
                          .video_bitrate_kbps = 1900,
                          .audio_bitrate_kbps = 128};
  auto report = [&](std::string stream) {
    return StreamReport{
        .domain = "push.example.com", .app = "live", .stream = std::move(stream), .media = media};
  };
  const int64_t beat = kNow + 4'000;
  // b0 is b's and "gone" has no lease: a's reports of them change nothing.
  EXPECT_THAT(
      a_->Heartbeat("a", {}, {report("s1"), report("b0"), report("gone")}, beat, beat + kLeaseMs),
      IsOkAndHolds(2));
  StreamMedia want = media;
  want.reported_ms = beat;
  EXPECT_THAT(b_->FindStream("push.example.com", "live", "s1", beat),
              IsOkAndHolds(::testing::Optional(Field(&StreamLease::media, want))));
  absl::StatusOr<std::vector<StreamLease>> live = b_->ListStreams(beat);
  ASSERT_THAT(live, IsOk());
  ASSERT_THAT(Streams(*live), ElementsAre("b:b0", "a:s1", "a:s2"));
  EXPECT_EQ(live->at(0).media, StreamMedia{});
  EXPECT_EQ(live->at(1).media, want);
  EXPECT_EQ(live->at(2).media, StreamMedia{});  // not reported yet
  // A beat without s1's report keeps what it reported last.
  ASSERT_THAT(a_->Heartbeat("a", {}, {}, beat + 4'000, beat + 4'000 + kLeaseMs), IsOkAndHolds(2));
  EXPECT_THAT(b_->FindStream("push.example.com", "live", "s1", beat + 4'000),
              IsOkAndHolds(::testing::Optional(Field(&StreamLease::media, want))));
  // A new holder's publish starts with nothing reported.
  const int64_t later = beat + 4'000 + kLeaseMs + 1;
  absl::StatusOr<StreamLease> taken = b_->AcquireStream(MakeLease("b", "s1", 7, later), later);
  ASSERT_THAT(taken, IsOk());
  EXPECT_EQ(taken->node_id, "b");
  EXPECT_EQ(taken->media, StreamMedia{});
}

// Leases of a catalog before schema version 6 read as not reported yet,
// and the first heartbeat after the migration writes their media.
TEST_P(RegistryConformanceTest, MigrationAddsTheReportedMediaToLeasesThatExist) {
  ASSERT_THAT(a_->AcquireStream(MakeLease("a", "s", 1), kNow), IsOk());
  a_.reset();
  b_.reset();
  catalog_.reset();
  for (const char* column : {"video_codec", "audio_codec", "width", "height", "frame_rate_milli",
                             "bytes", "video_frames", "keyframes", "audio_frames", "bitrate_kbps",
                             "video_bitrate_kbps", "audio_bitrate_kbps", "reported_ms"}) {
    ASSERT_THAT(database_->Exec(std::string("ALTER TABLE live_streams DROP COLUMN ") + column),
                IsOk());
  }
  ASSERT_THAT(database_->Exec("DELETE FROM schema_version WHERE version >= 6"), IsOk());
  absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog(database_->url());
  ASSERT_THAT(catalog, IsOk());
  catalog_ = std::move(*catalog);
  a_ = Open();
  ASSERT_NE(a_, nullptr);
  EXPECT_THAT(a_->FindStream("push.example.com", "live", "s", kNow),
              IsOkAndHolds(::testing::Optional(Field(&StreamLease::media, StreamMedia{}))));
  const StreamReport report{.domain = "push.example.com",
                            .app = "live",
                            .stream = "s",
                            .media = {.video_codec = "HEVC", .width = 640, .height = 360}};
  ASSERT_THAT(a_->Heartbeat("a", {}, {report}, kNow + 1, kNow + 1 + kLeaseMs), IsOkAndHolds(1));
  absl::StatusOr<std::optional<StreamLease>> found =
      a_->FindStream("push.example.com", "live", "s", kNow + 1);
  ASSERT_THAT(found, IsOkAndHolds(::testing::Optional(::testing::_)));
  EXPECT_EQ((*found)->media.video_codec, "HEVC");
  EXPECT_EQ((*found)->media.width, 640);
  EXPECT_EQ((*found)->media.reported_ms, kNow + 1);
}

TEST_P(RegistryConformanceTest, HeartbeatOfAnUnregisteredNodeIsNotFound) {
  EXPECT_THAT(a_->Heartbeat("ghost", {}, {}, kNow, kNow + kLeaseMs),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  ASSERT_THAT(a_->RemoveNode("a"), IsOk());
  EXPECT_THAT(a_->Heartbeat("a", {}, {}, kNow, kNow + kLeaseMs),
              StatusIs(absl::StatusCode::kNotFound, "not registered"));
  ASSERT_THAT(a_->RegisterNode(MakeNode("a")), IsOk());
  EXPECT_THAT(a_->Heartbeat("a", {}, {}, kNow, kNow + kLeaseMs), IsOkAndHolds(0));
}

TEST_P(RegistryConformanceTest, ReleaseNeedsTheHoldersToken) {
  ASSERT_THAT(a_->AcquireStream(MakeLease("a", "s", 1), kNow), IsOk());
  // A release of an earlier publish (token 0), or by another node, keeps it.
  ASSERT_THAT(a_->ReleaseStream("push.example.com", "live", "s", "a", 0), IsOk());
  ASSERT_THAT(b_->ReleaseStream("push.example.com", "live", "s", "b", 1), IsOk());
  EXPECT_THAT(b_->FindStream("push.example.com", "live", "s", kNow),
              IsOkAndHolds(::testing::Optional(Field(&StreamLease::token, 1))));
  ASSERT_THAT(a_->ReleaseStream("push.example.com", "live", "s", "a", 1), IsOk());
  EXPECT_THAT(b_->FindStream("push.example.com", "live", "s", kNow),
              IsOkAndHolds(::testing::Eq(std::nullopt)));
  // Released twice is no error; b may publish it at once.
  EXPECT_THAT(a_->ReleaseStream("push.example.com", "live", "s", "a", 1), IsOk());
  EXPECT_THAT(b_->AcquireStream(MakeLease("b", "s", 2), kNow),
              IsOkAndHolds(Field(&StreamLease::node_id, "b")));
}

TEST_P(RegistryConformanceTest, ReleaseStreamsExceptKeepsTheNamedOnes) {
  for (const char* stream : {"x", "y", "z"}) {
    ASSERT_THAT(a_->AcquireStream(MakeLease("a", stream, 1), kNow), IsOk());
  }
  ASSERT_THAT(b_->AcquireStream(MakeLease("b", "w", 1), kNow), IsOk());
  EXPECT_THAT(a_->ReleaseStreamsExcept("a", {StreamKeyText("push.example.com", "live", "y")}),
              IsOkAndHolds(2));
  EXPECT_THAT(Streams(*a_->ListStreams(kNow)), ElementsAre("b:w", "a:y"));
}

TEST_P(RegistryConformanceTest, RemoveNodeFreesItsStreams) {
  ASSERT_THAT(a_->AcquireStream(MakeLease("a", "s", 1), kNow), IsOk());
  ASSERT_THAT(b_->AcquireStream(MakeLease("b", "t", 1), kNow), IsOk());
  ASSERT_THAT(a_->RemoveNode("a"), IsOk());
  EXPECT_THAT(Streams(*b_->ListStreams(kNow)), ElementsAre("b:t"));
  EXPECT_THAT(b_->ListNodes(kNow), IsOkAndHolds(ElementsAre(Field(&Node::node_id, "b"))));
  EXPECT_THAT(b_->AcquireStream(MakeLease("b", "s", 2), kNow),
              IsOkAndHolds(Field(&StreamLease::node_id, "b")));
}

TEST_P(RegistryConformanceTest, RegisterAgainReplacesTheNodeRow) {
  Node restarted = MakeNode("a");
  restarted.rtmp_address = "10.1.1.1:1935";
  restarted.started_ms = kNow + 5;
  ASSERT_THAT(a_->RegisterNode(restarted), IsOk());
  absl::StatusOr<std::vector<Node>> nodes = b_->ListNodes(kNow);
  ASSERT_THAT(nodes, IsOk());
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ(nodes->at(0).rtmp_address, "10.1.1.1:1935");
  EXPECT_EQ(nodes->at(0).started_ms, kNow + 5);
}

TEST_P(RegistryConformanceTest, BadArgumentsAreRefused) {
  EXPECT_THAT(a_->RegisterNode(MakeNode("")), StatusIs(absl::StatusCode::kInvalidArgument, "node"));
  StreamLease no_stream = MakeLease("a", "", 1);
  EXPECT_THAT(a_->AcquireStream(no_stream, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "stream"));
  StreamLease backwards = MakeLease("a", "s", 1);
  backwards.lease_until_ms = backwards.started_ms;
  EXPECT_THAT(a_->AcquireStream(backwards, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, "lease"));
  EXPECT_THAT(a_->Heartbeat("", {}, {}, kNow, kNow + 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "node"));
  EXPECT_THAT(a_->ListStreams(kNow), IsOkAndHolds(IsEmpty()));
}

// Nodes racing for the same streams: each stream ends with exactly one
// holder, and every node's answer agrees with it.
TEST_P(RegistryConformanceTest, RacingNodesGetOneHolderPerStream) {
  constexpr int kNodes = 4;
  constexpr int kStreams = 20;
  std::vector<std::unique_ptr<Registry>> registries;
  for (int n = 0; n < kNodes; ++n) {
    registries.push_back(Open());
    ASSERT_NE(registries.back(), nullptr);
  }
  std::vector<std::vector<std::string>> won(kNodes);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < kNodes; ++n) {
    threads.emplace_back([&, n] {
      const std::string node = "n" + std::to_string(n);
      for (int s = 0; s < kStreams; ++s) {
        const std::string stream = "s" + std::to_string(s);
        absl::StatusOr<StreamLease> got =
            registries[n]->AcquireStream(MakeLease(node, stream, n), kNow);
        if (!got.ok()) {
          ++errors;
        } else if (got->node_id == node) {
          won[n].push_back(stream);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  absl::StatusOr<std::vector<StreamLease>> live = a_->ListStreams(kNow);
  ASSERT_THAT(live, IsOk());
  ASSERT_EQ(live->size(), static_cast<size_t>(kStreams));
  size_t total = 0;
  for (int n = 0; n < kNodes; ++n) {
    total += won[n].size();
    for (const std::string& stream : won[n]) {
      EXPECT_THAT(
          a_->FindStream("push.example.com", "live", stream, kNow),
          IsOkAndHolds(::testing::Optional(Field(&StreamLease::node_id, "n" + std::to_string(n)))));
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kStreams));
}

// The configuration channel as a change feed hears it, on a PostgreSQL
// session of its own.
class ConfigChannel {
 public:
  explicit ConfigChannel(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_.get()) != CONNECTION_OK) return;
    PGresult* result = PQexec(conn_.get(), "LISTEN livesnap_config");
    listening_ = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
  }
  bool listening() const { return listening_; }

  // The tables announced, in order, up to and including the first of
  // `table`; what came until `timeout` when it does not come.
  std::vector<std::string> AnnouncedUntil(const std::string& table,
                                          std::chrono::milliseconds timeout) {
    std::vector<std::string> tables;
    livesnap::testing::WaitFor(
        [&] {
          PQconsumeInput(conn_.get());
          while (PGnotify* notify = PQnotifies(conn_.get())) {
            tables.emplace_back(notify->extra);
            PQfreemem(notify);
          }
          return !tables.empty() && tables.back() == table;
        },
        timeout, std::chrono::milliseconds(10));
    return tables;
  }

 private:
  struct Finish {
    void operator()(PGconn* conn) const { PQfinish(conn); }
  };
  std::unique_ptr<PGconn, Finish> conn_;
  bool listening_ = false;
};

// Waits up to 10 s for `count` to reach `want`.
bool Reaches(const std::atomic<int>& count, int want) {
  return livesnap::testing::WaitFor([&] { return count.load() >= want; }, std::chrono::seconds(10));
}

TEST_P(RegistryConformanceTest, ConfigChangesReachTheChangeFeedOfEveryNode) {
  std::atomic<int> changes{0};
  absl::StatusOr<std::unique_ptr<ChangeFeed>> feed =
      OpenChangeFeed(database_->url(), [&] { ++changes; });
  ASSERT_THAT(feed, IsOk());
  if (GetParam() == Backend::kSqlite) {
    EXPECT_EQ(*feed, nullptr) << "one node: its own API reloads";
    return;
  }
  ASSERT_NE(*feed, nullptr);
  EXPECT_TRUE((*feed)->listening());
  // A change through another catalog (another node) is announced.
  ASSERT_THAT(catalog_->AddDomain({.name = "push.example.com", .region = "cn-shanghai"}), IsOk());
  EXPECT_TRUE(Reaches(changes, 1));
  ASSERT_THAT(catalog_->UpsertBucket(
                  {.name = "b", .region = "cn-shanghai", .endpoint = "e", .kind = "file"}),
              IsOk());
  const int before = changes.load();
  ASSERT_THAT(catalog_->AddTemplate({.domain = "push.example.com",
                                     .app = "live",
                                     .interval_s = 5,
                                     .endpoint = "e",
                                     .bucket = "b",
                                     .overwrite_pattern = "{StreamName}.jpg"}),
              IsOk());
  EXPECT_TRUE(Reaches(changes, before + 1));
  // Leases and records are not configuration: no announcement. The channel
  // delivers in commit order, so a configuration change made after the
  // lease is the event to wait for: nothing may come before it.
  ConfigChannel channel(database_->url());
  ASSERT_TRUE(channel.listening());
  ASSERT_THAT(a_->AcquireStream(MakeLease("a", "s", 1), kNow), IsOk());
  const int before_marker = changes.load();
  ASSERT_THAT(catalog_->AddDomain({.name = "marker.example.com", .region = "cn-shanghai"}), IsOk());
  EXPECT_THAT(channel.AnnouncedUntil("domains", std::chrono::seconds(10)), ElementsAre("domains"));
  EXPECT_TRUE(Reaches(changes, before_marker + 1));
  const int quiet = changes.load();
  // The session ends (a server restart): the feed listens again, reports
  // the changes it may have missed, and hears the next ones.
  ASSERT_THAT(database_->TerminateSessions(), IsOk());
  EXPECT_TRUE(Reaches(changes, quiet + 1));
  ASSERT_TRUE(
      livesnap::testing::WaitFor([&] { return (*feed)->listening(); }, std::chrono::seconds(10)));
  const int again = changes.load();
  ASSERT_THAT(catalog_->DeleteTemplate("push.example.com", "live"), IsOk());
  EXPECT_TRUE(Reaches(changes, again + 1));
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryConformanceTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), ParamName);

}  // namespace
}  // namespace livesnap::catalog
