// ClusterMember against a real registry (a SQLite catalog file two "nodes"
// share, each with its own hub) and real publishes.
#include "server/cluster_member.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "catalog/catalog.h"
#include "catalog/registry.h"
#include "media/publication.h"
#include "tests/support/wait_for.h"

namespace livesnap::server {
namespace {

using ::testing::HasSubstr;

media::StreamInfo Info(const std::string& stream) {
  media::StreamInfo info;
  info.key = {"push.example.com", "live", stream};
  info.client_addr = "10.0.0.7:40000";
  info.protocol = "rtmp";
  return info;
}

// One node: its registry connection, hub and membership.
struct TestNode {
  TestNode(const std::string& id, const std::string& url, const Clock& clock)
      : hub(clock, metrics) {
    registry = *catalog::OpenRegistry(url);
    auto created = ClusterMember::Create({.node_id = id,
                                          .rtmp_address = id + ":1935",
                                          .api_address = id + ":8080",
                                          .version = "test",
                                          .lease_ms = 15'000,
                                          .heartbeat_ms = 50},
                                         *registry, clock, metrics);
    EXPECT_TRUE(created.ok()) << created.status();
    member = std::move(*created);
    hub.AddSubscriber(member.get());
    hub.SetAdmissionPolicy([this](const media::StreamInfo& info) { return member->Admit(info); });
  }

