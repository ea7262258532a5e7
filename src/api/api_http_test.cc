// The routes beside the RPC actions, over real HTTP: /healthz, /metrics, the
// snapshot images, the console's files, and the live-stream listing fed by
// a real MediaHub publishing an ffmpeg-made FLV clip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "api/testing/api_fixture.h"
#include "media/publication.h"
#include "rtmp/flv_demuxer.h"
#include "rtmp/flv_file.h"
#include "tests/support/media_fixtures.h"

namespace livesnap::api::testing {
namespace {

namespace fs = std::filesystem;

class HttpTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    console_dir_ = dir_ / "console";
    fs::create_directories(console_dir_ / "js");
    std::ofstream(console_dir_ / "index.html") << "<!doctype html><title>livesnap</title>";
    std::ofstream(console_dir_ / "js" / "app.js") << "console.log('wall');";
    std::ofstream(console_dir_ / "style.css") << "body{}";
    std::ofstream(dir_ / "outside.txt") << "not for the web";
    StartServer(/*auth_enabled=*/false, console_dir_.string());
  }

  void PutObject(const std::string& key, const std::string& bytes) {
    ASSERT_TRUE(store_
                    ->Put(key,
                          std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
                          "image/jpeg")
                    .ok());
  }

  fs::path console_dir_;
};

