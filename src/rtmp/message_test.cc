#include "rtmp/message.h"

#include <gtest/gtest.h>

namespace livesnap::rtmp {
namespace {

TEST(MessageTest, WindowAckSizeReadsWhatItsBuilderWrote) {
  absl::StatusOr<uint32_t> size = ReadWindowAckSize(MakeWindowAckSize(2'500'000));
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 2'500'000u);
}

TEST(MessageTest, AShortWindowAckSizeIsInvalid) {
  Message message = MakeWindowAckSize(1);
  message.payload.resize(3);
  absl::StatusOr<uint32_t> size = ReadWindowAckSize(message);
  EXPECT_TRUE(absl::IsInvalidArgument(size.status())) << size.status();
}

TEST(MessageTest, APingRequestIsAnsweredWithItsTimestamp) {
  std::optional<Message> pong = PingResponseTo(MakeUserControl(kPingRequest, 123456));
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->type_id, kUserControl);
  EXPECT_EQ(pong->payload, MakeUserControl(kPingResponse, 123456).payload);
}

TEST(MessageTest, OtherUserControlEventsAndShortPingsNeedNoAnswer) {
  EXPECT_FALSE(PingResponseTo(MakeUserControl(kStreamBegin, 1)).has_value());
  EXPECT_FALSE(PingResponseTo(MakeUserControl(kPingResponse, 1)).has_value());
  Message short_ping = MakeUserControl(kPingRequest, 1);
  short_ping.payload.resize(4);
  EXPECT_FALSE(PingResponseTo(short_ping).has_value());
}

}  // namespace
}  // namespace livesnap::rtmp
