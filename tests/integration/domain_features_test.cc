// Streaming domains with the real livesnapd and real ffmpeg pushes: wildcard
// domains serve the subdomains pushed to (the exact domain first, then the
// longest wildcard), a domain keeps its LiveDomainType across restarts, and
// snapshot callbacks are signed as the domain's SetSnapshotCallbackAuth and
// notify config say (ALI-LIVE-SIGNATURE, checked here with OpenSSL's MD5).
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
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

std::string Md5Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EXPECT_EQ(EVP_Digest(text.data(), text.size(), digest, &size, EVP_md5(), nullptr), 1);
  return absl::BytesToHexString(std::string(reinterpret_cast<const char*>(digest), size));
}

// A callback as received: path, signature headers, body.
struct Received {
  std::string path;
  std::string timestamp;
  std::string signature;
  nlohmann::json body;
};

// An HTTP server on 127.0.0.1 that takes snapshot callbacks and notifications.
class CallbackReceiver {
 public:
  CallbackReceiver() {
    server_.Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mu_);
      received_.push_back({request.path, request.get_header_value("ALI-LIVE-TIMESTAMP"),
                           request.get_header_value("ALI-LIVE-SIGNATURE"),
                           nlohmann::json::parse(request.body, nullptr, false)});
      response.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~CallbackReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // Those received for `stream` on `path`.
  std::vector<Received> For(const std::string& path, const std::string& stream) {
    std::lock_guard lock(mu_);
    std::vector<Received> found;
    for (const Received& r : received_) {
      if (r.path == path && r.body.is_object() && r.body.value("stream", "") == stream) {
        found.push_back(r);
      }
    }
    return found;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Received> received_;  // guarded by mu_
};

class DomainFeaturesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clip_dir_ = new testing::TempDir();
    testing::ClipSpec spec;
    spec.seconds = 3;
    spec.width = 320;
    spec.height = 180;
    clip_ = testing::MakeFlvClip(clip_dir_->path(), "clip", spec);
  }
  static void TearDownTestSuite() { delete clip_dir_; }

  void SetUp() override {
    std::ofstream(config_) << "[server]\nlog_level = \"debug\"\n"
                           << "[[storage]]\nname = \"shots\"\nregion = \"cn-shanghai\"\n"
                           << "endpoint = \"file.local\"\nroot = \"" << shots_.string() << "\"\n";
    Start();
  }
  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Stop(), 0) << server_->Log();
    }
  }
  void Start() {
    server_ = std::make_unique<LivesnapdProcess>(dir_.path(),
                                                 std::vector<std::string>{"-c", config_.string()});
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }

  ApiResponse Call(const std::string& action, const std::map<std::string, std::string>& params) {
    ApiResponse response = ApiClient(server_->api_port()).Call(action, params);
    EXPECT_EQ(response.status, 200) << action << ": " << response.raw;
    return response;
  }
  void AddDomain(const std::string& name, const std::string& type = "liveVideo") {
    Call("AddLiveDomain",
         {{"DomainName", name}, {"Region", "cn-shanghai"}, {"LiveDomainType", type}});
  }
  // A template of `domain` for every app: an overwrite object under `prefix`
  // naming the host pushed to, and sequence objects.
  void AddTemplate(const std::string& domain, const std::string& prefix,
                   const std::string& callback = "") {
    std::map<std::string, std::string> params = {
        {"DomainName", domain},
        {"AppName", "*"},
        {"TimeInterval", "5"},
        {"OssEndpoint", "file.local"},
        {"OssBucket", "shots"},
        {"OverwriteOssObject", prefix + "/{Domain}/{AppName}/{StreamName}.jpg"},
        {"SequenceOssObject", prefix + "/{Domain}/{AppName}/{StreamName}/{Sequence}.jpg"}};
    if (!callback.empty()) params["Callback"] = callback;
    Call("AddLiveAppSnapshotConfig", params);
  }

  // Pushes the clip as live/`stream` to `host`; ffmpeg's exit code and log.
  std::pair<int, std::string> Push(const std::string& host, const std::string& stream) {
    Subprocess push(testing::PushCommand(clip_, server_->RtmpUrl("live", stream, host), false),
                    dir_ / (stream + ".log"));
    return {push.Wait(60s).value_or(-1), push.Log()};
  }
  void PushAndExpectImage(const std::string& host, const std::string& stream,
                          const fs::path& image) {
    auto [code, log] = Push(host, stream);
    ASSERT_EQ(code, 0) << log << server_->Log();
    EXPECT_TRUE(testing::WaitFor([&] { return fs::exists(image); }, 20s)) << image << "\n"
                                                                          << server_->Log();
  }

  static testing::TempDir* clip_dir_;
  static fs::path clip_;
  testing::TempDir dir_;
  fs::path config_ = dir_ / "livesnap.toml";
  fs::path shots_ = dir_ / "shots";
  std::unique_ptr<LivesnapdProcess> server_;
};

