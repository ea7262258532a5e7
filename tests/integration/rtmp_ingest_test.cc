// RtmpServer + MediaHub driven by real encoders (the ffmpeg CLI and
// GStreamer's rtmp2sink): what they send is parsed into the right streams,
// frames and keyframes, duplicate publishes are refused, and broken clients
// lose only their own connection, each counted.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <csignal>
#include <map>
#include <mutex>

#include "base/clock.h"
#include "media/hub.h"
#include "rtmp/amf0.h"
#include "rtmp/chunk_writer.h"
#include "rtmp/server.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/raw_client.h"
#include "tests/support/registry_metrics.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

using namespace std::chrono_literals;
using testing::ClipSpec;
using testing::PushCommand;
using testing::Subprocess;

// What the hub told subscribers about each stream.
struct Recorded {
  media::StreamInfo info;
  int configs = 0;
  int width = 0;
  int height = 0;
  int frames = 0;
  int keyframes = 0;
  int64_t last_dts_ms = -1;
  bool dts_monotonic = true;
  bool stopped = false;
  media::StopReason stop_reason = media::StopReason::kDisconnected;
  int publishes = 0;
};

class Recorder : public media::StreamSubscriber {
 public:
  std::unique_ptr<media::StreamSink> OnPublishStart(const media::StreamInfo& info) override {
    std::lock_guard lock(mu_);
    Recorded& r = streams_[info.key.ToString()];
    r = Recorded{};
    r.info = info;
    r.publishes = ++publish_count_[info.key.ToString()];
    return std::make_unique<Sink>(this, info.key.ToString());
  }

  std::optional<Recorded> Get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = streams_.find(key);
    if (it == streams_.end()) return std::nullopt;
    return it->second;
  }

  bool Stopped(const std::string& key) {
    auto r = Get(key);
    return r && r->stopped;
  }

 private:
  class Sink : public media::StreamSink {
   public:
    Sink(Recorder* recorder, std::string key) : recorder_(recorder), key_(std::move(key)) {}
    void OnVideoConfig(std::shared_ptr<const media::VideoConfig> config) override {
      Update([&](Recorded& r) {
        ++r.configs;
        r.width = config->width;
        r.height = config->height;
      });
    }
    void OnVideoFrame(const media::VideoFrame& frame) override {
      Update([&](Recorded& r) {
        ++r.frames;
        if (frame.keyframe) ++r.keyframes;
        if (frame.dts_ms < r.last_dts_ms) r.dts_monotonic = false;
        r.last_dts_ms = frame.dts_ms;
      });
    }
    void OnStop(media::StopReason reason, const media::StreamStats&) override {
      Update([&](Recorded& r) {
        r.stopped = true;
        r.stop_reason = reason;
      });
    }

   private:
    void Update(const std::function<void(Recorded&)>& change) {
      std::lock_guard lock(recorder_->mu_);
      change(recorder_->streams_[key_]);
    }
    Recorder* recorder_;
    std::string key_;
  };

  std::mutex mu_;
  std::map<std::string, Recorded> streams_;
  std::map<std::string, int> publish_count_;
};

// The value of counter `family`{label=value} in `registry`; 0 before the
// first count (the server adds a cause's counter when it first happens).
double CounterValue(prometheus::Registry& registry, const std::string& family,
                    const std::string& label, const std::string& value) {
  const double counted = label.empty() ? testing::MetricValue(registry, family)
                                       : testing::MetricValue(registry, family, {{label, value}});
  return std::max(counted, 0.0);
}

class RtmpIngestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clip_dir_ = new testing::TempDir();
    ClipSpec spec;
    spec.seconds = 4;
    spec.fps = 25;
    spec.gop_frames = 25;
    clip_ = testing::MakeFlvClip(clip_dir_->path(), "clip", spec);
    counts_ = testing::ProbeVideo(clip_);
    ClipSpec long_spec = spec;
    long_spec.seconds = 30;
    long_clip_ = testing::MakeFlvClip(clip_dir_->path(), "long", long_spec);
  }
  static void TearDownTestSuite() { delete clip_dir_; }

  void SetUp() override {
    hub_.AddSubscriber(&recorder_);
    rtmp::RtmpServerOptions options;
    options.listen_host = "127.0.0.1";
    options.port = 0;
    options.handshake_timeout_ms = 2000;
    options.idle_timeout_ms = 3000;
    options.session.chunk_limits.max_message_size = 1 << 20;
    auto server = rtmp::RtmpServer::Create(options, hub_, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    server_->Start();
  }
  void TearDown() override { server_->Stop(); }

  std::string Url(const std::string& stream, const std::string& app = "live") const {
    return "rtmp://127.0.0.1:" + std::to_string(server_->port()) + "/" + app + "/" + stream;
  }

  // Pushes the short clip and checks everything arrived.
  void PushAndExpectComplete(const std::string& stream, bool realtime) {
    Subprocess push(PushCommand(clip_, Url(stream), realtime), dir_ / (stream + ".log"));
    ASSERT_EQ(push.Wait(60s), 0) << push.Log();
    const std::string key = "127.0.0.1/live/" + stream;
    ASSERT_TRUE(testing::WaitFor([&] { return recorder_.Stopped(key); }, 5s));
    Recorded r = *recorder_.Get(key);
    EXPECT_EQ(r.frames, counts_.frames);
    EXPECT_EQ(r.keyframes, counts_.keyframes);
    EXPECT_EQ(r.width, 640);
    EXPECT_EQ(r.height, 360);
    EXPECT_TRUE(r.dts_monotonic);
    EXPECT_EQ(r.stop_reason, media::StopReason::kUnpublished);
  }

  static testing::TempDir* clip_dir_;
  static std::filesystem::path clip_;
  static std::filesystem::path long_clip_;
  static testing::VideoCounts counts_;

  testing::TempDir dir_;
  prometheus::Registry metrics_;
  media::MediaHub hub_{SystemClock::Instance(), metrics_};
  Recorder recorder_;
  std::unique_ptr<rtmp::RtmpServer> server_;
};

testing::TempDir* RtmpIngestTest::clip_dir_ = nullptr;
std::filesystem::path RtmpIngestTest::clip_;
std::filesystem::path RtmpIngestTest::long_clip_;
testing::VideoCounts RtmpIngestTest::counts_;

TEST_F(RtmpIngestTest, FfmpegPushFasterThanRealTimeDeliversEveryFrame) {
  ASSERT_EQ(counts_.frames, 100);
  ASSERT_EQ(counts_.keyframes, 4);
  PushAndExpectComplete("fast", /*realtime=*/false);
}

TEST_F(RtmpIngestTest, FfmpegPushInRealTimeDeliversEveryFrame) {
  PushAndExpectComplete("realtime", /*realtime=*/true);
}

