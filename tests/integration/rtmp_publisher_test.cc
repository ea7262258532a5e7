// The Publisher over a real socket into RtmpServer + MediaHub: it pushes
// what ffmpeg 5.1 cannot (HEVC from a real libx265 encode, as Enhanced RTMP
// 'hvc1' and as legacy codec id 12), replays an ffmpeg-made FLV clip, and
// reads the server's own status code when a live stream is published twice.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>

#include "base/clock.h"
#include "media/hub.h"
#include "rtmp/flv_file.h"
#include "rtmp/publisher.h"
#include "rtmp/server.h"
#include "tests/support/hevc_clip.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/raw_client.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

// Drives a Publisher over a blocking socket.
class SocketPublisher {
 public:
  SocketPublisher(uint16_t port, rtmp::PublisherOptions options)
      : port_(port), publisher_(std::move(options)) {}

  // Connects and runs the command flow until publishing or refused.
  absl::Status Start() {
    if (!client_.Connect(port_)) return absl::UnavailableError("connect failed");
    publisher_.Start(out_);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!publisher_.publishing()) {
      if (absl::Status s = Flush(); !s.ok()) return s;
      if (std::chrono::steady_clock::now() > deadline) {
        return absl::DeadlineExceededError("no NetStream.Publish.Start");
      }
      if (absl::Status s = Poll(100ms); !s.ok()) return s;
    }
    return Flush();
  }

  absl::Status Send(uint8_t type, uint32_t timestamp_ms, std::span<const uint8_t> body) {
    if (absl::Status s = publisher_.SendTag(type, timestamp_ms, body, out_); !s.ok()) return s;
    if (absl::Status s = Poll(0ms); !s.ok()) return s;  // pings and the like
    return Flush();
  }

  absl::Status Metadata(const rtmp::amf0::Value& metadata) {
    if (absl::Status s = publisher_.SendMetadata(metadata, out_); !s.ok()) return s;
    return Flush();
  }

  absl::Status Unpublish() {
    if (absl::Status s = publisher_.Unpublish(out_); !s.ok()) return s;
    return Flush();
  }

  const rtmp::Publisher& publisher() const { return publisher_; }

 private:
  absl::Status Flush() {
    if (!out_.empty() && !client_.Send(out_)) return absl::UnavailableError("send failed");
    out_.clear();
    return absl::OkStatus();
  }

  absl::Status Poll(std::chrono::milliseconds timeout) {
    in_.clear();
    const int n = client_.ReceiveSome(in_, timeout);
    if (n < 0) return absl::UnavailableError("the server closed the connection");
    return n == 0 ? absl::OkStatus() : publisher_.OnBytes(in_, out_);
  }

  uint16_t port_;
  testing::RawClient client_;
  rtmp::Publisher publisher_;
  Bytes out_, in_;
};

struct Recorded {
  int configs = 0;
  media::VideoCodec codec = media::VideoCodec::kUnknown;
  int width = 0;
  int height = 0;
  int frames = 0;
  int keyframes = 0;
  std::vector<int64_t> dts_ms;
  std::vector<int64_t> pts_ms;
  bool stopped = false;
  media::StopReason reason = media::StopReason::kDisconnected;
};

// What the hub hands a subscriber, per stream key.
class Recorder : public media::StreamSubscriber {
 public:
  std::unique_ptr<media::StreamSink> OnPublishStart(const media::StreamInfo& info) override {
    std::lock_guard lock(mu_);
    streams_[info.key.ToString()] = Recorded{};
    return std::make_unique<Sink>(this, info.key.ToString());
  }

  Recorded Get(const std::string& key) {
    std::lock_guard lock(mu_);
    return streams_[key];
  }

 private:
  class Sink : public media::StreamSink {
   public:
    Sink(Recorder* recorder, std::string key) : recorder_(recorder), key_(std::move(key)) {}
    void OnVideoConfig(std::shared_ptr<const media::VideoConfig> config) override {
      std::lock_guard lock(recorder_->mu_);
      Recorded& r = recorder_->streams_[key_];
      ++r.configs;
      r.codec = config->codec;
      r.width = config->width;
      r.height = config->height;
    }
    void OnVideoFrame(const media::VideoFrame& frame) override {
      std::lock_guard lock(recorder_->mu_);
      Recorded& r = recorder_->streams_[key_];
      ++r.frames;
      r.keyframes += frame.keyframe;
      r.dts_ms.push_back(frame.dts_ms);
      r.pts_ms.push_back(frame.pts_ms);
    }
    void OnStop(media::StopReason reason, const media::StreamStats&) override {
      std::lock_guard lock(recorder_->mu_);
      Recorded& r = recorder_->streams_[key_];
      r.stopped = true;
      r.reason = reason;
    }

   private:
    Recorder* recorder_;
    std::string key_;
  };

  std::mutex mu_;
  std::map<std::string, Recorded> streams_;
};

