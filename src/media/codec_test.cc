#include "media/codec.h"

#include <gtest/gtest.h>

#include "media/stream.h"

namespace livesnap::media {
namespace {

TEST(CodecNamesTest, NameEveryCodec) {
  EXPECT_EQ(VideoCodecName(VideoCodec::kH264), "H.264");
  EXPECT_EQ(VideoCodecName(VideoCodec::kHevc), "HEVC");
  EXPECT_EQ(VideoCodecName(VideoCodec::kUnknown), "unknown");
  EXPECT_EQ(AudioCodecName(AudioCodec::kAac), "AAC");
  EXPECT_EQ(AudioCodecName(AudioCodec::kMp3), "MP3");
  EXPECT_EQ(AudioCodecName(AudioCodec::kOther), "other");
  EXPECT_EQ(AudioCodecName(AudioCodec::kUnknown), "unknown");
}

TEST(StopReasonNameTest, NamesAreLabelValues) {
  EXPECT_EQ(StopReasonName(StopReason::kUnpublished), "unpublished");
  EXPECT_EQ(StopReasonName(StopReason::kDisconnected), "disconnected");
  EXPECT_EQ(StopReasonName(StopReason::kProtocolError), "protocol_error");
  EXPECT_EQ(StopReasonName(StopReason::kIdleTimeout), "idle_timeout");
  EXPECT_EQ(StopReasonName(StopReason::kShutdown), "shutdown");
}

}  // namespace
}  // namespace livesnap::media