TEST_F(HttpTest, HealthzAnswersWhenTheCatalogDoes) {
  auto response = Client().Get("/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body["Status"], "ok");
  EXPECT_TRUE(response.body.contains("RequestId"));
}

TEST_F(HttpTest, HealthzIsDegradedWithEachProblemAndRecovers) {
  SetHealthProblems({{.component = "storage snapshots",
                      .reason = "no_space",
                      .message = "failing since 2024-05-01T10:00:00Z: No space left on device"},
                     {.component = "disk", .reason = "low_space", .message = "12 KiB free"}});
  auto response = Client().Get("/healthz");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.Code(), "ServiceUnavailable");
  EXPECT_FALSE(response.body["RequestId"].get<std::string>().empty());
  EXPECT_EQ(response.body["Status"], "degraded");
  ASSERT_EQ(response.body["Problems"].size(), 2u);
  EXPECT_EQ(response.body["Problems"][0]["Component"], "storage snapshots");
  EXPECT_EQ(response.body["Problems"][0]["Reason"], "no_space");
  EXPECT_EQ(response.body["Problems"][1]["Reason"], "low_space");
  EXPECT_EQ(response.body["Message"],
            "storage snapshots: failing since 2024-05-01T10:00:00Z: No space left on device; "
            "disk: 12 KiB free");

  SetHealthProblems({});
  response = Client().Get("/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body["Status"], "ok");
}

TEST_F(HttpTest, MetricsCountRequestsByActionAndCode) {
  AddDomain("push.example.com", "cn-shanghai");
  Client().Call("AddLiveDomain", {{"DomainName", "push.example.com"},
                                  {"Region", "cn-shanghai"},
                                  {"LiveDomainType", "liveVideo"}});
  Client().Call("AddLiveDomain", {{"DomainName", "push.example.com"},
                                  {"Region", "cn-shanghai"},
                                  {"LiveDomainType", "liveVideo"}});
  Client().Call("NoSuchAction", {});
  auto metrics = Client().Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("content-type").rfind("text/plain; version=0.0.4", 0), 0u);
  const std::string& text = metrics.raw;
  EXPECT_NE(text.find("livesnap_api_requests_total{action=\"AddLiveDomain\",code=\"OK\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "livesnap_api_requests_total{action=\"AddLiveDomain\",code=\"DomainAlreadyExist\"} 2"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "livesnap_api_requests_total{action=\"unknown\",code=\"InvalidAction.NotFound\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("livesnap_api_request_duration_seconds_count{action=\"AddLiveDomain\"} 3"),
            std::string::npos);
  EXPECT_NE(
      text.find(
          "livesnap_api_request_duration_seconds_bucket{action=\"AddLiveDomain\",le=\"+Inf\"} 3"),
      std::string::npos);
  // The shared registry: the hub's ingest counters are there too.
  EXPECT_NE(text.find("livesnap_publishes_total"), std::string::npos);
}

TEST_F(HttpTest, LatestSnapshotOfAStream) {
  auto none = Client().Get("/snapshots/latest/push.example.com/live/demo.jpg");
  EXPECT_TRUE(IsApiError(none, 404, "SnapshotNotFound"));
  EXPECT_EQ(none.Header("cache-control"), "no-store");

  const std::string jpeg = MakeJpeg(320, 240);
  PutObject("live/demo.v2.jpg", jpeg);
  auto latest = Client().Get("/snapshots/latest/push.example.com/live/demo.v2.jpg");
  ASSERT_EQ(latest.status, 200);
  EXPECT_EQ(latest.Header("content-type"), "image/jpeg");
  EXPECT_EQ(latest.Header("cache-control"), "no-store");
  EXPECT_EQ(latest.Header("x-snapshot-width"), "320");
  EXPECT_EQ(latest.Header("x-snapshot-height"), "240");
  EXPECT_EQ(latest.raw, jpeg);
  const auto size = ReadJpegSize(latest.raw);
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 320);
  EXPECT_EQ(size->height, 240);

  // Replaced by the next capture: never cached.
  const std::string next = MakeJpeg(160, 120);
  PutObject("live/demo.v2.jpg", next);
  EXPECT_EQ(Client().Get("/snapshots/latest/push.example.com/live/demo.v2.jpg").raw, next);

  EXPECT_TRUE(IsApiError(Client().Get("/snapshots/latest/bad_domain/live/demo.jpg"), 400,
                         "InvalidPath.Malformed"));
  EXPECT_TRUE(IsApiError(Client().Get("/snapshots/latest/push.example.com/*/demo.jpg"), 400,
                         "InvalidPath.Malformed"));
  EXPECT_TRUE(IsApiError(Client().Get("/snapshots/latest/push.example.com/live/...jpg"), 400,
                         "InvalidPath.Malformed"));
  EXPECT_TRUE(IsApiError(Client().Get("/snapshots/latest/push.example.com/live/a%2Fb.jpg"), 404,
                         "InvalidPath.NotFound"));
}

TEST_F(HttpTest, StoredObjects) {
  const std::string jpeg = MakeJpeg(64, 48);
  PutObject("live/demo/7.jpg", jpeg);
  auto object = Client().Get("/snapshots/object/snapshots/live/demo/7.jpg");
  ASSERT_EQ(object.status, 200);
  EXPECT_EQ(object.Header("content-type"), "image/jpeg");
  EXPECT_EQ(object.raw, jpeg);

  EXPECT_TRUE(IsApiError(Client().Get("/snapshots/object/snapshots/live/demo/8.jpg"), 404,
                         "SnapshotNotFound"));
  EXPECT_TRUE(IsApiError(Client().Get("/snapshots/object/nobucket/live/demo/7.jpg"), 400,
                         "InvalidOssBucket.NotFound"));
  // The other bucket's store does not see this one's objects.
  EXPECT_TRUE(IsApiError(Client().Get("/snapshots/object/beijing/live/demo/7.jpg"), 404,
                         "SnapshotNotFound"));
  for (const char* path :
       {"/snapshots/object/snapshots/live/../../outside.txt",
        "/snapshots/object/snapshots/live/%2E%2E/%2E%2E/outside.txt",
        "/snapshots/object/snapshots/live//demo/7.jpg",
        "/snapshots/object/snapshots/./live/demo/7.jpg",
        "/snapshots/object/snapshots/live\\demo\\7.jpg", "/snapshots/object/../catalog.db"}) {
    auto response = Client().Get(path);
    EXPECT_TRUE(response.status == 400 || response.status == 404) << path << " " << response.raw;
    EXPECT_NE(response.Header("content-type"), "image/jpeg") << path;
    EXPECT_EQ(response.raw.find("not for the web"), std::string::npos) << path;
  }
}

TEST_F(HttpTest, ConsoleFiles) {
  auto root = Client().Get("/");
  EXPECT_EQ(root.status, 302);
  EXPECT_EQ(root.Header("location"), "/console/");
  auto bare = Client().Get("/console");
  EXPECT_EQ(bare.status, 302);
  EXPECT_EQ(bare.Header("location"), "/console/");

  auto index = Client().Get("/console/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.raw, "<!doctype html><title>livesnap</title>");
  auto script = Client().Get("/console/js/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Client().Get("/console/style.css").Header("content-type"), "text/css; charset=utf-8");
  auto directory = Client().Get("/console/js");
  EXPECT_EQ(directory.status, 302);
  EXPECT_EQ(directory.Header("location"), "/console/js/");

  EXPECT_TRUE(IsApiError(Client().Get("/console/missing.html"), 404, "InvalidPath.NotFound"));
  for (const char* path : {"/console/../outside.txt", "/console/%2E%2E/outside.txt",
                           "/console/js/../../outside.txt", "/console//index.html"}) {
    auto response = Client().Get(path);
    EXPECT_TRUE(response.status == 400 || response.status == 404) << path << " " << response.raw;
    EXPECT_EQ(response.raw.find("not for the web"), std::string::npos) << path;
  }
  // The RPC API still answers at / when it is asked something.
  EXPECT_TRUE(IsApiSuccess(Client().Call("DescribeLiveUserDomains", {})));
}

class NoConsoleTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/false);
  }
};

