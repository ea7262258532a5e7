#include "storage/internal/upload_spool.h"

#include <stdlib.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace livesnap::storage::internal {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

SpooledUpload Sample(uint64_t id) {
  return SpooledUpload{.id = id,
                       .lane = "push.example.com/live/demo",
                       .key = "live/demo/" + std::to_string(id) + ".jpg",
                       .content_type = "image/jpeg",
                       .metadata = R"({"sequence":7})",
                       .coalesce = id % 2 == 1,
                       .enqueued_unix_ms = 1'700'000'000'123};
}

class UploadSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (fs::temp_directory_path() / "upload_spool_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST(SpooledUploadCodingTest, RoundTrips) {
  const SpooledUpload upload = Sample(42);
  const std::vector<uint8_t> data = Bytes("\xff\xd8 jpeg \0 bytes");
  const std::vector<uint8_t> bytes = EncodeSpooledUpload(upload, data);
  auto decoded = DecodeSpooledUpload(bytes, true);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->id, 42u);
  EXPECT_EQ(decoded->lane, upload.lane);
  EXPECT_EQ(decoded->key, upload.key);
  EXPECT_EQ(decoded->content_type, "image/jpeg");
  EXPECT_EQ(decoded->metadata, upload.metadata);
  EXPECT_FALSE(decoded->coalesce);
  EXPECT_EQ(decoded->enqueued_unix_ms, 1'700'000'000'123);
  EXPECT_EQ(decoded->size_bytes, static_cast<int64_t>(data.size()));
  EXPECT_EQ(decoded->data, data);

  auto header = DecodeSpooledUpload(bytes, false);
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE(header->data.empty());
  EXPECT_EQ(header->size_bytes, static_cast<int64_t>(data.size()));
}

TEST(SpooledUploadCodingTest, RefusesDamagedFiles) {
  const std::vector<uint8_t> bytes = EncodeSpooledUpload(Sample(3), Bytes("data"));
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::vector<uint8_t> shorter(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(cut));
    EXPECT_TRUE(absl::IsDataLoss(DecodeSpooledUpload(shorter, true).status())) << cut;
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_TRUE(absl::IsDataLoss(DecodeSpooledUpload(longer, true).status()));
  std::vector<uint8_t> bad_magic = bytes;
  bad_magic[0] = 'X';
  EXPECT_TRUE(absl::IsDataLoss(DecodeSpooledUpload(bad_magic, true).status()));
}

TEST_F(UploadSpoolTest, WritesReadsScansAndRemoves) {
  auto spool = UploadSpool::Open(dir_ / "spool" / "snaps");
  ASSERT_TRUE(spool.ok()) << spool.status();
  for (uint64_t id : {12u, 3u, 7u}) {
    ASSERT_TRUE(spool->Write(Sample(id), Bytes("image " + std::to_string(id))).ok());
  }
  auto read = spool->Read(7);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->data, Bytes("image 7"));
  EXPECT_TRUE(read->coalesce);

  std::vector<std::string> problems;
  auto scanned = spool->Scan(&problems);
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(scanned->size(), 3u);
  EXPECT_EQ((*scanned)[0].id, 3u);
  EXPECT_EQ((*scanned)[1].id, 7u);
  EXPECT_EQ((*scanned)[2].id, 12u);
  EXPECT_TRUE((*scanned)[2].data.empty());
  EXPECT_EQ((*scanned)[2].size_bytes, 8);

  ASSERT_TRUE(spool->Remove(7).ok());
  EXPECT_TRUE(spool->Remove(7).ok());
  EXPECT_TRUE(absl::IsNotFound(spool->Read(7).status()));
  EXPECT_EQ(spool->Scan(nullptr)->size(), 2u);
}

TEST_F(UploadSpoolTest, OpenRemovesTempFilesAndScanSetsAsideBadOnes) {
  const fs::path dir = dir_ / "spool";
  fs::create_directories(dir);
  std::ofstream(dir / ".tmp.abc123") << "half written";
  std::ofstream(dir / "00000000000000000005.upload") << "garbage";
  std::ofstream(dir / "notes.txt") << "not ours";
  auto spool = UploadSpool::Open(dir);
  ASSERT_TRUE(spool.ok()) << spool.status();
  EXPECT_FALSE(fs::exists(dir / ".tmp.abc123"));
  // A file whose name and content disagree is not trusted either.
  ASSERT_TRUE(spool->Write(Sample(9), Bytes("x")).ok());
  fs::rename(dir / "00000000000000000009.upload", dir / "00000000000000000010.upload");

  std::vector<std::string> problems;
  auto scanned = spool->Scan(&problems);
  ASSERT_TRUE(scanned.ok());
  EXPECT_TRUE(scanned->empty());
  EXPECT_EQ(problems.size(), 2u);
  EXPECT_TRUE(fs::exists(dir / "00000000000000000005.upload.corrupt"));
  EXPECT_TRUE(fs::exists(dir / "00000000000000000010.upload.corrupt"));
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
}

TEST_F(UploadSpoolTest, OpenFailsWhereNoDirectoryCanBe) {
  std::ofstream(dir_ / "file") << "x";
  EXPECT_FALSE(UploadSpool::Open(dir_ / "file" / "spool").ok());
}

}  // namespace
}  // namespace livesnap::storage::internal
