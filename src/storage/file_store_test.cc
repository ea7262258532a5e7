#include "storage/file_store.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace livesnap::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::vector<uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

std::vector<std::string> Keys(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> keys;
  for (const ObjectInfo& object : objects) keys.push_back(object.key);
  return keys;
}

void WriteFile(const fs::path& path, std::string_view content) {
  std::ofstream(path, std::ios::binary) << content;
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (fs::temp_directory_path() / "file_store_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    auto store = FileStore::Create(dir_ / "bucket");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::unique_ptr<FileStore> store_;
};

TEST_F(FileStoreTest, PutGetDeleteList) {
  ASSERT_TRUE(store_->Put("b.jpg", Bytes("bee"), "image/jpeg").ok());
  ASSERT_TRUE(store_->Put("a.jpg", Bytes("ay"), "image/jpeg").ok());

  auto data = store_->Get("a.jpg");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, Bytes("ay"));

  auto objects = store_->List("");
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_THAT(Keys(*objects), ElementsAre("a.jpg", "b.jpg"));
  EXPECT_EQ((*objects)[1].size_bytes, 3);
  EXPECT_GT((*objects)[1].modified_unix_ms, 1'600'000'000'000);

  ASSERT_TRUE(store_->Delete("a.jpg").ok());
  EXPECT_EQ(store_->Get("a.jpg").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Keys(*store_->List("")), ElementsAre("b.jpg"));
}

TEST_F(FileStoreTest, NestedKeysCreateDirectoriesAndListByPrefix) {
  for (std::string_view key :
       {"live/demo/1.jpg", "live/demo/0.jpg", "live/demo.jpg", "live/other/0.jpg", "vod/x.jpg"}) {
    ASSERT_TRUE(store_->Put(key, Bytes(key), "image/jpeg").ok()) << key;
  }
  EXPECT_TRUE(fs::is_regular_file(dir_ / "bucket/live/demo/1.jpg"));
  EXPECT_EQ(*store_->Get("live/demo/1.jpg"), Bytes("live/demo/1.jpg"));

  EXPECT_THAT(Keys(*store_->List("live/demo/")), ElementsAre("live/demo/0.jpg", "live/demo/1.jpg"));
  EXPECT_THAT(Keys(*store_->List("live/demo")),
              ElementsAre("live/demo.jpg", "live/demo/0.jpg", "live/demo/1.jpg"));
  EXPECT_THAT(Keys(*store_->List("live/o")), ElementsAre("live/other/0.jpg"));
  EXPECT_THAT(Keys(*store_->List("")),
              ElementsAre("live/demo.jpg", "live/demo/0.jpg", "live/demo/1.jpg", "live/other/0.jpg",
                          "vod/x.jpg"));
  EXPECT_TRUE(store_->List("nothing/here/").value().empty());
  EXPECT_TRUE(store_->List("live/demo.jpg/").value().empty());
}

TEST_F(FileStoreTest, OverwriteReplacesContent) {
  ASSERT_TRUE(store_->Put("live/demo.jpg", Bytes("first"), "image/jpeg").ok());
  ASSERT_TRUE(store_->Put("live/demo.jpg", Bytes("second, longer"), "image/jpeg").ok());
  EXPECT_EQ(*store_->Get("live/demo.jpg"), Bytes("second, longer"));
  ASSERT_TRUE(store_->Put("live/demo.jpg", Bytes(""), "image/jpeg").ok());
  EXPECT_EQ(*store_->Get("live/demo.jpg"), Bytes(""));
}

TEST_F(FileStoreTest, ReaderNeverSeesAPartialOverwrite) {
  const std::vector<uint8_t> a(200 * 1024, 'a');
  const std::vector<uint8_t> b(200 * 1024, 'b');
  ASSERT_TRUE(store_->Put("live/demo.jpg", a, "image/jpeg").ok());

  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, bad_reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto data = store_->Get("live/demo.jpg");
      if (!data.ok() || (*data != a && *data != b)) ++bad_reads;
      ++reads;
    }
  });
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(store_->Put("live/demo.jpg", i % 2 ? a : b, "image/jpeg").ok());
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(bad_reads.load(), 0);
}

