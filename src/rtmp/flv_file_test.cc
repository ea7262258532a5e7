// FlvFile: tags as views into the one buffer, extended timestamps, and the
// ways a file can be broken.
#include "rtmp/flv_file.h"

#include <gtest/gtest.h>

#include "rtmp/flv_test_util.h"

namespace livesnap::rtmp {
namespace {

using testing::FlvBuilder;

TEST(FlvFileTest, ReadsEveryTagWithItsTypeTimestampAndBody) {
  FlvBuilder flv;
  flv.Tag(18, 0, {2, 0, 10})
      .Tag(9, 33, {0x17, 1, 0, 0, 0, 0xAA})
      .Tag(8, 0x01020304, {0xAF, 1, 7});  // the fourth byte extends the timestamp
  absl::StatusOr<FlvFile> file = FlvFile::Parse(flv.bytes());
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->tags().size(), 3u);
  EXPECT_EQ(file->tags()[0].type, 18);
  EXPECT_EQ(file->tags()[1].type, 9);
  EXPECT_EQ(file->tags()[1].timestamp_ms, 33u);
  EXPECT_EQ(std::vector<uint8_t>(file->tags()[1].body.begin(), file->tags()[1].body.end()),
            (std::vector<uint8_t>{0x17, 1, 0, 0, 0, 0xAA}));
  EXPECT_EQ(file->tags()[2].timestamp_ms, 0x01020304u);
  EXPECT_EQ(file->size_bytes(), flv.bytes().size());
}

TEST(FlvFileTest, TagsStayValidWhenTheFileIsMoved) {
  FlvBuilder flv;
  flv.Tag(9, 0, {0x17, 0, 0, 0, 0, 1, 2, 3});
  absl::StatusOr<FlvFile> file = FlvFile::Parse(flv.bytes());
  ASSERT_TRUE(file.ok());
  const uint8_t* body = file->tags()[0].body.data();
  FlvFile moved = *std::move(file);
  EXPECT_EQ(moved.tags()[0].body.data(), body);
  EXPECT_EQ(moved.tags()[0].body[5], 1);
}

TEST(FlvFileTest, RefusesWhatIsNotAnFlvFile) {
  EXPECT_EQ(FlvFile::Parse({'F', 'L', 'X', 1, 5, 0, 0, 0, 9}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FlvFile::Parse({}).status().code(), absl::StatusCode::kInvalidArgument);
  FlvBuilder encrypted;
  encrypted.Tag(0x20 | 9, 0, {0x17});
  EXPECT_EQ(FlvFile::Parse(encrypted.bytes()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FlvFileTest, AFileCutInsideATagIsDataLoss) {
  FlvBuilder flv;
  flv.Tag(9, 0, {0x17, 0, 0, 0, 0, 1, 2, 3});
  for (size_t cut : {size_t{15}, flv.bytes().size() - 6}) {
    std::vector<uint8_t> bytes(flv.bytes().begin(), flv.bytes().begin() + cut);
    absl::StatusOr<FlvFile> file = FlvFile::Parse(bytes);
    EXPECT_EQ(file.status().code(), absl::StatusCode::kDataLoss) << cut;
    EXPECT_NE(file.status().message().find("offset 13"), std::string::npos) << file.status();
  }
}

TEST(FlvFileTest, AMissingFileIsNotFoundAndNamed) {
  absl::StatusOr<FlvFile> file = FlvFile::Read("/nonexistent/clip.flv");
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(file.status().message().find("/nonexistent/clip.flv"), std::string::npos);
}

}  // namespace
}  // namespace livesnap::rtmp