// An encoder's small writes (FFmpeg sends every chunk header apart from its
// payload) wake the server once per read_batch_bytes once it publishes, not
// once per write; every frame still arrives.
TEST_F(RtmpIngestTest, ReadBatchingReadsARealTimePushInFewerLargerReads) {
  prometheus::Registry unbatched_metrics;
  media::MediaHub unbatched_hub{SystemClock::Instance(), unbatched_metrics};
  Recorder unbatched_recorder;
  unbatched_hub.AddSubscriber(&unbatched_recorder);
  rtmp::RtmpServerOptions options;
  options.listen_host = "127.0.0.1";
  options.port = 0;
  options.read_batch_bytes = 0;
  auto unbatched = rtmp::RtmpServer::Create(options, unbatched_hub, unbatched_metrics);
  ASSERT_TRUE(unbatched.ok()) << unbatched.status();
  (*unbatched)->Start();

  const std::string unbatched_url =
      "rtmp://127.0.0.1:" + std::to_string((*unbatched)->port()) + "/live/plain";
  // What encoders send for live video: 2 Mbit/s, constant.
  ClipSpec spec;
  spec.video_args = {"-b:v", "2M",       "-minrate", "2M",           "-maxrate",
                     "2M",   "-bufsize", "2M",       "-x264-params", "nal-hrd=cbr:force-cfr=1"};
  const std::filesystem::path clip = testing::MakeFlvClip(dir_.path(), "cbr", spec);
  const testing::VideoCounts counts = testing::ProbeVideo(clip);
  Subprocess plain(PushCommand(clip, unbatched_url, true), dir_ / "plain.log");
  Subprocess batched(PushCommand(clip, Url("batched"), true), dir_ / "batched.log");
  ASSERT_EQ(plain.Wait(60s), 0) << plain.Log();
  ASSERT_EQ(batched.Wait(60s), 0) << batched.Log();
  ASSERT_TRUE(testing::WaitFor([&] { return recorder_.Stopped("127.0.0.1/live/batched"); }, 5s));
  ASSERT_TRUE(
      testing::WaitFor([&] { return unbatched_recorder.Stopped("127.0.0.1/live/plain"); }, 5s));
  (*unbatched)->Stop();

  const Recorded r = *recorder_.Get("127.0.0.1/live/batched");
  EXPECT_EQ(r.frames, counts.frames);
  EXPECT_EQ(r.keyframes, counts.keyframes);
  EXPECT_EQ(r.stop_reason, media::StopReason::kUnpublished);
  const double reads = CounterValue(metrics_, "livesnap_rtmp_reads_total", "", "");
  const double bytes = CounterValue(metrics_, "livesnap_rtmp_read_bytes_total", "", "");
  const double plain_reads = CounterValue(unbatched_metrics, "livesnap_rtmp_reads_total", "", "");
  const double plain_bytes =
      CounterValue(unbatched_metrics, "livesnap_rtmp_read_bytes_total", "", "");
  EXPECT_NEAR(bytes / plain_bytes, 1.0, 0.02) << bytes << " against " << plain_bytes;
  EXPECT_GT(bytes, 900'000) << "the clip is not 2 Mbit/s";
  EXPECT_LT(reads * 3, plain_reads) << reads << " reads against " << plain_reads;
}

TEST_F(RtmpIngestTest, StreamIsListedWhileLiveWithCodecAndStats) {
  Subprocess push(PushCommand(long_clip_, Url("listed"), true), dir_ / "listed.log");
  const media::StreamKey key{"127.0.0.1", "live", "listed"};
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto live = hub_.FindLiveStream(key);
        return live && live->stats.keyframes >= 2;
      },
      15s))
      << push.Log();
  media::LiveStream live = *hub_.FindLiveStream(key);
  EXPECT_EQ(live.info.video_codec, media::VideoCodec::kH264);
  EXPECT_EQ(live.info.audio_codec, media::AudioCodec::kAac);
  EXPECT_EQ(live.info.width, 640);
  EXPECT_EQ(live.info.protocol, "rtmp");
  EXPECT_GT(live.stats.bytes, 0);
  EXPECT_GE(live.stats.last_keyframe_dts_ms, 1000);
  EXPECT_EQ(hub_.live_count(), 1u);
  push.Signal(SIGINT);
  push.Wait(10s);
  ASSERT_TRUE(testing::WaitFor([&] { return hub_.live_count() == 0; }, 5s));
}

TEST_F(RtmpIngestTest, TwentyConcurrentPushesAreAllComplete) {
  constexpr int kStreams = 20;
  std::vector<std::unique_ptr<Subprocess>> pushes;
  for (int i = 0; i < kStreams; ++i) {
    const std::string name = "s" + std::to_string(i);
    pushes.push_back(
        std::make_unique<Subprocess>(PushCommand(clip_, Url(name), true), dir_ / (name + ".log")));
  }
  ASSERT_TRUE(testing::WaitFor([&] { return hub_.live_count() == kStreams; }, 20s))
      << "live: " << hub_.live_count();
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_EQ(pushes[static_cast<size_t>(i)]->Wait(60s), 0)
        << pushes[static_cast<size_t>(i)]->Log();
  }
  for (int i = 0; i < kStreams; ++i) {
    const std::string key = "127.0.0.1/live/s" + std::to_string(i);
    ASSERT_TRUE(testing::WaitFor([&] { return recorder_.Stopped(key); }, 5s)) << key;
    Recorded r = *recorder_.Get(key);
    EXPECT_EQ(r.frames, counts_.frames) << key;
    EXPECT_EQ(r.keyframes, counts_.keyframes) << key;
  }
}

