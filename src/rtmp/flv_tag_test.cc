#include "rtmp/flv_tag.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <vector>

namespace livesnap::rtmp {

using media::AudioCodec;
using media::VideoCodec;
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

using Bytes = std::vector<uint8_t>;

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes FourCc(const char (&code)[5]) { return Bytes(code, code + 4); }

// Enhanced RTMP first byte: IsExHeader | FrameType(3) | PacketType(4).
uint8_t ExHeader(int frame_type, int packet_type) {
  return static_cast<uint8_t>(0x80 | frame_type << 4 | packet_type);
}

const Bytes kNalUnits = {0, 0, 0, 2, 0x65, 0x88};

// A parsed tag's body is a view into its payload, so the fixture keeps every
// payload alive until the test ends.
class FlvTagTest : public ::testing::Test {
 protected:
  absl::StatusOr<VideoTag> Video(Bytes payload) {
    return ParseVideoTag(payloads_.emplace_back(std::move(payload)));
  }
  absl::StatusOr<AudioTag> Audio(Bytes payload) {
    return ParseAudioTag(payloads_.emplace_back(std::move(payload)));
  }

 private:
  std::deque<Bytes> payloads_;
};
using ParseVideoTagTest = FlvTagTest;
using ParseAudioTagTest = FlvTagTest;

TEST_F(ParseVideoTagTest, LegacyAvcSequenceHeader) {
  const Bytes payload = {0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f};
  absl::StatusOr<VideoTag> tag = ParseVideoTag(payload);
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kH264);
  EXPECT_EQ(tag->frame_type, VideoFrameType::kKeyframe);
  EXPECT_EQ(tag->kind, VideoPacketKind::kSequenceHeader);
  EXPECT_EQ(tag->composition_time_ms, 0);
  EXPECT_FALSE(tag->enhanced);
  EXPECT_THAT(tag->body, ElementsAre(0x01, 0x64, 0x00, 0x1f));
  EXPECT_EQ(tag->body.data(), payload.data() + 5);  // a view, not a copy
}

TEST_F(ParseVideoTagTest, LegacyAvcCodedFramesWithSignedCompositionTime) {
  absl::StatusOr<VideoTag> tag = Video(Cat({{0x27, 0x01, 0x00, 0x00, 0x42}, kNalUnits}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->frame_type, VideoFrameType::kInter);
  EXPECT_EQ(tag->kind, VideoPacketKind::kCodedFrames);
  EXPECT_EQ(tag->composition_time_ms, 66);
  EXPECT_THAT(tag->body, ElementsAreArray(kNalUnits));

  tag = Video(Cat({{0x37, 0x01, 0xff, 0xff, 0xfe}, kNalUnits}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->frame_type, VideoFrameType::kDisposable);
  EXPECT_EQ(tag->composition_time_ms, -2);

  tag = Video(Bytes{0x17, 0x01, 0x80, 0x00, 0x00});
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->composition_time_ms, -8388608);
  EXPECT_TRUE(tag->body.empty());
  tag = Video(Bytes{0x17, 0x01, 0x7f, 0xff, 0xff});
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->composition_time_ms, 8388607);
}

TEST_F(ParseVideoTagTest, LegacyEndOfSequenceAndUnknownPacketType) {
  absl::StatusOr<VideoTag> tag = Video(Bytes{0x17, 0x02, 0, 0, 0});
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->kind, VideoPacketKind::kEndOfSequence);
  tag = Video(Bytes{0x17, 0x09, 0, 0, 0, 1});
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->codec, VideoCodec::kH264);
  EXPECT_EQ(tag->kind, VideoPacketKind::kOther);
}

TEST_F(ParseVideoTagTest, LegacyCodecIdTwelveIsHevc) {
  absl::StatusOr<VideoTag> tag = Video(Bytes{0x1c, 0x00, 0, 0, 0, 0x01, 0x01});
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kHevc);
  EXPECT_EQ(tag->kind, VideoPacketKind::kSequenceHeader);
  EXPECT_THAT(tag->body, ElementsAre(0x01, 0x01));

  tag = Video(Cat({{0x2c, 0x01, 0, 0, 0x21}, kNalUnits}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kHevc);
  EXPECT_EQ(tag->frame_type, VideoFrameType::kInter);
  EXPECT_EQ(tag->kind, VideoPacketKind::kCodedFrames);
  EXPECT_EQ(tag->composition_time_ms, 33);
}

