#include "rtmp/message_budget.h"

#include <gtest/gtest.h>

#include "rtmp/chunk_reader.h"
#include "rtmp/chunk_writer.h"

namespace livesnap::rtmp {
namespace {

TEST(MessageBudgetTest, LargeHoldersStopAtSevenEighthsSmallOnesUseTheRest) {
  MessageBudget budget(64 * 1024);  // small holders: under 1 KiB held
  EXPECT_TRUE(budget.TryTake(56 * 1024, 0));
  EXPECT_FALSE(budget.TryTake(4096, 56 * 1024));  // a large holder: no further
  EXPECT_TRUE(budget.TryTake(512, 0));            // a small one: from the reserve
  EXPECT_TRUE(budget.TryTake(512, 0));
  EXPECT_EQ(budget.used_bytes(), 57u * 1024);
  EXPECT_FALSE(budget.TryTake(1024, 0));  // 1 KiB is not small any more
  budget.Give(56 * 1024);
  EXPECT_TRUE(budget.TryTake(1024, 0));
  EXPECT_FALSE(budget.TryTake(uint64_t{1} << 40, 0));
}

std::vector<uint8_t> VideoMessage(uint32_t length, uint32_t chunk_stream) {
  Message m;
  m.chunk_stream_id = chunk_stream;
  m.type_id = kVideo;
  m.stream_id = 1;
  m.payload.assign(length, 0x17);
  ChunkWriter writer;
  std::vector<uint8_t> out;
  writer.Write(m, out);
  return out;
}

TEST(MessageBudgetTest, ReadersTakeWhatTheyBufferAndGiveItBack) {
  MessageBudget budget(1 << 20);
  ChunkReaderLimits limits;
  limits.budget = &budget;
  std::vector<Message> messages;
  {
    ChunkReader reader(limits);
    const std::vector<uint8_t> bytes = VideoMessage(100'000, 6);
    ASSERT_TRUE(reader.Feed(std::span(bytes).first(50'000), messages).ok());
    EXPECT_GE(budget.used_bytes(), 50'000u * 128 / 129);
    EXPECT_LE(budget.used_bytes(), 100'000u);  // never more than the message
    EXPECT_EQ(budget.used_bytes(), reader.budget_held_bytes());
    ASSERT_TRUE(reader.Feed(std::span(bytes).subspan(50'000), messages).ok());
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(budget.used_bytes(), 0u);  // complete: no longer partial
    ASSERT_TRUE(reader.Feed(std::span(bytes).first(30'000), messages).ok());
    EXPECT_GT(budget.used_bytes(), 0u);
  }
  EXPECT_EQ(budget.used_bytes(), 0u);  // the reader gave back what it held
}

TEST(MessageBudgetTest, ReaderRefusedByTheBudgetFailsOverBudget) {
  MessageBudget budget(256 * 1024);
  ChunkReaderLimits limits;
  limits.budget = &budget;
  ChunkReader first(limits);
  ChunkReader second(limits);
  std::vector<Message> messages;
  const std::vector<uint8_t> bytes = VideoMessage(200'000, 6);
  ASSERT_TRUE(first.Feed(std::span(bytes).first(190'000), messages).ok());
  absl::Status s = second.Feed(std::span(bytes).first(190'000), messages);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("partial-message budget"), std::string::npos) << s;
  EXPECT_TRUE(second.over_budget());
  EXPECT_FALSE(first.over_budget());
  EXPECT_LE(budget.used_bytes(), budget.limit_bytes());
}

}  // namespace
}  // namespace livesnap::rtmp