TEST_F(RtmpIngestTest, DuplicatePublishIsRefusedAndTheFirstKeepsRunning) {
  Subprocess first(PushCommand(long_clip_, Url("dup"), true), dir_ / "first.log");
  const media::StreamKey key{"127.0.0.1", "live", "dup"};
  ASSERT_TRUE(testing::WaitFor([&] { return hub_.FindLiveStream(key).has_value(); }, 15s));
  Subprocess second(PushCommand(clip_, Url("dup"), true), dir_ / "second.log");
  std::optional<int> second_exit = second.Wait(30s);
  ASSERT_TRUE(second_exit.has_value());
  EXPECT_NE(*second_exit, 0);
  EXPECT_NE(second.Log().find("already publishing"), std::string::npos) << second.Log();
  // The first publish carries on receiving frames.
  const int64_t frames_then = hub_.FindLiveStream(key)->stats.video_frames;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto live = hub_.FindLiveStream(key);
        return live && live->stats.video_frames > frames_then + 25;
      },
      10s));
  EXPECT_TRUE(first.running());
  EXPECT_EQ(recorder_.Get(key.ToString())->publishes, 1);
  first.Signal(SIGINT);
  first.Wait(10s);
}

TEST_F(RtmpIngestTest, VhostParameterNamesTheDomain) {
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(server_->port()) +
                          "/live?vhost=push.example.com/named?token=abc";
  Subprocess push(PushCommand(clip_, url, false), dir_ / "vhost.log");
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  const std::string key = "push.example.com/live/named";
  ASSERT_TRUE(testing::WaitFor([&] { return recorder_.Stopped(key); }, 5s));
  EXPECT_EQ(recorder_.Get(key)->info.query, "token=abc");
  EXPECT_EQ(recorder_.Get(key)->frames, counts_.frames);
}

// A second real client: GStreamer's rtmp2sink, with its own handshake and
// chunking, behind x264enc and flvmux.
TEST_F(RtmpIngestTest, GstreamerPushDeliversEveryFrame) {
  const std::string url = Url("gst");
  Subprocess gst({"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=100", "!",
                  "video/x-raw,width=320,height=240,framerate=25/1", "!", "x264enc",
                  "key-int-max=25", "bframes=0", "option-string=scenecut=0", "!", "h264parse", "!",
                  "flvmux", "streamable=true", "!", "rtmp2sink", "location=" + url},
                 dir_ / "gst.log");
  ASSERT_EQ(gst.Wait(60s), 0) << gst.Log();
  const std::string key = "127.0.0.1/live/gst";
  ASSERT_TRUE(testing::WaitFor([&] { return recorder_.Stopped(key); }, 10s)) << gst.Log();
  Recorded r = *recorder_.Get(key);
  EXPECT_EQ(r.frames, 100);
  EXPECT_EQ(r.keyframes, 4);
  EXPECT_EQ(r.width, 320);
  EXPECT_EQ(r.height, 240);
  EXPECT_TRUE(r.dts_monotonic);
}

// After each broken client, a real push must still work.
class RtmpBadInputTest : public RtmpIngestTest {
 protected:
  void SetUp() override {
    RtmpIngestTest::SetUp();
    protocol_errors_ = ClosedFor("protocol");
  }

  double ClosedFor(const std::string& cause) {
    return CounterValue(metrics_, "livesnap_rtmp_connection_errors_total", "cause", cause);
  }

  // The broken connection was counted as a protocol error, and only it.
  void ExpectOneProtocolError() { EXPECT_EQ(ClosedFor("protocol"), protocol_errors_ + 1); }

  void ExpectServerStillServes(const std::string& stream) {
    PushAndExpectComplete(stream, false);
    EXPECT_TRUE(testing::WaitFor([&] { return server_->connection_count() == 0; }, 5s));
  }

  double protocol_errors_ = 0;

