#include "storage/internal/s3_xml.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace livesnap::storage::internal {
namespace {

using ::testing::HasSubstr;

// The shape AWS documents for ListObjectsV2.
constexpr char kPage[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>snaps</Name>
  <Prefix>live/</Prefix>
  <KeyCount>2</KeyCount>
  <MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents>
    <Key>live/a &amp; b.jpg</Key>
    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>"fba9dede5f27731c9771645a39863328"</ETag>
    <Size>434234</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <Contents>
    <Key>live/b.jpg</Key>
    <LastModified>2009-10-12T17:50:31Z</LastModified>
    <Size>0</Size>
  </Contents>
</ListBucketResult>)";

TEST(ParseListObjectsV2Test, ReadsObjectsAndContinuation) {
  auto page = ParseListObjectsV2(kPage);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "live/a & b.jpg");
  EXPECT_EQ(page->objects[0].size_bytes, 434234);
  EXPECT_EQ(page->objects[0].modified_unix_ms, 1255369830000);
  EXPECT_EQ(page->objects[1].key, "live/b.jpg");
  EXPECT_EQ(page->objects[1].modified_unix_ms, 1255369831000);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(ParseListObjectsV2Test, LastPageAndEmptyListing) {
  auto page = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
}

TEST(ParseListObjectsV2Test, RefusesWhatIsNotAListing) {
  const char* bad[] = {
      "",
      "<ListBucketResult>",
      "<Error><Code>NoSuchBucket</Code></Error>",
      "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Key>a</Key><Size>x</Size></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Key>a</Key><LastModified>yesterday</LastModified>"
      "</Contents></ListBucketResult>",
      "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
      "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><ListBucketResult><Name>&a;</Name></ListBucketResult>",
  };
  for (const char* xml : bad) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseListObjectsV2(xml).status())) << xml;
  }
}

TEST(ParseListObjectsV2Test, RefusesDeepNesting) {
  std::string xml = "<ListBucketResult>";
  for (int i = 0; i < 100; ++i) xml += "<a>";
  for (int i = 0; i < 100; ++i) xml += "</a>";
  xml += "</ListBucketResult>";
  auto page = ParseListObjectsV2(xml);
  EXPECT_TRUE(absl::IsInvalidArgument(page.status()));
  EXPECT_THAT(page.status().message(), HasSubstr("nested"));
}

TEST(ParseS3ErrorTest, ReadsCodeMessageAndRequestId) {
  auto error = ParseS3Error(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>InvalidAccessKeyId</Code>
  <Message>The AWS Access Key Id you provided does not exist in our records.</Message>
  <AWSAccessKeyId>WRONG</AWSAccessKeyId>
  <RequestId>4442587FB7D0A2F9</RequestId>
</Error>)");
  ASSERT_TRUE(error.ok()) << error.status();
  EXPECT_EQ(error->code, "InvalidAccessKeyId");
  EXPECT_EQ(error->message, "The AWS Access Key Id you provided does not exist in our records.");
  EXPECT_EQ(error->request_id, "4442587FB7D0A2F9");

  auto redirect = ParseS3Error(
      "<Error><Code>PermanentRedirect</Code><Endpoint>snaps.s3.eu-west-1.amazonaws.com"
      "</Endpoint></Error>");
  ASSERT_TRUE(redirect.ok());
  EXPECT_EQ(redirect->endpoint, "snaps.s3.eu-west-1.amazonaws.com");

  EXPECT_FALSE(ParseS3Error("<html>502 Bad Gateway</html>").ok());
  EXPECT_FALSE(ParseS3Error("Bad Gateway").ok());
}

TEST(ParseIso8601MsTest, AcceptsS3Timestamps) {
  EXPECT_EQ(*ParseIso8601Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseIso8601Ms("2009-10-12T17:50:30.123Z"), 1255369830123);
  EXPECT_EQ(*ParseIso8601Ms("2009-10-12T19:50:30+02:00"), 1255369830000);
  EXPECT_FALSE(ParseIso8601Ms("2009-10-12").ok());
}

}  // namespace
}  // namespace livesnap::storage::internal
