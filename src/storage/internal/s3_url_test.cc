#include "storage/internal/s3_url.h"

#include "gtest/gtest.h"

namespace livesnap::storage::internal {
namespace {

TEST(UriEncodeTest, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b+c=d&e/f", false), "a%20b%2Bc%3Dd%26e%2Ff");
  EXPECT_EQ(UriEncode("live/a b/1.jpg", true), "live/a%20b/1.jpg");
  EXPECT_EQ(UriEncode("\xc3\xa9*!'()", true), "%C3%A9%2A%21%27%28%29");
  EXPECT_EQ(UriEncode("", true), "");
}

TEST(CanonicalQueryTest, SortsByNameAndEncodes) {
  EXPECT_EQ(CanonicalQuery({{"prefix", "live/"}, {"list-type", "2"}, {"max-keys", "1000"}}),
            "list-type=2&max-keys=1000&prefix=live%2F");
  EXPECT_EQ(CanonicalQuery({{"continuation-token", "a+b/c="}, {"list-type", "2"}}),
            "continuation-token=a%2Bb%2Fc%3D&list-type=2");
  EXPECT_EQ(CanonicalQuery({}), "");
}

TEST(S3UrlTest, PathStyle) {
  auto url = S3Url::Create("http://127.0.0.1:9000", "snaps", S3Addressing::kPath);
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->Object("live/demo 1.jpg"), "http://127.0.0.1:9000/snaps/live/demo%201.jpg");
  EXPECT_EQ(url->Bucket({{"prefix", "live/"}, {"list-type", "2"}}),
            "http://127.0.0.1:9000/snaps?list-type=2&prefix=live%2F");
  EXPECT_EQ(url->Bucket({}), "http://127.0.0.1:9000/snaps");
  EXPECT_EQ(url->host(), "127.0.0.1");
  EXPECT_EQ(url->port(), 9000);
}

TEST(S3UrlTest, VirtualHosted) {
  auto url =
      S3Url::Create("https://S3.eu-west-1.amazonaws.com/", "snaps", S3Addressing::kVirtualHosted);
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->Object("a/b.jpg"), "https://snaps.s3.eu-west-1.amazonaws.com/a/b.jpg");
  EXPECT_EQ(url->Bucket({{"list-type", "2"}}),
            "https://snaps.s3.eu-west-1.amazonaws.com/?list-type=2");
  EXPECT_EQ(url->host(), "snaps.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(url->port(), 443);
}

TEST(S3UrlTest, RefusesWhatCannotAddressABucket) {
  for (const char* endpoint : {"ftp://host", "http://host/path", "http://host?x=1",
                               "http://user:pw@host", "not a url", ""}) {
    EXPECT_TRUE(
        absl::IsInvalidArgument(S3Url::Create(endpoint, "snaps", S3Addressing::kPath).status()))
        << endpoint;
  }
  EXPECT_TRUE(absl::IsInvalidArgument(
      S3Url::Create("http://host", "Snaps_1", S3Addressing::kVirtualHosted).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      S3Url::Create("http://[::1]:9000", "snaps", S3Addressing::kVirtualHosted).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(S3Url::Create("http://host", "a/b", S3Addressing::kPath).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(S3Url::Create("http://host", "", S3Addressing::kPath).status()));
  EXPECT_TRUE(S3Url::Create("http://host", "Snaps_1", S3Addressing::kPath).ok());
  EXPECT_TRUE(S3Url::Create("http://[::1]:9000", "snaps", S3Addressing::kPath).ok());
}

}  // namespace
}  // namespace livesnap::storage::internal
