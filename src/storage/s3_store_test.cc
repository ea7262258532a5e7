// S3Store's reading of S3 answers (errors, timeouts, connection reuse),
// against a stub HTTP server. Behaviour against a real S3 server is tested
// in tests/s3.
#include "storage/s3_store.h"

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/retry_policy.h"
#include "tests/support/stub_http_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/wait_for.h"

namespace livesnap::storage {
namespace {

using namespace std::chrono_literals;
using livesnap::testing::RecordedRequest;
using livesnap::testing::StubHttpServer;
using ::testing::HasSubstr;

std::string ErrorXml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
         message + "</Message><RequestId>REQ123</RequestId></Error>";
}

std::unique_ptr<S3Store> StoreFor(const std::string& endpoint, int64_t timeout_ms = 5000) {
  auto store = S3Store::Create(S3Options{.endpoint = endpoint,
                                         .region = "us-east-1",
                                         .bucket = "snaps",
                                         .access_key_id = "AK",
                                         .secret_access_key = "SK",
                                         .connect_timeout_ms = 1000,
                                         .timeout_ms = timeout_ms});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

const std::vector<uint8_t> kBody = {0xff, 0xd8, 0xff, 0xd9};

TEST(S3StoreTest, ErrorsCarryTheS3CodeAndMapToStatusCodes) {
  struct Case {
    int http_status;
    std::string code;
    absl::StatusCode expected;
  };
  const std::vector<Case> cases = {
      {403, "InvalidAccessKeyId", absl::StatusCode::kPermissionDenied},
      {403, "SignatureDoesNotMatch", absl::StatusCode::kPermissionDenied},
      {404, "NoSuchBucket", absl::StatusCode::kNotFound},
      {400, "InvalidDigest", absl::StatusCode::kInvalidArgument},
      {400, "RequestTimeout", absl::StatusCode::kUnavailable},
      {409, "OperationAborted", absl::StatusCode::kFailedPrecondition},
      {301, "PermanentRedirect", absl::StatusCode::kFailedPrecondition},
      {429, "TooManyRequests", absl::StatusCode::kUnavailable},
      {500, "InternalError", absl::StatusCode::kUnavailable},
      {503, "SlowDown", absl::StatusCode::kUnavailable},
  };
  for (const Case& c : cases) {
    StubHttpServer server([&](const RecordedRequest&, httplib::Response& response) {
      response.status = c.http_status;
      response.set_content(ErrorXml(c.code, "says " + c.code), "application/xml");
    });
    auto store = StoreFor(server.Url());
    const absl::Status status = store->Put("live/a.jpg", kBody, "image/jpeg");
    EXPECT_EQ(status.code(), c.expected) << status;
    EXPECT_THAT(status.message(), HasSubstr("HTTP " + std::to_string(c.http_status) + " " + c.code +
                                            ": says " + c.code));
    EXPECT_THAT(status.message(), HasSubstr("PUT " + server.Url() + "/snaps/live/a.jpg"));
    EXPECT_THAT(status.message(), HasSubstr("request id REQ123"));
  }
}

TEST(S3StoreTest, AnswersWithoutAnS3ErrorBody) {
  StubHttpServer server([](const RecordedRequest& request, httplib::Response& response) {
    if (request.method == "HEAD") {
      response.status = 404;
    } else {
      response.status = 502;
      response.set_content("<html>Bad Gateway</html>", "text/html");
    }
  });
  auto store = StoreFor(server.Url());
  const absl::Status put = store->Put("a.jpg", kBody, "image/jpeg");
  EXPECT_TRUE(absl::IsUnavailable(put)) << put;
  EXPECT_THAT(put.message(), HasSubstr("HTTP 502"));
  const absl::Status deleted = store->Delete("a.jpg");
  EXPECT_TRUE(absl::IsNotFound(deleted)) << deleted;
  EXPECT_EQ(server.requests().back().method, "HEAD");  // no DELETE of a missing object
}

TEST(S3StoreTest, NoServerIsUnavailable) {
  const uint16_t port = livesnap::testing::FreePort();
  auto store = StoreFor("http://127.0.0.1:" + std::to_string(port));
  const absl::Status status = store->Put("a.jpg", kBody, "image/jpeg");
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_TRUE(absl::IsUnavailable(store->Get("a.jpg").status()));
  EXPECT_TRUE(absl::IsUnavailable(store->List("").status()));
}

TEST(S3StoreTest, ASlowServerTimesOutAsDeadlineExceeded) {
  std::atomic<bool> released{false};
  StubHttpServer server([&](const RecordedRequest&, httplib::Response& response) {
    livesnap::testing::WaitFor([&] { return released.load(); }, 2s, 20ms);
    response.status = 200;
  });
  auto store = StoreFor(server.Url(), 300);
  const absl::Status status = store->Put("a.jpg", kBody, "image/jpeg");
  released = true;
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  EXPECT_TRUE(IsRetryable(status));
  EXPECT_THAT(status.message(), HasSubstr("no answer within 300 ms"));
}

TEST(S3StoreTest, HeadAndGetReadTheObject) {
  StubHttpServer server([](const RecordedRequest& request, httplib::Response& response) {
    response.set_header("ETag", "\"0cc175b9c0f1b6a831c399e269772661\"");
    if (request.Path() == "/snaps/missing.jpg") {
      response.status = 404;
      if (request.method == "GET") response.set_content(ErrorXml("NoSuchKey", "gone"), "text/xml");
      return;
    }
    response.set_content("a", "image/jpeg");
  });
  auto store = StoreFor(server.Url());
  auto head = store->Head("live/a.jpg");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->size_bytes, 1);
  EXPECT_EQ(head->content_type, "image/jpeg");
  EXPECT_EQ(head->etag, "0cc175b9c0f1b6a831c399e269772661");
  auto data = store->Get("live/a.jpg");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, std::vector<uint8_t>{'a'});
  auto missing = store->Get("missing.jpg");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(missing.status().message(), HasSubstr("NoSuchKey: gone"));
  EXPECT_TRUE(absl::IsNotFound(store->Head("missing.jpg").status()));
}

