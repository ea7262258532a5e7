// S3Store against a real S3 server (s3rver, started by the CTest fixture),
// with s3cmd as the independent client that checks what it wrote.
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/s3_store.h"
#include "storage/store_factory.h"
#include "tests/s3/s3cmd.h"
#include "tests/s3/s3rver.h"
#include "tests/support/subprocess.h"

namespace livesnap::storage {
namespace {

using namespace std::chrono_literals;
using livesnap::testing::kS3rverAccessKey;
using livesnap::testing::kS3rverSecretKey;
using livesnap::testing::kSharedBucket;
using livesnap::testing::RunResult;
using livesnap::testing::S3cmd;
using livesnap::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

std::vector<uint8_t> ReadBytes(const std::filesystem::path& path) {
  return Bytes(livesnap::testing::ReadFile(path));
}

std::vector<std::string> Keys(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> keys;
  for (const ObjectInfo& object : objects) keys.push_back(object.key);
  return keys;
}

std::string Uri(const std::string& key) { return "s3://" + std::string(kSharedBucket) + "/" + key; }

class S3rverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = livesnap::testing::SharedS3rverUrl();
    ASSERT_FALSE(url_.empty()) << "the s3rver fixture is not running";
    port_ = static_cast<uint16_t>(std::stoi(url_.substr(url_.rfind(':') + 1)));
    // Tests share the bucket and may run in parallel: each gets its own prefix.
    prefix_ = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
              std::to_string(::getpid()) + "/";
    store_ = Open(livesnap::testing::S3rverOptions(url_, kSharedBucket));
  }

  static std::unique_ptr<S3Store> Open(S3Options options) {
    auto store = S3Store::Create(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // A real JPEG, made with ffmpeg.
  std::vector<uint8_t> MakeJpeg() {
    const std::filesystem::path path = dir_ / "frame.jpg";
    RunResult result =
        livesnap::testing::Run({"ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                                "testsrc2=size=320x240", "-frames:v", "1", path.string()},
                               60s);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return ReadBytes(path);
  }

  TempDir dir_;
  std::string url_;
  uint16_t port_ = 0;
  std::string prefix_;
  std::unique_ptr<S3Store> store_;
};

TEST_F(S3rverTest, PutGetDeleteAndList) {
  ASSERT_TRUE(store_->Put(prefix_ + "b.jpg", Bytes("bee"), "image/jpeg").ok());
  ASSERT_TRUE(store_->Put(prefix_ + "a.jpg", Bytes("ay"), "image/jpeg").ok());
  ASSERT_TRUE(store_->Put(prefix_ + "a.jpg", Bytes("ay again"), "image/jpeg").ok());
  ASSERT_TRUE(store_->Put(prefix_ + "deep/er/c.jpg", Bytes("sea"), "image/jpeg").ok());

  auto data = store_->Get(prefix_ + "a.jpg");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, Bytes("ay again"));

  auto objects = store_->List(prefix_);
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_THAT(Keys(*objects),
              ElementsAre(prefix_ + "a.jpg", prefix_ + "b.jpg", prefix_ + "deep/er/c.jpg"));
  EXPECT_EQ((*objects)[0].size_bytes, 8);
  EXPECT_GT((*objects)[0].modified_unix_ms, 1'600'000'000'000);
  EXPECT_THAT(Keys(*store_->List(prefix_ + "de")), ElementsAre(prefix_ + "deep/er/c.jpg"));

  ASSERT_TRUE(store_->Delete(prefix_ + "b.jpg").ok());
  EXPECT_TRUE(absl::IsNotFound(store_->Get(prefix_ + "b.jpg").status()));
  const absl::Status again = store_->Delete(prefix_ + "b.jpg");
  EXPECT_TRUE(absl::IsNotFound(again)) << again;
  EXPECT_THAT(Keys(*store_->List(prefix_)),
              ElementsAre(prefix_ + "a.jpg", prefix_ + "deep/er/c.jpg"));
}

TEST_F(S3rverTest, ListPagesThroughContinuationTokens) {
  S3Options options = livesnap::testing::S3rverOptions(url_, kSharedBucket);
  options.list_page_size = 3;
  auto paged = Open(options);
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) {
    const std::string key = prefix_ + "seq/" + std::to_string(100 + i) + ".jpg";
    ASSERT_TRUE(paged->Put(key, Bytes(std::to_string(i)), "image/jpeg").ok());
    expected.push_back(key);
  }
  ASSERT_TRUE(paged->Put(prefix_ + "other.jpg", Bytes("x"), "image/jpeg").ok());
  auto objects = paged->List(prefix_ + "seq/");
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_EQ(Keys(*objects), expected);

  S3cmd s3cmd(dir_.path(), port_, kSharedBucket);
  EXPECT_EQ(s3cmd.List(prefix_ + "seq/").size(), 10u);
}

TEST_F(S3rverTest, StoresContentTypeAndMd5) {
  const std::vector<uint8_t> jpeg = MakeJpeg();
  ASSERT_GT(jpeg.size(), 1000u);
  const std::string key = prefix_ + "live/demo.jpg";
  ASSERT_TRUE(store_->Put(key, jpeg, "image/jpeg").ok());

  const std::filesystem::path local = dir_ / "frame.jpg";
  RunResult md5 = livesnap::testing::Run({"md5sum", local.string()}, 10s);
  ASSERT_EQ(md5.exit_code, 0);
  const std::string expected_md5 = md5.output.substr(0, 32);

  auto head = store_->Head(key);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->content_type, "image/jpeg");
  EXPECT_EQ(head->etag, expected_md5);
  EXPECT_EQ(head->size_bytes, static_cast<int64_t>(jpeg.size()));

