// The parsers against what the real encoders and muxers write: ffmpeg with
// libx264 to FLV (as an RTMP push carries it) and libx265 to MP4 and Annex B,
// checked against ffprobe's view of the same files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "media/codec_config.h"
#include "media/nal.h"
#include "media/sps.h"
#include "rtmp/flv_file.h"
#include "rtmp/flv_tag.h"

namespace livesnap::rtmp {
namespace {

namespace fs = std::filesystem;
using namespace ::livesnap::media;

// A tag with its own copy of the body, so that it outlives the file.
struct FlvFileTag {
  uint8_t type = 0;
  uint32_t timestamp_ms = 0;
  std::vector<uint8_t> body;
};

absl::StatusOr<std::vector<FlvFileTag>> ReadFlvFile(const fs::path& path) {
  absl::StatusOr<FlvFile> file = FlvFile::Read(path);
  if (!file.ok()) return file.status();
  std::vector<FlvFileTag> tags;
  for (const FlvTag& tag : file->tags()) {
    tags.push_back({tag.type, tag.timestamp_ms, {tag.body.begin(), tag.body.end()}});
  }
  return tags;
}

class TempDir {
 public:
  TempDir() {
    std::string path = (fs::temp_directory_path() / "rtmp_test.XXXXXX").string();
    if (::mkdtemp(path.data()) == nullptr) std::abort();
    path_ = path;
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Runs a shell command; paths in it are temp paths without quotes to escape.
std::string RunOrDie(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << command;
    return "";
  }
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << command << "\n" << output;
  return output;
}

// `ffmpeg -f lavfi -i testsrc2=...` encoding `frames` frames with `codec_args`.
void Encode(const fs::path& out, const std::string& size, int frames, const std::string& codec_args,
            const std::string& format) {
  RunOrDie("ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i testsrc2=size=" + size +
           ":rate=30 -frames:v " + std::to_string(frames) + " " + codec_args + " -f " + format +
           " " + out.string());
}

std::vector<uint8_t> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

// ffprobe's video packets, each as its key=value fields.
std::vector<std::map<std::string, std::string>> ProbePackets(const fs::path& file,
                                                             const std::string& entries) {
  const std::string output =
      RunOrDie("ffprobe -v error -select_streams v:0 -show_entries packet=" + entries +
               " -of compact=p=0 " + file.string());
  std::vector<std::map<std::string, std::string>> packets;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto& fields = packets.emplace_back();
    std::istringstream pairs(line);
    std::string pair;
    while (std::getline(pairs, pair, '|')) {
      const size_t eq = pair.find('=');
      if (eq != std::string::npos) fields[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
  }
  return packets;
}

std::vector<FlvFileTag> VideoTags(const fs::path& flv) {
  absl::StatusOr<std::vector<FlvFileTag>> tags = ReadFlvFile(flv);
  EXPECT_TRUE(tags.ok()) << tags.status();
  std::vector<FlvFileTag> video;
  for (FlvFileTag& tag : *tags) {
    if (tag.type == FlvTag::kVideo) video.push_back(std::move(tag));
  }
  return video;
}

TEST(RealStreamsTest, X264FlvParsesLikeFfprobeSeesIt) {
  TempDir dir;
  const fs::path flv = dir / "clip.flv";
  RunOrDie(
      "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "
      "testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 "
      "-t 2 -c:v libx264 -preset veryfast -g 30 -pix_fmt yuv420p -c:a aac -f flv " +
      flv.string());
  absl::StatusOr<std::vector<FlvFileTag>> tags = ReadFlvFile(flv);
  ASSERT_TRUE(tags.ok()) << tags.status();

  std::vector<const FlvFileTag*> video, audio;
  for (const FlvFileTag& tag : *tags) {
    if (tag.type == FlvTag::kVideo) video.push_back(&tag);
    if (tag.type == FlvTag::kAudio) audio.push_back(&tag);
  }
  ASSERT_GE(video.size(), 3u);

  // The sequence header comes first.
  absl::StatusOr<VideoTag> header = ParseVideoTag(video.front()->body);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->codec, VideoCodec::kH264);
  EXPECT_EQ(header->frame_type, VideoFrameType::kKeyframe);
  ASSERT_EQ(header->kind, VideoPacketKind::kSequenceHeader);
  absl::StatusOr<VideoConfig> config = ParseAvcDecoderConfigurationRecord(header->body);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->width, 1280);
  EXPECT_EQ(config->height, 720);
  EXPECT_EQ(config->profile, "High");
  EXPECT_EQ(config->level, 31);
  EXPECT_EQ(config->nal_length_size, 4);
  EXPECT_EQ(config->sps.size(), 1u);
  EXPECT_EQ(config->pps.size(), 1u);