TEST_F(NoConsoleTest, NoConsoleDirectoryMeansNoConsole) {
  EXPECT_TRUE(IsApiError(Client().Get("/console/"), 404, "InvalidPath.NotFound"));
  EXPECT_TRUE(IsApiError(Client().Get("/"), 400, "MissingAction"));
}

class OnlineListTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/false);
  }

  // Publishes `key` into the hub and feeds it every tag of `clip`, as an
  // RTMP session would.
  std::unique_ptr<media::Publication> Publish(const media::StreamKey& key, const fs::path& clip) {
    media::StreamInfo info;
    info.key = key;
    info.client_addr = "127.0.0.1:50412";
    info.protocol = "rtmp";
    auto publication = hub_->Publish(info);
    EXPECT_TRUE(publication.ok()) << publication.status();
    if (!publication.ok()) return nullptr;
    (*publication)->OnMetadata({0, 0, 25});
    absl::StatusOr<rtmp::FlvFile> file = rtmp::FlvFile::Read(clip);
    EXPECT_TRUE(file.ok()) << file.status();
    if (!file.ok()) return nullptr;
    rtmp::FlvDemuxer flv(publication->get());
    for (const rtmp::FlvTag& tag : file->tags()) {
      if (tag.type == rtmp::FlvTag::kVideo) {
        EXPECT_TRUE(flv.OnVideo(tag.timestamp_ms, tag.body).ok());
      } else if (tag.type == rtmp::FlvTag::kAudio) {
        EXPECT_TRUE(flv.OnAudio(tag.timestamp_ms, tag.body).ok());
      }
    }
    return *std::move(publication);
  }
};