TEST_F(FileStoreTest, InvalidKeysAreRefusedByEveryOperation) {
  for (std::string_view key : {"", "/abs.jpg", "a/../b.jpg", "a//b.jpg", "a\\b.jpg"}) {
    const std::string shown = "\"" + absl::CHexEscape(std::string(key.substr(0, 3)));
    absl::Status put = store_->Put(key, Bytes("x"), "image/jpeg");
    EXPECT_EQ(put.code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_THAT(Message(put), HasSubstr(shown)) << key;
    EXPECT_EQ(store_->Get(key).status().code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Delete(key).code(), absl::StatusCode::kInvalidArgument) << key;
  }
  EXPECT_EQ(store_->List("../").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir_ / "b.jpg"));
}

TEST_F(FileStoreTest, MissingKeyIsNotFoundAndNamesThePath) {
  absl::Status get = store_->Get("live/missing.jpg").status();
  EXPECT_EQ(get.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(get), HasSubstr("live/missing.jpg"));
  EXPECT_THAT(Message(get), HasSubstr((dir_ / "bucket/live/missing.jpg").string()));

  absl::Status del = store_->Delete("live/missing.jpg");
  EXPECT_EQ(del.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(del), HasSubstr((dir_ / "bucket/live/missing.jpg").string()));

  ASSERT_TRUE(store_->Put("live/demo/0.jpg", Bytes("x"), "image/jpeg").ok());
  EXPECT_EQ(store_->Get("live/demo").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete("live/demo").code(), absl::StatusCode::kNotFound);
}

TEST_F(FileStoreTest, PutErrorsCarryThePath) {
  // "live/demo.jpg" is an object, so it cannot also be a directory.
  ASSERT_TRUE(store_->Put("live/demo.jpg", Bytes("x"), "image/jpeg").ok());
  absl::Status put = store_->Put("live/demo.jpg/0.jpg", Bytes("y"), "image/jpeg");
  EXPECT_FALSE(put.ok());
  EXPECT_NE(put.code(), absl::StatusCode::kUnavailable);  // retrying will not help
  EXPECT_THAT(Message(put), HasSubstr("live/demo.jpg/0.jpg"));
  EXPECT_THAT(Message(put), HasSubstr((dir_ / "bucket/live/demo.jpg").string()));
}

TEST_F(FileStoreTest, TempFilesAreHiddenFromListAndCleanedAtCreate) {
  ASSERT_TRUE(store_->Put("live/demo.jpg", Bytes("x"), "image/jpeg").ok());
  // What a crash between write and rename leaves behind.
  const fs::path leftover = dir_ / "bucket/live/.livesnap\\tmp.abc123";
  WriteFile(leftover, "torn");
  EXPECT_THAT(Keys(*store_->List("")), ElementsAre("live/demo.jpg"));

  auto reopened = FileStore::Create(dir_ / "bucket");
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_EQ(*(*reopened)->Get("live/demo.jpg"), Bytes("x"));
  EXPECT_THAT(Keys(*(*reopened)->List("")), ElementsAre("live/demo.jpg"));
}

TEST_F(FileStoreTest, PutLeavesNoTempFiles) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->Put("live/demo.jpg", Bytes("x"), "image/jpeg").ok());
  }
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "bucket")) {
    files += entry.is_regular_file();
  }
  EXPECT_EQ(files, 1);
}

TEST_F(FileStoreTest, RootThatIsARegularFileIsAClearError) {
  const fs::path file = dir_ / "not-a-directory";
  WriteFile(file, "x");
  auto store = FileStore::Create(file);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(Message(store.status()), HasSubstr(file.string()));
  EXPECT_THAT(Message(store.status()), HasSubstr("not a directory"));

  auto below = FileStore::Create(file / "bucket");
  ASSERT_FALSE(below.ok());
  EXPECT_THAT(Message(below.status()), HasSubstr((file / "bucket").string()));
}

TEST_F(FileStoreTest, DescribeNamesTheRoot) {
  EXPECT_EQ(store_->Describe(), "file:" + (dir_ / "bucket").string());
}

TEST_F(FileStoreTest, RelativeRootIsMadeAbsolute) {
  const fs::path previous = fs::current_path();
  fs::current_path(dir_);
  auto store = FileStore::Create("relative");
  fs::current_path(previous);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->root(), dir_ / "relative");
}

}  // namespace
}  // namespace livesnap::storage
