// ChunkReaders against a shared MessageBudget: what they buffer is taken
// from it and given back, and a reader it refuses fails over budget.
#include <gtest/gtest.h>

#include "ingest/message_budget.h"
#include "rtmp/chunk_reader.h"
#include "rtmp/chunk_writer.h"

namespace livesnap::rtmp {
namespace {

using ingest::MessageBudget;

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