TEST_F(OnlineListTest, ListsLiveStreamsWithTheirCodecAndCounters) {
  using Params = std::map<std::string, std::string>;
  livesnap::testing::ClipSpec spec;
  spec.seconds = 2;
  spec.width = 320;
  spec.height = 240;
  spec.gop_frames = 10;
  const fs::path clip = livesnap::testing::MakeFlvClip(dir_.path(), "clip", spec);
  const livesnap::testing::VideoCounts counts = livesnap::testing::ProbeVideo(clip);

  auto empty = Client().Call("DescribeLiveStreamsOnlineList", {{"DomainName", "push.example.com"}});
  ASSERT_TRUE(IsApiSuccess(empty));
  EXPECT_EQ(empty.body["TotalNum"], 0);

  auto demo = Publish({"push.example.com", "live", "demo"}, clip);
  clock_.AdvanceMs(1000);
  auto other = Publish({"push.example.com", "live", "other"}, clip);
  auto third = Publish({"bj.example.com", "game", "demo"}, clip);

  EXPECT_TRUE(
      IsApiError(Client().Call("DescribeLiveStreamsOnlineList", {}), 400, "MissingDomainName"));
  auto all = Client().Call("DescribeLiveStreamsOnlineList", {{"DomainName", "push.example.com"}});
  ASSERT_TRUE(IsApiSuccess(all));
  EXPECT_EQ(all.body["TotalNum"], 2);
  EXPECT_EQ(all.body["TotalPage"], 1);
  EXPECT_EQ(all.body["PageSize"], 2000);

  auto filtered = Client().Call("DescribeLiveStreamsOnlineList",
                                {{"DomainName", "push.example.com"}, {"StreamName", "demo"}});
  ASSERT_TRUE(IsApiSuccess(filtered));
  const auto& list = filtered.body["OnlineInfo"]["LiveStreamOnlineInfo"];
  ASSERT_EQ(list.size(), 1u) << filtered.raw;
  const auto& stream = list[0];
  EXPECT_EQ(stream["DomainName"], "push.example.com");
  EXPECT_EQ(stream["AppName"], "live");
  EXPECT_EQ(stream["StreamName"], "demo");
  EXPECT_EQ(stream["PublishTime"], "2024-05-01T10:00:00Z");
  EXPECT_EQ(stream["PublishUrl"], "rtmp://push.example.com/live/demo");
  EXPECT_EQ(stream["ClientIp"], "127.0.0.1");
  EXPECT_EQ(stream["Protocol"], "rtmp");
  EXPECT_EQ(stream["VideoCodec"], "H.264");
  EXPECT_EQ(stream["Width"], 320);
  EXPECT_EQ(stream["Height"], 240);
  EXPECT_EQ(stream["FrameRate"], 25);
  EXPECT_TRUE(stream["FrameRate"].is_number_integer());
  EXPECT_EQ(stream["VideoCodecId"], 7);
  EXPECT_TRUE(stream["AudioCodecId"].is_number_integer());
  EXPECT_TRUE(stream["VideoDataRate"].is_number_integer());
  EXPECT_TRUE(stream["AudioDataRate"].is_number_integer());
  EXPECT_TRUE(stream["ServerIp"].is_string());
  EXPECT_EQ(stream["Transcoded"], "no");
  EXPECT_EQ(stream["VideoFrames"], counts.frames);
  EXPECT_EQ(stream["Keyframes"], counts.keyframes);
  EXPECT_GT(stream["Bytes"].get<int64_t>(), 0);
  EXPECT_TRUE(stream.contains("BitrateKbps"));

  const Params bj = {{"DomainName", "bj.example.com"}};
  auto with = [](Params params, const Params& more) {
    params.insert(more.begin(), more.end());
    return params;
  };
  auto by_app = Client().Call("DescribeLiveStreamsOnlineList", with(bj, {{"AppName", "game"}}));
  EXPECT_EQ(by_app.body["TotalNum"], 1);
  // QueryType: fuzzy (the default) matches a part of the name, strict all of it.
  const Params push = {{"DomainName", "push.example.com"}};
  auto fuzzy = Client().Call("DescribeLiveStreamsOnlineList", with(push, {{"StreamName", "de"}}));
  EXPECT_EQ(fuzzy.body["TotalNum"], 1);
  auto strict = Client().Call("DescribeLiveStreamsOnlineList",
                              with(push, {{"StreamName", "de"}, {"QueryType", "strict"}}));
  EXPECT_EQ(strict.body["TotalNum"], 0);
  auto only = Client().Call("DescribeLiveStreamsOnlineList", with(push, {{"OnlyStream", "yes"}}));
  ASSERT_EQ(only.body["OnlineInfo"]["LiveStreamOnlineInfo"].size(), 2u);
  EXPECT_EQ(only.body["OnlineInfo"]["LiveStreamOnlineInfo"][0].size(), 3u) << only.raw;
  auto trans =
      Client().Call("DescribeLiveStreamsOnlineList", with(push, {{"StreamType", "trans"}}));
  EXPECT_EQ(trans.body["TotalNum"], 0);
  auto raw = Client().Call("DescribeLiveStreamsOnlineList", with(push, {{"StreamType", "raw"}}));
  EXPECT_EQ(raw.body["TotalNum"], 2);
  auto page2 = Client().Call("DescribeLiveStreamsOnlineList",
                             with(push, {{"PageNum", "2"}, {"PageSize", "1"}}));
  ASSERT_TRUE(IsApiSuccess(page2));
  EXPECT_EQ(page2.body["TotalPage"], 2);
  ASSERT_EQ(page2.body["OnlineInfo"]["LiveStreamOnlineInfo"].size(), 1u);
  EXPECT_EQ(page2.body["OnlineInfo"]["LiveStreamOnlineInfo"][0]["StreamName"], "other");

  EXPECT_TRUE(
      IsApiError(Client().Call("DescribeLiveStreamsOnlineList", with(push, {{"PageSize", "3001"}})),
                 400, "InvalidPageSize.Malformed"));
  EXPECT_TRUE(
      IsApiError(Client().Call("DescribeLiveStreamsOnlineList", with(push, {{"AppName", "-x"}})),
                 400, "InvalidAppName.Malformed"));
  EXPECT_TRUE(IsApiError(
      Client().Call("DescribeLiveStreamsOnlineList", with(push, {{"QueryType", "exact"}})), 400,
      "InvalidQueryType.Malformed"));
  EXPECT_TRUE(
      IsApiError(Client().Call("DescribeLiveStreamsOnlineList", with(push, {{"StreamType", "x"}})),
                 400, "InvalidStreamType.Malformed"));

  // A stream that ends leaves the list.
  demo->Stop(media::StopReason::kUnpublished);
  auto after = Client().Call("DescribeLiveStreamsOnlineList", {{"DomainName", "push.example.com"}});
  EXPECT_EQ(after.body["TotalNum"], 1);
  EXPECT_EQ(Client().Get("/healthz").body["LiveStreams"], 2);
}