TEST_F(ParseVideoTagTest, OtherLegacyCodecsAreUnknownNotErrors) {
  for (uint8_t codec_id : {0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 13, 14, 15}) {
    const Bytes payload = {static_cast<uint8_t>(0x20 | codec_id), 0xab};
    absl::StatusOr<VideoTag> tag = Video(payload);
    ASSERT_TRUE(tag.ok()) << int{codec_id} << ": " << tag.status();
    EXPECT_EQ(tag->codec, VideoCodec::kUnknown);
    EXPECT_EQ(tag->kind, VideoPacketKind::kOther);
    EXPECT_THAT(tag->body, ElementsAre(0xab));
  }
  // Even with nothing after the header byte.
  EXPECT_TRUE(Video(Bytes{0x22}).ok());
}

TEST_F(ParseVideoTagTest, LegacyCommandFrameCarriesOnlyTheCommand) {
  absl::StatusOr<VideoTag> tag = Video(Bytes{0x57, 0x01});
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->frame_type, VideoFrameType::kCommand);
  EXPECT_EQ(tag->kind, VideoPacketKind::kOther);
  EXPECT_THAT(tag->body, ElementsAre(0x01));
}

TEST_F(ParseVideoTagTest, EmptyAndReservedFrameTypesAreInvalid) {
  absl::StatusOr<VideoTag> tag = Video({});
  EXPECT_EQ(tag.status().code(), absl::StatusCode::kInvalidArgument);
  for (uint8_t first : {0x07, 0x67, 0xf1, 0x81, 0xe1}) {
    tag = Video(Cat({{first, 0x01, 0, 0, 0}, FourCc("avc1"), kNalUnits}));
    EXPECT_EQ(tag.status().code(), absl::StatusCode::kInvalidArgument) << int{first};
    EXPECT_THAT(std::string(tag.status().message()), HasSubstr("frame type"));
  }
}

TEST_F(ParseVideoTagTest, TruncatedLegacyHeaderIsDataLoss) {
  for (const Bytes& payload : {Bytes{0x17}, Bytes{0x17, 0x01}, Bytes{0x1c, 0x01, 0x00, 0x00}}) {
    absl::StatusOr<VideoTag> tag = Video(payload);
    EXPECT_EQ(tag.status().code(), absl::StatusCode::kDataLoss) << payload.size();
    EXPECT_THAT(std::string(tag.status().message()), HasSubstr("offset 1"));
  }
}

TEST_F(ParseVideoTagTest, EnhancedHevcSequenceStart) {
  const Bytes payload = Cat({{ExHeader(1, 0)}, FourCc("hvc1"), {0x01, 0x01, 0x60}});
  absl::StatusOr<VideoTag> tag = Video(payload);
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_TRUE(tag->enhanced);
  EXPECT_EQ(tag->codec, VideoCodec::kHevc);
  EXPECT_EQ(tag->frame_type, VideoFrameType::kKeyframe);
  EXPECT_EQ(tag->kind, VideoPacketKind::kSequenceHeader);
  EXPECT_THAT(tag->body, ElementsAre(0x01, 0x01, 0x60));
}