void PutSi24(Bytes& out, int32_t value) {
  const auto v = static_cast<uint32_t>(value);
  out.insert(out.end(), {static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                         static_cast<uint8_t>(v)});
}

// Enhanced RTMP ExVideoTagHeader: IsExHeader, FrameType(3), PacketType(4), FourCC.
Bytes EnhancedHeader(bool keyframe, int packet_type) {
  return {static_cast<uint8_t>(0x80 | (keyframe ? 1 : 2) << 4 | packet_type), 'h', 'v', 'c', '1'};
}

// Legacy VideoTagHeader with the codec id 12 extension, then AVCPacketType and SI24.
Bytes LegacyHeader(bool keyframe, uint8_t packet_type, int32_t composition_ms) {
  Bytes header = {static_cast<uint8_t>((keyframe ? 1 : 2) << 4 | 12), packet_type};
  PutSi24(header, composition_ms);
  return header;
}

Bytes Concat(Bytes head, std::span<const uint8_t> tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

class RtmpPublisherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    testing::HevcClipSpec spec;
    spec.seconds = 2;
    spec.width = 640;
    spec.height = 360;
    spec.gop_frames = 10;
    hevc_ = new testing::HevcClip(testing::MakeHevcClip(dir_->path(), spec));
  }
  static void TearDownTestSuite() {
    delete hevc_;
    delete dir_;
  }

  void SetUp() override {
    hub_.AddSubscriber(&recorder_);
    rtmp::RtmpServerOptions options;
    options.listen_host = "127.0.0.1";
    options.port = 0;
    auto server = rtmp::RtmpServer::Create(options, hub_, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    server_->Start();
  }
  void TearDown() override { server_->Stop(); }

  rtmp::PublisherOptions Options(const std::string& stream) const {
    return *rtmp::PublisherOptionsFromUrl("rtmp://127.0.0.1:" + std::to_string(server_->port()) +
                                          "/live/" + stream);
  }

  // Waits for the publish of `stream` to end and returns what the hub saw.
  Recorded Finished(const std::string& stream) {
    const std::string key = "127.0.0.1/live/" + stream;
    EXPECT_TRUE(testing::WaitFor([&] { return recorder_.Get(key).stopped; }, 10s)) << key;
    return recorder_.Get(key);
  }

  void ExpectWholeHevcClip(const Recorded& r) {
    EXPECT_EQ(r.codec, media::VideoCodec::kHevc);
    EXPECT_EQ(r.configs, 1);
    EXPECT_EQ(r.width, 640);
    EXPECT_EQ(r.height, 360);
    EXPECT_EQ(r.frames, static_cast<int>(hevc_->frames.size()));
    EXPECT_EQ(r.keyframes, hevc_->keyframes);
    EXPECT_EQ(r.reason, media::StopReason::kUnpublished);
    ASSERT_EQ(r.dts_ms.size(), hevc_->frames.size());
    for (size_t i = 0; i < hevc_->frames.size(); ++i) {
      EXPECT_EQ(r.dts_ms[i], hevc_->frames[i].dts_ms) << i;
      EXPECT_EQ(r.pts_ms[i] - r.dts_ms[i], hevc_->frames[i].composition_offset_ms) << i;
    }
  }

  static testing::TempDir* dir_;
  static testing::HevcClip* hevc_;

  prometheus::Registry metrics_;
  media::MediaHub hub_{SystemClock::Instance(), metrics_};
  Recorder recorder_;
  std::unique_ptr<rtmp::RtmpServer> server_;
};

testing::TempDir* RtmpPublisherTest::dir_ = nullptr;
testing::HevcClip* RtmpPublisherTest::hevc_ = nullptr;

TEST_F(RtmpPublisherTest, TheClipIsRealHevcWithBFramesAndKeyframes) {
  EXPECT_EQ(hevc_->frames.size(), 50u);
  EXPECT_EQ(hevc_->keyframes, 5);
  bool reordered = false;
  for (const testing::HevcFrame& frame : hevc_->frames)
    reordered |= frame.composition_offset_ms > 0;
  EXPECT_TRUE(reordered);
}

TEST_F(RtmpPublisherTest, HevcOverEnhancedRtmp) {
  SocketPublisher pub(server_->port(), Options("hevc_enhanced"));
  ASSERT_TRUE(pub.Start().ok());
  ASSERT_TRUE(pub.Metadata(rtmp::amf0::Value::EcmaArray(
                               {{"videocodecid", rtmp::amf0::Value::Number(0x68766331)}}))
                  .ok());
  ASSERT_TRUE(pub.Send(rtmp::kVideo, 0, Concat(EnhancedHeader(true, 0), hevc_->record)).ok());
  for (const testing::HevcFrame& frame : hevc_->frames) {
    // CodedFrames carries an SI24 composition time; CodedFramesX (offset 0) none.
    Bytes tag;
    if (frame.composition_offset_ms != 0) {
      tag = EnhancedHeader(frame.keyframe, 1);
      PutSi24(tag, frame.composition_offset_ms);
    } else {
      tag = EnhancedHeader(frame.keyframe, 3);
    }
    ASSERT_TRUE(
        pub.Send(rtmp::kVideo, static_cast<uint32_t>(frame.dts_ms), Concat(tag, frame.data)).ok());
  }
  ASSERT_TRUE(pub.Send(rtmp::kVideo, static_cast<uint32_t>(hevc_->frames.back().dts_ms),
                       EnhancedHeader(false, 2))
                  .ok());  // SequenceEnd
  ASSERT_TRUE(pub.Unpublish().ok());
  ExpectWholeHevcClip(Finished("hevc_enhanced"));
}