  // ffmpeg's FLV muxer closes an H.264 stream with an end-of-sequence tag.
  absl::StatusOr<VideoTag> last = ParseVideoTag(video.back()->body);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->kind, VideoPacketKind::kEndOfSequence);

  const auto packets = ProbePackets(flv, "pts,dts,flags");
  ASSERT_EQ(packets.size(), 60u);
  int keyframes = 0, probe_keyframes = 0;
  size_t frame = 0;
  for (size_t i = 1; i + 1 < video.size(); ++i, ++frame) {
    SCOPED_TRACE("video tag " + std::to_string(i));
    absl::StatusOr<VideoTag> tag = ParseVideoTag(video[i]->body);
    ASSERT_TRUE(tag.ok()) << tag.status();
    ASSERT_EQ(tag->kind, VideoPacketKind::kCodedFrames);
    ASSERT_LT(frame, packets.size());
    const auto& packet = packets[frame];
    const bool probe_key = packet.at("flags").find('K') != std::string::npos;
    const bool flagged_key = tag->frame_type == VideoFrameType::kKeyframe;
    EXPECT_EQ(flagged_key, probe_key);
    EXPECT_EQ(std::to_string(video[i]->timestamp_ms), packet.at("dts"));
    EXPECT_EQ(tag->composition_time_ms, std::stoi(packet.at("pts")) - std::stoi(packet.at("dts")));

    absl::Status error;
    EXPECT_EQ(
        ContainsRandomAccessPicture(VideoCodec::kH264, config->nal_length_size, tag->body, &error),
        flagged_key);
    EXPECT_TRUE(error.ok()) << error;
    int units = 0;
    EXPECT_TRUE(ForEachNalUnit(config->nal_length_size, tag->body, [&](auto) { ++units; }).ok());
    EXPECT_GE(units, 1);
    keyframes += flagged_key;
    probe_keyframes += probe_key;
  }
  EXPECT_EQ(frame, packets.size());
  EXPECT_EQ(keyframes, probe_keyframes);
  EXPECT_EQ(keyframes, 2);  // -g 30 over 60 frames

  // AAC: the AudioSpecificConfig first, then raw frames.
  ASSERT_GE(audio.size(), 2u);
  absl::StatusOr<AudioTag> asc = ParseAudioTag(audio.front()->body);
  ASSERT_TRUE(asc.ok()) << asc.status();
  EXPECT_EQ(asc->codec, AudioCodec::kAac);
  EXPECT_TRUE(asc->sequence_header);
  ASSERT_GE(asc->body.size(), 2u);
  EXPECT_EQ(asc->body[0] >> 3, 2);  // audioObjectType 2: AAC LC
  for (size_t i = 1; i < audio.size(); ++i) {
    absl::StatusOr<AudioTag> tag = ParseAudioTag(audio[i]->body);
    ASSERT_TRUE(tag.ok()) << tag.status();
    EXPECT_EQ(tag->codec, AudioCodec::kAac);
    EXPECT_FALSE(tag->sequence_header);
  }
}

TEST(RealStreamsTest, Mp3InFlv) {
  TempDir dir;
  const fs::path flv = dir / "mp3.flv";
  RunOrDie(
      "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "
      "sine=frequency=440:sample_rate=44100 -t 0.5 -c:a libmp3lame -f flv " +
      flv.string());
  absl::StatusOr<std::vector<FlvFileTag>> tags = ReadFlvFile(flv);
  ASSERT_TRUE(tags.ok()) << tags.status();
  int frames = 0;
  for (const FlvFileTag& tag : *tags) {
    if (tag.type != FlvTag::kAudio) continue;
    absl::StatusOr<AudioTag> audio = ParseAudioTag(tag.body);
    ASSERT_TRUE(audio.ok()) << audio.status();
    EXPECT_EQ(audio->codec, AudioCodec::kMp3);
    EXPECT_FALSE(audio->sequence_header);
    ++frames;
  }
  EXPECT_GT(frames, 5);
}

struct SizeCase {
  std::string size;
  std::string codec_args;
  int width;
  int height;
  std::string profile;
};

void PrintTo(const SizeCase& c, std::ostream* os) { *os << c.size << " " << c.codec_args; }

class H264SizeTest : public ::testing::TestWithParam<SizeCase> {};

TEST_P(H264SizeTest, RecordFromFlvHasTheExactSize) {
  const SizeCase& c = GetParam();
  TempDir dir;
  const fs::path flv = dir / "one.flv";
  Encode(flv, c.size, 1, "-c:v libx264 " + c.codec_args, "flv");
  const std::vector<FlvFileTag> video = VideoTags(flv);
  ASSERT_FALSE(video.empty());
  absl::StatusOr<VideoTag> tag = ParseVideoTag(video.front().body);
  ASSERT_TRUE(tag.ok()) << tag.status();
  ASSERT_EQ(tag->kind, VideoPacketKind::kSequenceHeader);
  absl::StatusOr<VideoConfig> config = ParseAvcDecoderConfigurationRecord(tag->body);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->width, c.width);
  EXPECT_EQ(config->height, c.height);
  EXPECT_EQ(config->profile, c.profile);
  // The one coded frame is an IDR.
  ASSERT_GE(video.size(), 2u);
  tag = ParseVideoTag(video[1].body);
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->frame_type, VideoFrameType::kKeyframe);
  EXPECT_TRUE(ContainsRandomAccessPicture(VideoCodec::kH264, config->nal_length_size, tag->body));
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, H264SizeTest,
    ::testing::Values(
        SizeCase{"1920x1080", "-preset ultrafast -pix_fmt yuv420p", 1920, 1080,
                 "Constrained Baseline"},
        SizeCase{"854x480", "-preset veryfast -pix_fmt yuv420p", 854, 480, "High"},
        SizeCase{"640x360", "-preset veryfast -pix_fmt yuv420p", 640, 360, "High"},
        SizeCase{"642x362", "-preset ultrafast -pix_fmt yuv422p", 642, 362, "High 4:2:2"},
        SizeCase{"706x398", "-preset ultrafast -pix_fmt yuv444p", 706, 398,
                 "High 4:4:4 Predictive"},
        SizeCase{"1280x720", "-preset ultrafast -pix_fmt yuv420p10le", 1280, 720, "High 10"},
        // Field coding (frame_mbs_only_flag 0) with scaling matrices.
        SizeCase{"1920x1080", "-preset veryfast -pix_fmt yuv420p -x264-params interlaced=1:cqm=jvt",
                 1920, 1080, "High"}));

