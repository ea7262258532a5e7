#include "ingest/publish_target.h"

#include <gtest/gtest.h>

namespace livesnap::ingest {
namespace {

TEST(ResolvePublishTargetTest, DomainIsTheTcUrlHost) {
  auto t = ResolvePublishTarget("rtmp://Push.Example.com:1935/live", "live", "demo");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->domain, "push.example.com");
  EXPECT_EQ(t->app, "live");
  EXPECT_EQ(t->stream, "demo");
  EXPECT_EQ(t->stream_query, "");
}

TEST(ResolvePublishTargetTest, VhostOnTheAppNamesTheDomain) {
  // What ffmpeg sends for rtmp://127.0.0.1/live?vhost=a.com/demo
  auto t =
      ResolvePublishTarget("rtmp://127.0.0.1:1935/live?vhost=a.com", "live?vhost=a.com", "demo");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->domain, "a.com");
  EXPECT_EQ(t->app, "live");
}

TEST(ResolvePublishTargetTest, DomainParameterOnTheStreamNameWorksToo) {
  auto t = ResolvePublishTarget("rtmp://10.0.0.5/live", "live", "demo?domain=b.com&token=xyz");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->domain, "b.com");
  EXPECT_EQ(t->stream, "demo");
  EXPECT_EQ(t->stream_query, "domain=b.com&token=xyz");
  EXPECT_EQ(t->params.at("token"), "xyz");
}

TEST(ResolvePublishTargetTest, StreamQueryIsKeptButNotPartOfTheName) {
  auto t = ResolvePublishTarget("rtmp://a.com/live", "live", "cam1?auth_key=1-0-0-abc");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->stream, "cam1");
  EXPECT_EQ(t->stream_query, "auth_key=1-0-0-abc");
}

TEST(ResolvePublishTargetTest, IpHostIsTheDomainWithoutParameters) {
  auto t = ResolvePublishTarget("rtmp://127.0.0.1/live", "live", "demo");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->domain, "127.0.0.1");
}

TEST(ResolvePublishTargetTest, MultiLevelAppIsKept) {
  auto t = ResolvePublishTarget("rtmp://a.com/live/sub", "live/sub", "s");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->app, "live/sub");
}

constexpr char kMd5[] = "92e1c4d13dd48e35e1a98de307d52f05";

TEST(ResolvePublishTargetTest, TypeBPathSignatureIsTakenOffWhereverTheClientSplitThePath) {
  const std::string signature = std::string("202311150613/") + kMd5;
  // OBS: the server URL is the whole path but the stream name.
  auto obs = ResolvePublishTarget("rtmp://a.com/" + signature + "/live", signature + "/live",
                                  "demo?vhost=b.com");
  ASSERT_TRUE(obs.ok()) << obs.status();
  EXPECT_EQ(obs->domain, "b.com");
  EXPECT_EQ(obs->app, "live");
  EXPECT_EQ(obs->stream, "demo");
  EXPECT_EQ(obs->stream_query, "vhost=b.com");
  EXPECT_EQ(obs->path_signature, signature);
  // ffmpeg: the first two segments are the app, the rest the stream name.
  auto ffmpeg = ResolvePublishTarget("rtmp://a.com/" + signature, signature, "live/sub/demo");
  ASSERT_TRUE(ffmpeg.ok()) << ffmpeg.status();
  EXPECT_EQ(ffmpeg->app, "live/sub");
  EXPECT_EQ(ffmpeg->stream, "demo");
  EXPECT_EQ(ffmpeg->path_signature, signature);
}

TEST(ResolvePublishTargetTest, TypeCPathSignatureIsTakenOff) {
  const std::string signature = std::string(kMd5) + "/6553F100";
  auto t = ResolvePublishTarget("rtmp://a.com/" + signature, signature, "live/demo");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->app, "live");
  EXPECT_EQ(t->stream, "demo");
  EXPECT_EQ(t->path_signature, signature);
}