TEST_F(RtmpPublisherTest, HevcWithTheLegacyCodecId12) {
  rtmp::PublisherOptions options = Options("hevc_legacy");
  options.chunk_size = 128;  // frames span many chunks
  options.handshake = rtmp::HandshakeFlavor::kPlain;
  SocketPublisher pub(server_->port(), options);
  ASSERT_TRUE(pub.Start().ok());
  ASSERT_TRUE(pub.Send(rtmp::kVideo, 0, Concat(LegacyHeader(true, 0, 0), hevc_->record)).ok());
  for (const testing::HevcFrame& frame : hevc_->frames) {
    ASSERT_TRUE(
        pub.Send(rtmp::kVideo, static_cast<uint32_t>(frame.dts_ms),
                 Concat(LegacyHeader(frame.keyframe, 1, frame.composition_offset_ms), frame.data))
            .ok());
  }
  ASSERT_TRUE(pub.Unpublish().ok());
  ExpectWholeHevcClip(Finished("hevc_legacy"));
}

TEST_F(RtmpPublisherTest, ReplaysAnFfmpegFlvClipFrameForFrame) {
  testing::ClipSpec spec;
  spec.seconds = 2;
  spec.gop_frames = 10;
  const std::filesystem::path flv = testing::MakeFlvClip(dir_->path(), "h264", spec);
  const testing::VideoCounts counts = testing::ProbeVideo(flv);
  absl::StatusOr<rtmp::FlvFile> file = rtmp::FlvFile::Read(flv);
  ASSERT_TRUE(file.ok()) << file.status();

  rtmp::PublisherOptions options = Options("h264_replay");
  options.chunk_size = 60000;
  SocketPublisher pub(server_->port(), options);
  ASSERT_TRUE(pub.Start().ok());
  int audio_tags = 0;
  for (const rtmp::FlvTag& tag : file->tags()) {
    if (tag.type == rtmp::FlvTag::kScript) continue;  // the file's onMetaData
    audio_tags += tag.type == rtmp::FlvTag::kAudio;
    ASSERT_TRUE(pub.Send(tag.type, tag.timestamp_ms, tag.body).ok());
  }
  const media::StreamKey key{"127.0.0.1", "live", "h264_replay"};
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto live = hub_.FindLiveStream(key);
        return live && live->stats.video_frames == counts.frames &&
               live->stats.audio_frames + 1 == audio_tags;  // all but the AAC sequence header
      },
      10s));
  media::LiveStream live = *hub_.FindLiveStream(key);
  EXPECT_EQ(live.info.audio_codec, media::AudioCodec::kAac);
  ASSERT_TRUE(pub.Unpublish().ok());
  Recorded r = Finished("h264_replay");
  EXPECT_EQ(r.codec, media::VideoCodec::kH264);
  EXPECT_EQ(r.frames, counts.frames);
  EXPECT_EQ(r.keyframes, counts.keyframes);
  EXPECT_EQ(r.width, 640);
}

TEST_F(RtmpPublisherTest, SecondPublishOfALiveFfmpegStreamGetsBadName) {
  testing::ClipSpec spec;
  spec.seconds = 20;
  const std::filesystem::path clip = testing::MakeFlvClip(dir_->path(), "long", spec);
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(server_->port()) + "/live/taken";
  testing::Subprocess ffmpeg(testing::PushCommand(clip, url, true), dir_->path() / "ffmpeg.log");
  const media::StreamKey key{"127.0.0.1", "live", "taken"};
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto live = hub_.FindLiveStream(key);
        return live && live->stats.video_frames > 0;
      },
      15s))
      << ffmpeg.Log();

  SocketPublisher second(server_->port(), Options("taken"));
  absl::Status refused = second.Start();
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied) << refused;
  ASSERT_FALSE(second.publisher().statuses().empty());
  EXPECT_EQ(second.publisher().statuses().back().code, "NetStream.Publish.BadName");
  EXPECT_EQ(second.publisher().statuses().back().level, "error");

  const int64_t frames_then = hub_.FindLiveStream(key)->stats.video_frames;
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        auto live = hub_.FindLiveStream(key);
        return live && live->stats.video_frames > frames_then + 25;
      },
      10s));
  EXPECT_TRUE(ffmpeg.running());
  ffmpeg.Signal(SIGINT);
  ffmpeg.Wait(10s);
}

}  // namespace
}  // namespace livesnap