// The Annex B NAL units of a file, without start codes.
std::vector<std::vector<uint8_t>> SplitAnnexB(const std::vector<uint8_t>& data) {
  std::vector<size_t> starts;
  for (size_t i = 0; i + 3 <= data.size(); ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) starts.push_back(i + 3);
  }
  std::vector<std::vector<uint8_t>> nals;
  for (size_t k = 0; k < starts.size(); ++k) {
    size_t end = k + 1 < starts.size() ? starts[k + 1] - 3 : data.size();
    while (end > starts[k] && data[end - 1] == 0) --end;  // a 4-byte start code's zero
    nals.emplace_back(data.begin() + static_cast<ptrdiff_t>(starts[k]),
                      data.begin() + static_cast<ptrdiff_t>(end));
  }
  return nals;
}

class HevcSizeTest : public ::testing::TestWithParam<SizeCase> {};

TEST_P(HevcSizeTest, SpsFromAnnexBHasTheExactSize) {
  const SizeCase& c = GetParam();
  TempDir dir;
  const fs::path hevc = dir / "one.hevc";
  Encode(hevc, c.size, 1,
         "-c:v libx265 -preset ultrafast -x265-params log-level=error " + c.codec_args, "hevc");
  int sps_count = 0;
  for (const std::vector<uint8_t>& nal : SplitAnnexB(ReadBytes(hevc))) {
    if (nal.empty() || HevcNalType(nal) != 33) continue;
    ++sps_count;
    absl::StatusOr<SpsInfo> info = ParseHevcSps(nal);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->width, c.width);
    EXPECT_EQ(info->height, c.height);
    EXPECT_EQ(info->profile, c.profile);
  }
  EXPECT_EQ(sps_count, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, HevcSizeTest,
    ::testing::Values(SizeCase{"1280x720", "-pix_fmt yuv420p", 1280, 720, "Main"},
                      SizeCase{"1920x1080", "-pix_fmt yuv420p", 1920, 1080, "Main"},
                      SizeCase{"854x480", "-pix_fmt yuv420p", 854, 480, "Main"},
                      SizeCase{"640x360", "-pix_fmt yuv420p10le", 640, 360, "Main 10"},
                      SizeCase{"642x362", "-pix_fmt yuv422p", 642, 362, "Rext"}));