TEST_F(ParseVideoTagTest, EnhancedCodedFramesCarryCompositionTime) {
  absl::StatusOr<VideoTag> tag =
      Video(Cat({{ExHeader(1, 1)}, FourCc("hvc1"), {0x00, 0x00, 0x50}, kNalUnits}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->kind, VideoPacketKind::kCodedFrames);
  EXPECT_EQ(tag->frame_type, VideoFrameType::kKeyframe);
  EXPECT_EQ(tag->composition_time_ms, 80);
  EXPECT_THAT(tag->body, ElementsAreArray(kNalUnits));

  tag = Video(Cat({{ExHeader(2, 1)}, FourCc("avc1"), {0xff, 0xff, 0xdf}, kNalUnits}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kH264);
  EXPECT_EQ(tag->frame_type, VideoFrameType::kInter);
  EXPECT_EQ(tag->composition_time_ms, -33);
  EXPECT_THAT(tag->body, ElementsAreArray(kNalUnits));
}

TEST_F(ParseVideoTagTest, EnhancedCodedFramesXHasNoCompositionTime) {
  absl::StatusOr<VideoTag> tag = Video(Cat({{ExHeader(2, 3)}, FourCc("hvc1"), kNalUnits}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kHevc);
  EXPECT_EQ(tag->kind, VideoPacketKind::kCodedFrames);
  EXPECT_EQ(tag->composition_time_ms, 0);
  EXPECT_THAT(tag->body, ElementsAreArray(kNalUnits));
}

TEST_F(ParseVideoTagTest, EnhancedSequenceEndMetadataAndTsSequenceStart) {
  absl::StatusOr<VideoTag> tag = Video(Cat({{ExHeader(1, 2)}, FourCc("avc1")}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->kind, VideoPacketKind::kEndOfSequence);
  EXPECT_TRUE(tag->body.empty());

  // Metadata ignores the frame type, even a reserved one.
  const Bytes amf = {0x02, 0x00, 0x09, 'c', 'o', 'l', 'o', 'r', 'I', 'n', 'f', 'o'};
  tag = Video(Cat({{ExHeader(0, 4)}, FourCc("hvc1"), amf}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->kind, VideoPacketKind::kMetadata);
  EXPECT_THAT(tag->body, ElementsAreArray(amf));

  tag = Video(Cat({{ExHeader(1, 5)}, FourCc("hvc1"), {0x38}}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->kind, VideoPacketKind::kOther);
}

TEST_F(ParseVideoTagTest, EnhancedOtherFourCcsAreUnknownNotErrors) {
  for (const Bytes& fourcc : {FourCc("av01"), FourCc("vp09"), FourCc("vp08"), FourCc("xyzw")}) {
    absl::StatusOr<VideoTag> tag = Video(Cat({{ExHeader(1, 1)}, fourcc, {0x0a, 0x0b}}));
    ASSERT_TRUE(tag.ok()) << tag.status();
    EXPECT_EQ(tag->codec, VideoCodec::kUnknown);
    EXPECT_EQ(tag->kind, VideoPacketKind::kOther);
    EXPECT_EQ(tag->composition_time_ms, 0);
    EXPECT_THAT(tag->body, ElementsAre(0x0a, 0x0b));
  }
}

TEST_F(ParseVideoTagTest, EnhancedModExPrefixesAreSkipped) {
  // ModEx (7), a 3-byte TimestampOffsetNano, then type byte: ModExType 0 | CodedFrames.
  absl::StatusOr<VideoTag> tag = Video(Cat(
      {{ExHeader(1, 7), 0x02, 0x00, 0x01, 0x2c, 0x01}, FourCc("hvc1"), {0, 0, 0x10}, kNalUnits}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kHevc);
  EXPECT_EQ(tag->kind, VideoPacketKind::kCodedFrames);
  EXPECT_EQ(tag->composition_time_ms, 16);
  EXPECT_THAT(tag->body, ElementsAreArray(kNalUnits));

  // Two ModEx rounds, the second with a 16-bit size (0xff escape): 300 bytes.
  Bytes payload = {ExHeader(2, 7), 0x00, 0xaa, 0x07, 0xff, 0x01, 0x2b};
  payload.insert(payload.end(), 300, 0xee);
  payload.push_back(0x03);  // CodedFramesX
  payload = Cat({payload, FourCc("avc1"), kNalUnits});
  tag = Video(payload);
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kH264);
  EXPECT_EQ(tag->kind, VideoPacketKind::kCodedFrames);
  EXPECT_THAT(tag->body, ElementsAreArray(kNalUnits));
}

TEST_F(ParseVideoTagTest, EnhancedCommandFrameHasNoFourCc) {
  absl::StatusOr<VideoTag> tag = Video(Bytes{ExHeader(5, 1), 0x00});
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->frame_type, VideoFrameType::kCommand);
  EXPECT_EQ(tag->codec, VideoCodec::kUnknown);
  EXPECT_EQ(tag->kind, VideoPacketKind::kOther);
  EXPECT_THAT(tag->body, ElementsAre(0x00));
  EXPECT_EQ(Video(Bytes{ExHeader(5, 1)}).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(ParseVideoTagTest, EnhancedMultitrackIsOther) {
  // Multitrack (6), OneTrack | CodedFrames, FourCC, then the track.
  absl::StatusOr<VideoTag> tag =
      Video(Cat({{ExHeader(1, 6), 0x01}, FourCc("hvc1"), {0x00}, kNalUnits}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kHevc);
  EXPECT_EQ(tag->kind, VideoPacketKind::kOther);
  // ManyTracksManyCodecs: the FourCCs are per track.
  tag = Video(Cat({{ExHeader(1, 6), 0x21}, FourCc("hvc1"), {0x00}}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kUnknown);
  EXPECT_EQ(tag->kind, VideoPacketKind::kOther);
}

TEST_F(ParseVideoTagTest, TruncatedEnhancedHeadersAreDataLoss) {
  const std::vector<Bytes> payloads = {
      {ExHeader(1, 0), 'h', 'v', 'c'},                        // FourCC
      Cat({{ExHeader(1, 1)}, FourCc("hvc1"), {0x00, 0x00}}),  // composition time
      {ExHeader(1, 7)},                                       // ModEx size
      {ExHeader(1, 7), 0x03, 0x00, 0x00},                     // ModEx data
      {ExHeader(1, 7), 0xff, 0x01},                           // ModEx 16-bit size
      {ExHeader(1, 7), 0x00, 0x00},                           // ModEx type byte
      {ExHeader(1, 6)},                                       // multitrack type
      {ExHeader(1, 6), 0x01, 'h', 'v'},                       // multitrack FourCC
  };
  for (const Bytes& payload : payloads) {
    absl::StatusOr<VideoTag> tag = Video(payload);
    EXPECT_EQ(tag.status().code(), absl::StatusCode::kDataLoss)
        << ::testing::PrintToString(payload);
    EXPECT_THAT(std::string(tag.status().message()), HasSubstr("offset"));
  }
}

TEST_F(ParseAudioTagTest, AacSequenceHeaderAndFrames) {
  absl::StatusOr<AudioTag> tag = Audio(Bytes{0xaf, 0x00, 0x12, 0x10});
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, AudioCodec::kAac);
  EXPECT_TRUE(tag->sequence_header);
  EXPECT_THAT(tag->body, ElementsAre(0x12, 0x10));
  tag = Audio(Bytes{0xaf, 0x01, 0x21, 0x1b});
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_FALSE(tag->sequence_header);
  EXPECT_THAT(tag->body, ElementsAre(0x21, 0x1b));
  EXPECT_EQ(Audio(Bytes{0xaf}).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(ParseAudioTagTest, Mp3AndOtherFormats) {
  absl::StatusOr<AudioTag> tag = Audio(Bytes{0x2f, 0xff, 0xfb});
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->codec, AudioCodec::kMp3);
  EXPECT_FALSE(tag->sequence_header);
  EXPECT_THAT(tag->body, ElementsAre(0xff, 0xfb));
  tag = Audio(Bytes{0xe2, 0xff});
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->codec, AudioCodec::kMp3);
  for (uint8_t format : {0, 1, 3, 4, 5, 6, 7, 8, 11, 15}) {
    tag = Audio(Bytes{static_cast<uint8_t>(format << 4 | 0x0e), 0x01});
    ASSERT_TRUE(tag.ok()) << int{format};
    EXPECT_EQ(tag->codec, AudioCodec::kOther) << int{format};
    EXPECT_THAT(tag->body, ElementsAre(0x01));
  }
  EXPECT_EQ(Audio({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ParseAudioTagTest, EnhancedAudioHeader) {
  // SoundFormat 9 (ExHeader) | SequenceStart, FourCC, AudioSpecificConfig.
  absl::StatusOr<AudioTag> tag = Audio(Cat({{0x90}, FourCc("mp4a"), {0x12, 0x10}}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, AudioCodec::kAac);
  EXPECT_TRUE(tag->sequence_header);
  EXPECT_THAT(tag->body, ElementsAre(0x12, 0x10));
  tag = Audio(Cat({{0x91}, FourCc(".mp3"), {0xff, 0xfb}}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, AudioCodec::kMp3);
  EXPECT_FALSE(tag->sequence_header);
  tag = Audio(Cat({{0x97, 0x02, 0, 0, 1, 0x00}, FourCc("Opus"), {0x4f}}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, AudioCodec::kOther);
  EXPECT_THAT(tag->body, ElementsAre(0x4f));
  tag = Audio(Cat({{0x95, 0x01}, FourCc("mp4a"), {0x00, 0x21}}));
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, AudioCodec::kAac);
  EXPECT_FALSE(tag->sequence_header);
  EXPECT_EQ(Audio(Bytes{0x90, 'm', 'p'}).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Audio(Bytes{0x97, 0x05}).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace livesnap::rtmp