TEST(ResolvePublishTargetTest, PathsThatOnlyLookSignedAreLeftAlone) {
  const std::string signature = std::string("202311150613/") + kMd5;
  // Nothing left for the app: the names stay as they came (and are checked).
  auto no_app = ResolvePublishTarget("rtmp://a.com/" + signature, signature, "demo");
  ASSERT_TRUE(no_app.ok()) << no_app.status();
  EXPECT_EQ(no_app->app, signature);
  EXPECT_EQ(no_app->path_signature, "");
  // A 13-digit first segment is no type B timestamp.
  auto other = ResolvePublishTarget("rtmp://a.com/x",
                                    std::string("2023111506130/") + kMd5 + "/live", "demo");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->path_signature, "");
  EXPECT_EQ(other->app, std::string("2023111506130/") + kMd5 + "/live");
  // An ordinary multi-level app.
  auto plain = ResolvePublishTarget("rtmp://a.com/a/b/c", "a/b/c", "demo");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->app, "a/b/c");
  EXPECT_EQ(plain->path_signature, "");
}

TEST(ResolvePublishTargetTest, RejectsEmptyAndUnsafeNames) {
  EXPECT_FALSE(ResolvePublishTarget("rtmp://a.com/live", "live", "").ok());
  EXPECT_FALSE(ResolvePublishTarget("rtmp://a.com/", "", "s").ok());
  EXPECT_FALSE(ResolvePublishTarget("rtmp://a.com/live", "live", "../etc").ok());
  EXPECT_FALSE(ResolvePublishTarget("rtmp://a.com/live", "live", "a b").ok());
  EXPECT_FALSE(ResolvePublishTarget("rtmp://a.com/live", "../x", "s").ok());
  EXPECT_FALSE(ResolvePublishTarget("", "live", "s").ok());
  auto bad = ResolvePublishTarget("rtmp://a.com/live", "live", "x/y");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("stream name"), std::string::npos);
}

// Issue 18: names that were accepted but could never be stored.
TEST(ResolvePublishTargetTest, RefusesNamesThatCanNeverBeStored) {
  struct Case {
    std::string app;
    std::string stream;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"live", ".", "stream name \".\" has a \".\" path segment"},
      {"live", "..", "stream name \"..\" has a \"..\" path segment"},
      {"live", std::string(255, 's'), "is 255 bytes long (at most 128)"},
      {".", "s", "app \".\" has a \".\" path segment"},
      {"..", "s", "app \"..\" has a \"..\" path segment"},
      {"a/./b", "s", "app \"a/./b\" has a \".\" path segment"},
      {"a/../b", "s", "has a \"..\" path segment"},
      {"a//b", "s", "app \"a//b\" has an empty path segment"},
      {"/a", "s", "has an empty path segment"},
      {std::string(129, 'a'), "s", "is 129 bytes long (at most 128)"},
  };
  for (const Case& c : cases) {
    auto t = ResolvePublishTarget("rtmp://a.com/" + c.app, c.app, c.stream);
    ASSERT_FALSE(t.ok()) << c.app << " " << c.stream;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(c.reason), std::string::npos) << t.status();
  }
  // The longest names accepted, and dots inside a name.
  EXPECT_TRUE(
      ResolvePublishTarget("rtmp://a.com/x", std::string(128, 'a'), std::string(128, 's')).ok());
  EXPECT_TRUE(ResolvePublishTarget("rtmp://a.com/x", "a.b/c", ".hidden.v1").ok());
  EXPECT_TRUE(ResolvePublishTarget("rtmp://a.com/x", "live/", "s").ok());  // trailing '/' dropped
}

TEST(ResolvePublishTargetTest, RefusalShowsTheNameEscapedAndCut) {
  auto t = ResolvePublishTarget("rtmp://a.com/live", "live",
                                std::string("a\nb") + std::string(300, 'x'));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().find('\n'), std::string::npos) << t.status();
  EXPECT_NE(t.status().message().find("a\\nb"), std::string::npos) << t.status();
  EXPECT_LT(t.status().message().size(), 200u) << t.status();
}

TEST(ParseQueryTest, SplitsAndDecodes) {
  auto q = ParseQuery("a=1&b=x%20y&c&&d=%zz&a=2");
  EXPECT_EQ(q.at("a"), "2");
  EXPECT_EQ(q.at("b"), "x y");
  EXPECT_EQ(q.at("c"), "");
  EXPECT_EQ(q.at("d"), "%zz");
  EXPECT_EQ(ParseQuery("%4").size(), 1u);
}

}  // namespace
}  // namespace livesnap::ingest