TEST(S3StoreTest, RefusesInvalidKeysWithoutSending) {
  StubHttpServer server([](const RecordedRequest&, httplib::Response&) {});
  auto store = StoreFor(server.Url());
  EXPECT_TRUE(absl::IsInvalidArgument(store->Put("../a.jpg", kBody, "image/jpeg")));
  EXPECT_TRUE(absl::IsInvalidArgument(store->Get("/a.jpg").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store->List("a//").status()));
  EXPECT_TRUE(server.requests().empty());
}

TEST(S3StoreTest, ListSkipsKeysOtherStoresCouldNotHold) {
  StubHttpServer server([](const RecordedRequest&, httplib::Response& response) {
    response.set_content(
        "<ListBucketResult><IsTruncated>false</IsTruncated>"
        "<Contents><Key>b/../x.jpg</Key><Size>1</Size></Contents>"
        "<Contents><Key>b/2.jpg</Key><Size>1</Size></Contents>"
        "<Contents><Key>b/1.jpg</Key><Size>1</Size></Contents></ListBucketResult>",
        "application/xml");
  });
  auto store = StoreFor(server.Url());
  auto objects = store->List("b/");
  ASSERT_TRUE(objects.ok()) << objects.status();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].key, "b/1.jpg");
  EXPECT_EQ((*objects)[1].key, "b/2.jpg");
}

TEST(S3StoreTest, AMalformedListingIsAnError) {
  StubHttpServer server([](const RecordedRequest&, httplib::Response& response) {
    response.set_content("<ListBucketResult><IsTruncated>true", "application/xml");
  });
  auto store = StoreFor(server.Url());
  auto objects = store->List("");
  EXPECT_TRUE(absl::IsInvalidArgument(objects.status())) << objects.status();
  EXPECT_THAT(objects.status().message(), HasSubstr("malformed XML"));
}

TEST(S3StoreTest, ReusesConnectionsAcrossCallsAndThreads) {
  StubHttpServer server(
      [](const RecordedRequest&, httplib::Response& response) { response.status = 200; });
  auto store = StoreFor(server.Url());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Put("a.jpg", kBody, "image/jpeg").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) EXPECT_TRUE(store->Put("b.jpg", kBody, "image/jpeg").ok());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<int> client_ports;
  for (const RecordedRequest& request : server.requests()) {
    client_ports.insert(request.remote_port);
  }
  EXPECT_EQ(server.requests().size(), 20u);
  // One connection for the sequential calls, at most one more per extra thread.
  EXPECT_LE(client_ports.size(), 3u);
}

TEST(S3StoreTest, CreateChecksOptionsAndReadsTheEnvironment) {
  S3Options options{.endpoint = "http://127.0.0.1:9", .bucket = "snaps"};
  ::setenv("AWS_ACCESS_KEY_ID", "env-key", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  ::setenv("AWS_REGION", "ap-southeast-1", 1);
  auto store = S3Store::Create(options);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_REGION");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_THAT(S3Store::Create(options).status().message(), HasSubstr("no credentials"));
  options.access_key_id = "a";
  options.secret_access_key = "b";
  EXPECT_THAT(S3Store::Create(options).status().message(), HasSubstr("no region"));
  options.region = "us-east-1";
  options.list_page_size = 0;
  EXPECT_TRUE(absl::IsInvalidArgument(S3Store::Create(options).status()));
}

}  // namespace
}  // namespace livesnap::storage