  static std::vector<uint8_t> Chunked(const rtmp::Message& message) {
    rtmp::ChunkWriter writer;
    std::vector<uint8_t> out;
    writer.Write(message, out);
    return out;
  }
};

TEST_F(RtmpBadInputTest, TruncatedHandshakeTimesOut) {
  testing::RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  std::vector<uint8_t> partial(700, 0);
  partial[0] = 3;
  ASSERT_TRUE(client.Send(partial));
  EXPECT_TRUE(client.WaitClosedByPeer(10s));
  EXPECT_EQ(ClosedFor("handshake_timeout"), 1);
  ExpectServerStillServes("after_truncated_handshake");
}

TEST_F(RtmpBadInputTest, WrongHandshakeVersionIsClosed) {
  testing::RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  std::vector<uint8_t> c0c1(1537, 0);
  c0c1[0] = 'G';  // an HTTP client knocking on the RTMP port
  ASSERT_TRUE(client.Send(c0c1));
  EXPECT_TRUE(client.WaitClosedByPeer(5s));
  ExpectOneProtocolError();
  ExpectServerStillServes("after_bad_version");
}

TEST_F(RtmpBadInputTest, GarbageAfterHandshakeIsClosed) {
  testing::RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(client.Handshake());
  // A type-1 header on a chunk stream that never had a type-0 header.
  std::vector<uint8_t> garbage(2000);
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(0x45 + i * 13);
  ASSERT_TRUE(client.Send(garbage));
  EXPECT_TRUE(client.WaitClosedByPeer(5s));
  ExpectOneProtocolError();
  ExpectServerStillServes("after_garbage");
}

TEST_F(RtmpBadInputTest, ChunkSizeZeroIsClosed) {
  testing::RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(client.Handshake());
  ASSERT_TRUE(client.Send(Chunked(rtmp::MakeSetChunkSize(0))));
  EXPECT_TRUE(client.WaitClosedByPeer(5s));
  ExpectOneProtocolError();
  ExpectServerStillServes("after_chunk_size_0");
}

TEST_F(RtmpBadInputTest, ChunkSizeTwoToThe31IsClosed) {
  testing::RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(client.Handshake());
  ASSERT_TRUE(client.Send(Chunked(rtmp::MakeSetChunkSize(0x80000000u))));
  EXPECT_TRUE(client.WaitClosedByPeer(5s));
  ExpectOneProtocolError();
  ExpectServerStillServes("after_chunk_size_2_31");
}

TEST_F(RtmpBadInputTest, MessageLongerThanTheLimitIsClosed) {
  testing::RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(client.Handshake());
  // A type-0 header announcing a 16 MiB video message (limit here: 1 MiB).
  const std::vector<uint8_t> header = {0x06, 0, 0, 0, 0xFF, 0xFF, 0xFF, 9, 1, 0, 0, 0};
  ASSERT_TRUE(client.Send(header));
  EXPECT_TRUE(client.WaitClosedByPeer(5s));
  ExpectOneProtocolError();
  ExpectServerStillServes("after_long_message");
}

TEST_F(RtmpBadInputTest, AmfStringLongerThanTheMessageIsClosed) {
  testing::RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(client.Handshake());
  rtmp::Message command;
  command.chunk_stream_id = 3;
  command.type_id = rtmp::kCommandAmf0;
  // AMF0 string marker, length 0x7FFF, then only 7 bytes.
  command.payload = {0x02, 0x7F, 0xFF, 'c', 'o', 'n', 'n', 'e', 'c', 't'};
  ASSERT_TRUE(client.Send(Chunked(command)));
  EXPECT_TRUE(client.WaitClosedByPeer(5s));
  ExpectOneProtocolError();
  ExpectServerStillServes("after_long_amf_string");
}

TEST_F(RtmpBadInputTest, SilentConnectionTimesOutAfterHandshake) {
  testing::RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(client.Handshake());
  EXPECT_TRUE(client.WaitClosedByPeer(10s));
  EXPECT_EQ(ClosedFor("idle_timeout"), 1);
}

}  // namespace
}  // namespace livesnap