  S3cmd s3cmd(dir_.path(), port_, kSharedBucket);
  EXPECT_EQ(s3cmd.Info(key, "MIME type"), "image/jpeg");
  EXPECT_EQ(s3cmd.Info(key, "MD5 sum"), expected_md5);
}

TEST_F(S3rverTest, UnknownAccessKeyIsRefusedWithTheS3ErrorCode) {
  S3Options options = livesnap::testing::S3rverOptions(url_, kSharedBucket);
  options.access_key_id = "NOT-A-KEY";
  auto stranger = Open(options);
  const absl::Status put = stranger->Put(prefix_ + "a.jpg", Bytes("a"), "image/jpeg");
  EXPECT_TRUE(absl::IsPermissionDenied(put)) << put;
  EXPECT_THAT(put.message(), HasSubstr("HTTP 403 InvalidAccessKeyId"));
  EXPECT_THAT(put.message(), HasSubstr("does not exist in our records"));
  EXPECT_TRUE(absl::IsPermissionDenied(stranger->List(prefix_).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Get(prefix_ + "a.jpg").status()));
}

TEST_F(S3rverTest, MissingBucketIsNotFound) {
  auto lost = Open(livesnap::testing::S3rverOptions(url_, "no-such-bucket"));
  const absl::Status put = lost->Put("a.jpg", Bytes("a"), "image/jpeg");
  EXPECT_TRUE(absl::IsNotFound(put)) << put;
  EXPECT_THAT(put.message(), HasSubstr("NoSuchBucket"));
}

TEST_F(S3rverTest, VirtualHostedThroughTheResolverOverride) {
  const std::string host =
      std::string(kSharedBucket) + ".s3." + livesnap::testing::kS3rverServiceEndpoint;
  S3Options options = livesnap::testing::S3rverOptions(
      "http://s3." + std::string(livesnap::testing::kS3rverServiceEndpoint) + ":" +
          std::to_string(port_),
      kSharedBucket);
  options.addressing = S3Addressing::kVirtualHosted;
  options.resolve = {host + ":" + std::to_string(port_) + ":127.0.0.1"};
  auto virtual_hosted = Open(options);
  EXPECT_EQ(virtual_hosted->Describe(), "s3:http://" + host + ":" + std::to_string(port_));

  ASSERT_TRUE(virtual_hosted->Put(prefix_ + "v.jpg", Bytes("virtual"), "image/jpeg").ok());
  auto data = virtual_hosted->Get(prefix_ + "v.jpg");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, Bytes("virtual"));
  EXPECT_THAT(Keys(*virtual_hosted->List(prefix_)), ElementsAre(prefix_ + "v.jpg"));
  // The same object, seen path-style.
  EXPECT_EQ(*store_->Get(prefix_ + "v.jpg"), Bytes("virtual"));
  ASSERT_TRUE(virtual_hosted->Delete(prefix_ + "v.jpg").ok());
  EXPECT_TRUE(absl::IsNotFound(store_->Get(prefix_ + "v.jpg").status()));
}

TEST_F(S3rverTest, S3cmdListsAndFetchesWhatS3StoreWrote) {
  const std::vector<uint8_t> jpeg = MakeJpeg();
  ASSERT_TRUE(store_->Put(prefix_ + "live/cam 1/0.jpg", jpeg, "image/jpeg").ok());
  ASSERT_TRUE(store_->Put(prefix_ + "live/cam 1/1.jpg", Bytes("second"), "image/jpeg").ok());

  S3cmd s3cmd(dir_.path(), port_, kSharedBucket);
  EXPECT_THAT(s3cmd.List(prefix_ + "live/"),
              ElementsAre(prefix_ + "live/cam 1/0.jpg", prefix_ + "live/cam 1/1.jpg"));
  const std::filesystem::path fetched = dir_ / "fetched.jpg";
  RunResult get =
      s3cmd.Run({"get", "--force", Uri(prefix_ + "live/cam 1/0.jpg"), fetched.string()});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(ReadBytes(fetched), jpeg);
}

TEST_F(S3rverTest, S3StoreReadsWhatS3cmdWrote) {
  const std::vector<uint8_t> jpeg = MakeJpeg();
  S3cmd s3cmd(dir_.path(), port_, kSharedBucket);
  RunResult put = s3cmd.Run({"put", "--mime-type=image/jpeg", (dir_ / "frame.jpg").string(),
                             Uri(prefix_ + "from-s3cmd/x+y.jpg")});
  ASSERT_EQ(put.exit_code, 0) << put.output;

  auto objects = store_->List(prefix_ + "from-s3cmd/");
  ASSERT_TRUE(objects.ok()) << objects.status();
  ASSERT_THAT(Keys(*objects), ElementsAre(prefix_ + "from-s3cmd/x+y.jpg"));
  EXPECT_EQ((*objects)[0].size_bytes, static_cast<int64_t>(jpeg.size()));
  auto data = store_->Get(prefix_ + "from-s3cmd/x+y.jpg");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, jpeg);
}

TEST_F(S3rverTest, OpenObjectStoreBuildsAnS3LocationFromSettings) {
  auto store = OpenObjectStore(StoreSpec{.kind = "s3",
                                         .name = kSharedBucket,
                                         .region = "local",
                                         .endpoint = "s3.local",
                                         .settings = {{"url", url_},
                                                      {"signing_region", "us-east-1"},
                                                      {"access_key_id", kS3rverAccessKey},
                                                      {"secret_access_key", kS3rverSecretKey},
                                                      {"timeout_ms", "5000"}}});
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Put(prefix_ + "factory.jpg", Bytes("f"), "image/jpeg").ok());
  EXPECT_EQ(*store_->Get(prefix_ + "factory.jpg"), Bytes("f"));
}

}  // namespace
}  // namespace livesnap::storage