// The payload of the first box of `type` inside the top-level box `parent`
// of an ISO BMFF file (searched, not walked, below the top level: moov holds
// no media data in which the FourCC could appear by chance).
std::vector<uint8_t> FindBoxIn(const std::vector<uint8_t>& file, std::string_view parent,
                               std::string_view type) {
  auto u32 = [&](size_t at) {
    return uint32_t{file[at]} << 24 | uint32_t{file[at + 1]} << 16 | uint32_t{file[at + 2]} << 8 |
           file[at + 3];
  };
  for (size_t at = 0; at + 8 <= file.size();) {
    const size_t size = u32(at);
    if (size < 8 || at + size > file.size()) break;
    if (std::string_view(reinterpret_cast<const char*>(&file[at + 4]), 4) == parent) {
      for (size_t i = at + 8; i + 8 <= at + size; ++i) {
        if (std::string_view(reinterpret_cast<const char*>(&file[i + 4]), 4) != type) continue;
        const size_t box_size = u32(i);
        if (box_size < 8 || i + box_size > at + size) continue;
        return std::vector<uint8_t>(file.begin() + static_cast<ptrdiff_t>(i + 8),
                                    file.begin() + static_cast<ptrdiff_t>(i + box_size));
      }
    }
    at += size;
  }
  return {};
}

TEST(RealStreamsTest, X265Mp4RecordAndRandomAccessPictures) {
  TempDir dir;
  const fs::path mp4 = dir / "clip.mp4";
  Encode(mp4, "1280x720", 30,
         "-c:v libx265 -preset ultrafast -x265-params "
         "log-level=error:keyint=15:min-keyint=15:scenecut=0 -tag:v hvc1",
         "mp4");
  const std::vector<uint8_t> file = ReadBytes(mp4);
  const std::vector<uint8_t> record = FindBoxIn(file, "moov", "hvcC");
  ASSERT_FALSE(record.empty());
  absl::StatusOr<VideoConfig> config = ParseHevcDecoderConfigurationRecord(record);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->codec, VideoCodec::kHevc);
  EXPECT_EQ(config->width, 1280);
  EXPECT_EQ(config->height, 720);
  EXPECT_EQ(config->profile, "Main");
  EXPECT_EQ(config->level, 93);
  EXPECT_EQ(config->nal_length_size, 4);
  EXPECT_EQ(config->vps.size(), 1u);
  EXPECT_EQ(config->sps.size(), 1u);
  EXPECT_EQ(config->pps.size(), 1u);

  // Each sample is an access unit of length-prefixed NAL units, as in an
  // Enhanced RTMP CodedFrames message.
  const auto packets = ProbePackets(mp4, "pos,size,flags");
  ASSERT_EQ(packets.size(), 30u);
  int keyframes = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    const size_t pos = std::stoul(packets[i].at("pos"));
    const size_t size = std::stoul(packets[i].at("size"));
    ASSERT_LE(pos + size, file.size());
    const std::span<const uint8_t> sample(file.data() + pos, size);
    const bool probe_key = packets[i].at("flags").find('K') != std::string::npos;
    absl::Status error;
    EXPECT_EQ(
        ContainsRandomAccessPicture(VideoCodec::kHevc, config->nal_length_size, sample, &error),
        probe_key);
    EXPECT_TRUE(error.ok()) << error;
    keyframes += probe_key;

    // Wrapped as Enhanced RTMP and as legacy codec id 12, it parses back.
    std::vector<uint8_t> enhanced = {static_cast<uint8_t>(probe_key ? 0x93 : 0xa3), 'h', 'v', 'c',
                                     '1'};
    enhanced.insert(enhanced.end(), sample.begin(), sample.end());
    absl::StatusOr<VideoTag> tag = ParseVideoTag(enhanced);
    ASSERT_TRUE(tag.ok()) << tag.status();
    EXPECT_EQ(tag->codec, VideoCodec::kHevc);
    EXPECT_EQ(tag->kind, VideoPacketKind::kCodedFrames);
    EXPECT_EQ(tag->frame_type == VideoFrameType::kKeyframe, probe_key);
    EXPECT_EQ(tag->body.size(), sample.size());
  }
  EXPECT_EQ(keyframes, 2);

  std::vector<uint8_t> sequence_start = {0x90, 'h', 'v', 'c', '1'};
  sequence_start.insert(sequence_start.end(), record.begin(), record.end());
  absl::StatusOr<VideoTag> tag = ParseVideoTag(sequence_start);
  ASSERT_TRUE(tag.ok()) << tag.status();
  ASSERT_EQ(tag->kind, VideoPacketKind::kSequenceHeader);
  EXPECT_TRUE(ParseHevcDecoderConfigurationRecord(tag->body).ok());
  std::vector<uint8_t> legacy = {0x1c, 0x00, 0x00, 0x00, 0x00};
  legacy.insert(legacy.end(), record.begin(), record.end());
  tag = ParseVideoTag(legacy);
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(tag->codec, VideoCodec::kHevc);
  ASSERT_EQ(tag->kind, VideoPacketKind::kSequenceHeader);
  EXPECT_EQ(ParseHevcDecoderConfigurationRecord(tag->body)->width, 1280);
}

}  // namespace
}  // namespace livesnap::rtmp