testing::TempDir* DomainFeaturesTest::clip_dir_ = nullptr;
fs::path DomainFeaturesTest::clip_;

TEST_F(DomainFeaturesTest, AWildcardServesSubdomainsTheExactDomainAndLongestWildcardWin) {
  AddDomain(".example.com");
  AddDomain(".c.example.com");
  AddDomain("b.example.com");
  AddTemplate(".example.com", "wide");
  AddTemplate(".c.example.com", "narrow");
  AddTemplate("b.example.com", "exact");

  PushAndExpectImage("a.example.com", "s1", shots_ / "wide/a.example.com/live/s1.jpg");
  PushAndExpectImage("x.y.example.com", "s2", shots_ / "wide/x.y.example.com/live/s2.jpg");
  PushAndExpectImage("x.c.example.com", "s3", shots_ / "narrow/x.c.example.com/live/s3.jpg");
  PushAndExpectImage("b.example.com", "s4", shots_ / "exact/b.example.com/live/s4.jpg");

  // Neither the wildcard's apex nor another name is served.
  for (const char* host : {"example.com", "a.example.org"}) {
    auto [code, log] = Push(host, "refused");
    EXPECT_NE(code, 0) << host << "\n" << log;
    EXPECT_TRUE(server_->WaitForLog(std::string("unknown domain \"") + host, 10s))
        << server_->Log();
  }
  EXPECT_FALSE(fs::exists(shots_ / "wide/example.com"));

  // The records are kept, and found, under the host pushed to.
  ApiResponse info = Call("DescribeLiveStreamSnapshotInfo",
                          {{"DomainName", "a.example.com"},
                           {"AppName", "live"},
                           {"StreamName", "s1"},
                           {"StartTime", ApiClient::Iso8601(testing::NowUnixMs() - 600'000)},
                           {"EndTime", ApiClient::Iso8601(testing::NowUnixMs() + 600'000)}});
  std::set<std::string> objects;
  for (const auto& item : info.body["LiveStreamSnapshotInfoList"]["LiveStreamSnapshotInfo"]) {
    objects.insert(item["OssObject"].get<std::string>());
  }
  EXPECT_TRUE(objects.contains("wide/a.example.com/live/s1.jpg")) << info.raw;
  EXPECT_TRUE(objects.contains("wide/a.example.com/live/s1/0.jpg")) << info.raw;
}

// DescribeLiveStreamsOnlineList for a wildcard domain lists every stream it
// serves (as Alibaba's wildcard domains gather their subdomains' traffic),
// each under the host it was pushed to; asked for a subdomain, only that
// host's streams.
TEST_F(DomainFeaturesTest, TheOnlineListOfAWildcardHasTheStreamsItServes) {
  AddDomain(".example.com");
  AddDomain(".c.example.com");
  AddDomain("b.example.com");
  const std::vector<std::pair<std::string, std::string>> pushed = {
      {"a.example.com", "s1"},
      {"x.y.example.com", "s2"},
      {"x.c.example.com", "s3"},  // served by .c.example.com
      {"b.example.com", "s4"}};   // served by itself
  std::vector<std::unique_ptr<Subprocess>> pushers;
  for (const auto& [host, stream] : pushed) {
    pushers.push_back(std::make_unique<Subprocess>(
        std::vector<std::string>{"ffmpeg", "-nostdin", "-loglevel", "warning", "-re",
                                 "-stream_loop", "-1", "-i", clip_.string(), "-c", "copy", "-f",
                                 "flv", server_->RtmpUrl("live", stream, host)},
        dir_ / (stream + ".log")));
  }
  // DomainName -> "host/stream" of each item.
  auto listed = [&](const std::string& domain) {
    ApiResponse r = Call("DescribeLiveStreamsOnlineList", {{"DomainName", domain}});
    std::set<std::string> items;
    for (const auto& item : r.body["OnlineInfo"]["LiveStreamOnlineInfo"]) {
      items.insert(item["DomainName"].get<std::string>() + "/" +
                   item["StreamName"].get<std::string>());
      EXPECT_EQ(item["PublishDomain"], item["DomainName"]) << r.raw;
    }
    EXPECT_EQ(r.body["TotalNum"], items.size()) << r.raw;
    return items;
  };
  using Items = std::set<std::string>;
  // Every push live (each domain's list has its own).
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        return listed(".example.com").size() == 2 && listed(".c.example.com").size() == 1 &&
               listed("b.example.com").size() == 1;
      },
      20s))
      << server_->Log();
  EXPECT_EQ(listed(".example.com"), (Items{"a.example.com/s1", "x.y.example.com/s2"}));
  EXPECT_EQ(listed(".c.example.com"), (Items{"x.c.example.com/s3"}));
  EXPECT_EQ(listed("b.example.com"), (Items{"b.example.com/s4"}));
  EXPECT_EQ(listed("a.example.com"), (Items{"a.example.com/s1"}));
  EXPECT_EQ(listed("x.c.example.com"), (Items{"x.c.example.com/s3"}));
  EXPECT_EQ(listed("example.com"), Items{});
  // The other filters apply within the wildcard's streams.
  ApiResponse strict =
      Call("DescribeLiveStreamsOnlineList",
           {{"DomainName", ".example.com"}, {"StreamName", "s2"}, {"QueryType", "strict"}});
  ASSERT_EQ(strict.body["TotalNum"], 1) << strict.raw;
  EXPECT_EQ(strict.body["OnlineInfo"]["LiveStreamOnlineInfo"][0]["PublishUrl"],
            "rtmp://x.y.example.com/live/s2");
  for (auto& pusher : pushers) pusher->Signal(SIGTERM);
  for (auto& pusher : pushers) pusher->Wait(10s);
}

TEST_F(DomainFeaturesTest, ALiveDomainTypeIsKeptAcrossARestart) {
  AddDomain("play.example.com", "liveVideo");
  AddDomain("push.example.com", "liveEdge");
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  Start();
  ApiResponse listed = Call("DescribeLiveUserDomains", {{"LiveDomainType", "liveEdge"}});
  ASSERT_EQ(listed.body["TotalCount"], 1) << listed.raw;
  EXPECT_EQ(listed.body["Domains"]["PageData"][0]["DomainName"], "push.example.com");
  EXPECT_EQ(listed.body["Domains"]["PageData"][0]["LiveDomainType"], "liveEdge");
  ApiResponse missing =
      ApiClient(server_->api_port())
          .Call("AddLiveDomain", {{"DomainName", "x.example.com"}, {"Region", "cn-shanghai"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.Code(), "MissingLiveDomainType");
}

TEST_F(DomainFeaturesTest, CallbacksAreSignedWithTheDomainsKeys) {
  constexpr char kCallbackKey[] = "callbackKey-123";
  constexpr char kNotifyKey[] = "notifyKey1234567";
  CallbackReceiver receiver;
  AddDomain("push.example.com");
  AddTemplate("push.example.com", "shots", receiver.Url("/cb"));
  Call("SetSnapshotCallbackAuth", {{"DomainName", "push.example.com"},
                                   {"CallbackReqAuth", "yes"},
                                   {"CallbackAuthKey", kCallbackKey}});
  Call("AddLiveSnapshotNotifyConfig", {{"DomainName", "push.example.com"},
                                       {"NotifyUrl", receiver.Url("/notify")},
                                       {"NotifyReqAuth", "yes"},
                                       {"NotifyAuthKey", kNotifyKey}});

  auto [code, log] = Push("push.example.com", "signed");
  ASSERT_EQ(code, 0) << log;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return !receiver.For("/cb", "signed").empty() && !receiver.For("/notify", "signed").empty();
      },
      20s))
      << server_->Log();
  using PathKey = std::pair<std::string, std::string>;
  for (const auto& [path, key] : {PathKey{"/cb", kCallbackKey}, PathKey{"/notify", kNotifyKey}}) {
    for (const Received& r : receiver.For(path, "signed")) {
      ASSERT_FALSE(r.timestamp.empty()) << path;
      const int64_t timestamp_s = std::stoll(r.timestamp);
      EXPECT_LE(std::abs(timestamp_s - testing::NowUnixMs() / 1000), 60) << path;
      EXPECT_EQ(r.signature, Md5Hex("127.0.0.1|" + r.timestamp + "|" + key)) << path;
    }
  }

  // Signing off: the next push's callbacks carry no signature; the notify
  // config, updated without NotifyReqAuth, takes Alibaba's default "no".
  Call("DeleteSnapshotCallbackAuth", {{"DomainName", "push.example.com"}});
  Call("UpdateLiveSnapshotNotifyConfig",
       {{"DomainName", "push.example.com"}, {"NotifyUrl", receiver.Url("/notify")}});
  EXPECT_EQ(Call("DescribeLiveSnapshotNotifyConfig", {{"DomainName", "push.example.com"}})
                .body["NotifyReqAuth"],
            "no");
  auto [code2, log2] = Push("push.example.com", "plain");
  ASSERT_EQ(code2, 0) << log2;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return !receiver.For("/cb", "plain").empty() && !receiver.For("/notify", "plain").empty();
      },
      20s))
      << server_->Log();
  for (const char* path : {"/cb", "/notify"}) {
    for (const Received& r : receiver.For(path, "plain")) {
      EXPECT_EQ(r.timestamp, "") << path;
      EXPECT_EQ(r.signature, "") << path;
    }
  }
  // The keys never reach the log.
  EXPECT_EQ(server_->Log().find(kCallbackKey), std::string::npos);
  EXPECT_EQ(server_->Log().find(kNotifyKey), std::string::npos);
}

}  // namespace
}  // namespace livesnap
