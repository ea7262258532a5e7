#include "rtmp/url.h"

#include <gtest/gtest.h>

namespace livesnap::rtmp {
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

TEST(ParseQueryTest, SplitsAndDecodes) {
  auto q = ParseQuery("a=1&b=x%20y&c&&d=%zz&a=2");
  EXPECT_EQ(q.at("a"), "2");
  EXPECT_EQ(q.at("b"), "x y");
  EXPECT_EQ(q.at("c"), "");
  EXPECT_EQ(q.at("d"), "%zz");
  EXPECT_EQ(ParseQuery("%4").size(), 1u);
}

}  // namespace
}  // namespace livesnap::rtmp