// A wildcard domain's list has every stream it serves, each under the host
// it was pushed to; a subdomain's list those of that host only.
TEST_F(OnlineListTest, AWildcardListsTheStreamsOfTheSubdomainsItServes) {
  for (const char* name : {".example.com", ".c.example.com", "b.example.com"}) {
    ASSERT_TRUE(IsApiSuccess(Client().Call(
        "AddLiveDomain",
        {{"DomainName", name}, {"Region", "cn-shanghai"}, {"LiveDomainType", "liveVideo"}})));
  }
  livesnap::testing::ClipSpec spec;
  spec.seconds = 1;
  spec.width = 160;
  spec.height = 96;
  const fs::path clip = livesnap::testing::MakeFlvClip(dir_.path(), "clip", spec);
  std::vector<std::unique_ptr<media::Publication>> live;
  for (const char* host :
       {"a.example.com", "x.y.example.com", "x.c.example.com", "b.example.com", "a.example.org"}) {
    live.push_back(Publish({host, "live", "s"}, clip));
  }
  auto hosts = [&](const std::string& domain) {
    auto r = Client().Call("DescribeLiveStreamsOnlineList", {{"DomainName", domain}});
    EXPECT_TRUE(IsApiSuccess(r)) << r.raw;
    std::vector<std::string> listed;
    for (const auto& item : r.body["OnlineInfo"]["LiveStreamOnlineInfo"]) {
      listed.push_back(item["DomainName"].get<std::string>());
    }
    return listed;
  };
  using ::testing::ElementsAre;
  EXPECT_THAT(hosts(".example.com"), ElementsAre("a.example.com", "x.y.example.com"));
  EXPECT_THAT(hosts(".c.example.com"), ElementsAre("x.c.example.com"));
  EXPECT_THAT(hosts("b.example.com"), ElementsAre("b.example.com"));
  EXPECT_THAT(hosts("a.example.com"), ElementsAre("a.example.com"));
  EXPECT_THAT(hosts(".example.org"), ElementsAre());  // not registered: serves nothing
  EXPECT_THAT(hosts("example.com"), ElementsAre());
}

// Registered only with the PostgreSQL backend, whose server can be made to
// refuse connections the way an outage would.
class PostgresOutageTest : public ApiFixture {
 protected:
  void SetUp() override {
    ASSERT_EQ(TestBackend(), catalog::testing::Backend::kPostgres)
        << "needs the postgres fixture (ctest sets LIVESNAP_TEST_POSTGRES_URL_FILE)";
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/false);
  }
};

TEST_F(PostgresOutageTest, UnreachableCatalogIsServiceUnavailable) {
  EXPECT_EQ(Client().Get("/healthz").status, 200);
  ASSERT_TRUE(database_->SetConnectionsAllowed(false).ok());
  ASSERT_TRUE(database_->TerminateSessions().ok());
  const auto health = Client().Get("/healthz");
  EXPECT_EQ(health.status, 503) << health.raw;
  EXPECT_EQ(health.Code(), "ServiceUnavailable") << health.raw;
  ASSERT_EQ(health.body["Problems"].size(), 1u) << health.raw;
  EXPECT_EQ(health.body["Problems"][0]["Component"], "catalog");
  EXPECT_EQ(health.body["Problems"][0]["Reason"], "unreachable");
  EXPECT_TRUE(IsApiError(Client().Call("DescribeLiveUserDomains", {}), 503, "ServiceUnavailable"));
  EXPECT_TRUE(IsApiError(Client().Call("AddLiveDomain", {{"DomainName", "a.example.com"},
                                                         {"Region", "cn-shanghai"},
                                                         {"LiveDomainType", "liveVideo"}}),
                         503, "ServiceUnavailable"));
  ASSERT_TRUE(database_->SetConnectionsAllowed(true).ok());
  EXPECT_TRUE(livesnap::testing::WaitFor([&] { return Client().Get("/healthz").status == 200; },
                                         std::chrono::seconds(20)));
  EXPECT_TRUE(IsApiSuccess(Client().Call("DescribeLiveUserDomains", {})));
}

}  // namespace
}  // namespace livesnap::api::testing