  prometheus::Registry metrics;
  std::unique_ptr<catalog::Registry> registry;
  std::unique_ptr<ClusterMember> member;  // subscribed to hub: declared before it
  media::MediaHub hub;
};

class ClusterMemberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cluster_member_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    url_ = "sqlite://" + (dir_ / "catalog.db").string();
    catalog_ = *catalog::OpenCatalog(url_);
    observer_ = *catalog::OpenRegistry(url_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The node holding `stream` in the registry, "" for none; waits up to 5 s
  // for it to become `want` (releases are asynchronous).
  std::string HolderBecomes(const std::string& stream, const std::string& want) {
    std::string holder;
    livesnap::testing::WaitFor(
        [&] {
          auto lease = observer_->FindStream("push.example.com", "live", stream, clock_.UnixMs());
          holder = lease.ok() && lease->has_value() ? (*lease)->node_id : "";
          return holder == want;
        },
        std::chrono::seconds(5), std::chrono::milliseconds(20));
    return holder;
  }

  std::filesystem::path dir_;
  std::string url_;
  FakeClock clock_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<catalog::Registry> observer_;
};

TEST_F(ClusterMemberTest, AStreamLiveOnOneNodeIsRefusedOnAnotherNamingTheHolder) {
  TestNode a("node-a", url_, clock_), b("node-b", url_, clock_);
  auto published = a.hub.Publish(Info("s"));
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(HolderBecomes("s", "node-a"), "node-a");

  auto refused = b.hub.Publish(Info("s"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(refused.status().message(), HasSubstr("live on node node-a"));
  // A local duplicate keeps the hub's refusal and the lease.
  auto duplicate = a.hub.Publish(Info("s"));
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(HolderBecomes("s", "node-a"), "node-a");

  // Unpublished on a: the lease goes, and b may publish it.
  (*published)->Stop(media::StopReason::kUnpublished);
  EXPECT_EQ(HolderBecomes("s", ""), "");
  auto moved = b.hub.Publish(Info("s"));
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(HolderBecomes("s", "node-b"), "node-b");
}

TEST_F(ClusterMemberTest, ALeaseOfADeadNodeIsFreeOnceExpired) {
  // A node that died holding the stream: its lease is never renewed.
  ASSERT_TRUE(observer_
                  ->AcquireStream({.domain = "push.example.com",
                                   .app = "live",
                                   .stream = "s",
                                   .node_id = "dead",
                                   .token = 1,
                                   .started_ms = clock_.UnixMs(),
                                   .lease_until_ms = clock_.UnixMs() + 15'000},
                                  clock_.UnixMs())
                  .ok());
  TestNode b("node-b", url_, clock_);
  auto refused = b.hub.Publish(Info("s"));
  EXPECT_THAT(refused.status().message(), HasSubstr("live on node dead"));
  clock_.AdvanceMs(15'001);
  auto taken = b.hub.Publish(Info("s"));
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(HolderBecomes("s", "node-b"), "node-b");
}

TEST_F(ClusterMemberTest, HeartbeatsKeepLeasesAliveAndRecordTheNode) {
  TestNode a("node-a", url_, clock_);
  std::vector<std::unique_ptr<media::Publication>> live;
  for (int i = 0; i < 3; ++i) {
    auto published = a.hub.Publish(Info("s" + std::to_string(i)));
    ASSERT_TRUE(published.ok()) << published.status();
    live.push_back(*std::move(published));
  }
  // Well past the first leases: renewed by the 50 ms heartbeats, each
  // advance waiting for the beat that follows it.
  for (int step = 0; step < 4; ++step) {
    clock_.AdvanceMs(10'000);
    const int64_t advanced_ms = clock_.UnixMs();
    EXPECT_TRUE(livesnap::testing::WaitFor(
        [&] {
          auto nodes = observer_->ListNodes(advanced_ms);
          return nodes.ok() && nodes->size() == 1 && nodes->at(0).heartbeat_ms >= advanced_ms;
        },
        std::chrono::seconds(5)))
        << "no heartbeat after step " << step;
  }
  auto streams = observer_->ListStreams(clock_.UnixMs());
  ASSERT_TRUE(streams.ok());
  EXPECT_EQ(streams->size(), 3u);
  auto nodes = observer_->ListNodes(clock_.UnixMs());
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ(nodes->at(0).node_id, "node-a");
  EXPECT_EQ(nodes->at(0).live_streams, 3);
  EXPECT_GE(nodes->at(0).heartbeat_ms, clock_.UnixMs() - 10'000);
}

TEST_F(ClusterMemberTest, HeartbeatsWriteWhatTheHubKnowsOfEachStream) {
  prometheus::Registry metrics;
  auto registry = *catalog::OpenRegistry(url_);
  std::unique_ptr<ClusterMember> member;  // subscribed to the hub: outlives it
  media::MediaHub hub(clock_, metrics);
  // Stopped before the hub it reads goes, also when an assertion returns early.
  absl::Cleanup stop = [&] {
    if (member != nullptr) member->Stop();
  };
  auto created = ClusterMember::Create({.node_id = "node-a",
                                        .rtmp_address = "node-a:1935",
                                        .api_address = "node-a:8080",
                                        .version = "test",
                                        .heartbeat_ms = 50,
                                        .live_streams = [&hub] { return hub.ListLiveStreams(); }},
                                       *registry, clock_, metrics);
  ASSERT_TRUE(created.ok()) << created.status();
  member = *std::move(created);
  hub.AddSubscriber(member.get());
  hub.SetAdmissionPolicy([&](const media::StreamInfo& info) { return member->Admit(info); });
  media::StreamInfo info = Info("s");
  info.video_codec = media::VideoCodec::kHevc;
  info.audio_codec = media::AudioCodec::kAac;
  info.width = 1920;
  info.height = 1080;
  info.frame_rate = 29.97;
  auto published = hub.Publish(info);
  ASSERT_TRUE(published.ok()) << published.status();
  catalog::StreamMedia media;
  EXPECT_TRUE(livesnap::testing::WaitFor(
      [&] {
        auto lease = observer_->FindStream("push.example.com", "live", "s", clock_.UnixMs());
        if (!lease.ok() || !lease->has_value()) return false;
        media = (*lease)->media;
        return media.reported_ms > 0;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(media.video_codec, "HEVC");
  EXPECT_EQ(media.audio_codec, "AAC");
  EXPECT_EQ(media.width, 1920);
  EXPECT_EQ(media.height, 1080);
  EXPECT_EQ(media.frame_rate_milli, 29'970);
  (*published)->Stop(media::StopReason::kShutdown);
}

TEST_F(ClusterMemberTest, DrainRefusesPublishesAndStopRemovesTheNodesRows) {
  TestNode a("node-a", url_, clock_);
  auto published = a.hub.Publish(Info("s"));
  ASSERT_TRUE(published.ok());
  a.member->BeginDrain();
  auto refused = a.hub.Publish(Info("t"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("shutting down"));
  (*published)->Stop(media::StopReason::kShutdown);
  a.member->Stop();
  EXPECT_TRUE(observer_->ListNodes(clock_.UnixMs())->empty());
  EXPECT_TRUE(observer_->ListStreams(clock_.UnixMs())->empty());
}

TEST_F(ClusterMemberTest, ARestartedNodeDropsTheLeasesItsCrashLeft) {
  ASSERT_TRUE(observer_
                  ->AcquireStream({.domain = "push.example.com",
                                   .app = "live",
                                   .stream = "old",
                                   .node_id = "node-a",
                                   .token = 1,
                                   .started_ms = clock_.UnixMs(),
                                   .lease_until_ms = clock_.UnixMs() + 15'000},
                                  clock_.UnixMs())
                  .ok());
  TestNode a("node-a", url_, clock_);
  EXPECT_TRUE(observer_->ListStreams(clock_.UnixMs())->empty());
}

TEST_F(ClusterMemberTest, AnIdInUseByAnotherLiveNodeIsRefused) {
  TestNode a("node-a", url_, clock_);
  prometheus::Registry metrics;
  auto registry = *catalog::OpenRegistry(url_);
  auto twin = ClusterMember::Create({.node_id = "node-a",
                                     .rtmp_address = "elsewhere:1935",
                                     .api_address = "elsewhere:8080",
                                     .version = "test"},
                                    *registry, clock_, metrics);
  EXPECT_EQ(twin.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(twin.status().message(), HasSubstr("in use by the node at node-a:1935"));
  // The same node restarting (same address) takes its id back.
  prometheus::Registry restart_metrics;
  auto again = ClusterMember::Create({.node_id = "node-a",
                                      .rtmp_address = "node-a:1935",
                                      .api_address = "node-a:8080",
                                      .version = "test"},
                                     *registry, clock_, restart_metrics);
  EXPECT_TRUE(again.ok()) << again.status();
}

}  // namespace
}  // namespace livesnap::server
