// ParseStreamId: both forms encoders send, the default domain, and the names
// and modes that are refused.
#include "srt/stream_id.h"

#include <gtest/gtest.h>

namespace livesnap::srt {
namespace {

TEST(StreamIdTest, AccessControlFormNamesDomainAppStreamAndQuery) {
  absl::StatusOr<ingest::PublishTarget> t =
      ParseStreamId("#!::h=push.example.com,r=live/demo?auth_key=1-0-0-abc,m=publish", "d.com");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->domain, "push.example.com");
  EXPECT_EQ(t->app, "live");
  EXPECT_EQ(t->stream, "demo");
  EXPECT_EQ(t->stream_query, "auth_key=1-0-0-abc");
}

TEST(StreamIdTest, WithoutHTheDefaultDomainAndModeDefaultsToPublish) {
  absl::StatusOr<ingest::PublishTarget> t = ParseStreamId("#!::r=a/b/stream,u=alice", "d.com");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->domain, "d.com");
  EXPECT_EQ(t->app, "a/b");
  EXPECT_EQ(t->stream, "stream");
}

TEST(StreamIdTest, PlainForm) {
  absl::StatusOr<ingest::PublishTarget> t = ParseStreamId("live/x?token=1", "d.com");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->domain, "d.com");
  EXPECT_EQ(t->app, "live");
  EXPECT_EQ(t->stream, "x");
  EXPECT_EQ(t->stream_query, "token=1");
}

TEST(StreamIdTest, RefusesWhatNamesNoStorableStream) {
  for (const char* id : {"", "live", "/x", "live/", "#!::h=a.com", "#!::h=a.com,r=live/x,m=request",
                         "#!::h=a.com,r=live/../x", "#!::h=a.com,r=live/x y",
                         "#!::h=a.com/evil,r=live/x", "#!::garbage", "live/x\x01"}) {
    EXPECT_EQ(ParseStreamId(id, "d.com").status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << id << "\"";
  }
  EXPECT_FALSE(ParseStreamId("live/x", "").ok()) << "no domain at all";
  EXPECT_NE(ParseStreamId("#!::r=live/x,m=request", "d.com").status().message().find("publish"),
            std::string::npos);
}

}  // namespace
}  // namespace livesnap::srt
