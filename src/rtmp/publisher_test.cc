// Publisher against the server Session, wired back to back in memory: the
// two state machines must complete the publish flow in either handshake
// flavour, with any chunk size and any split of the bytes.
#include "rtmp/publisher.h"

#include <gtest/gtest.h>

#include <random>

#include "rtmp/session.h"

namespace livesnap::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

class RecordingDelegate : public SessionDelegate {
 public:
  absl::Status OnPublish(const ingest::PublishTarget& target) override {
    targets.push_back(target);
    return publish_result;
  }
  void OnMetadata(const amf0::Value& metadata) override {
    const amf0::Value* width = metadata.Find("width");
    metadata_width = width ? width->AsNumber() : -1;
  }
  absl::Status OnVideo(uint32_t timestamp, std::span<const uint8_t> payload) override {
    video.emplace_back(timestamp, Bytes(payload.begin(), payload.end()));
    return absl::OkStatus();
  }
  absl::Status OnAudio(uint32_t timestamp, std::span<const uint8_t> payload) override {
    audio.emplace_back(timestamp, Bytes(payload.begin(), payload.end()));
    return absl::OkStatus();
  }
  void OnUnpublish() override { ++unpublishes; }

  absl::Status publish_result = absl::OkStatus();
  std::vector<ingest::PublishTarget> targets;
  double metadata_width = 0;
  std::vector<std::pair<uint32_t, Bytes>> video;
  std::vector<std::pair<uint32_t, Bytes>> audio;
  int unpublishes = 0;
};

PublisherOptions Options(const std::string& url) {
  absl::StatusOr<PublisherOptions> options = PublisherOptionsFromUrl(url);
  EXPECT_TRUE(options.ok()) << options.status();
  return *options;
}

class PublisherTest : public ::testing::Test {
 protected:
  // Moves bytes both ways until neither side has anything to say, in pieces
  // of at most `piece` bytes.
  void Pump(size_t piece = 1 << 20) {
    while (!to_server_.empty() || !to_client_.empty()) {
      while (!to_server_.empty()) {
        const size_t n = std::min(piece, to_server_.size());
        Bytes chunk(to_server_.begin(), to_server_.begin() + static_cast<ptrdiff_t>(n));
        to_server_.erase(to_server_.begin(), to_server_.begin() + static_cast<ptrdiff_t>(n));
        sent_by_client_.insert(sent_by_client_.end(), chunk.begin(), chunk.end());
        server_status_ = session_.OnBytes(chunk, to_client_);
        ASSERT_TRUE(server_status_.ok()) << server_status_;
      }
      while (!to_client_.empty()) {
        const size_t n = std::min(piece, to_client_.size());
        Bytes chunk(to_client_.begin(), to_client_.begin() + static_cast<ptrdiff_t>(n));
        to_client_.erase(to_client_.begin(), to_client_.begin() + static_cast<ptrdiff_t>(n));
        client_status_ = publisher_->OnBytes(chunk, to_server_);
        if (!client_status_.ok()) {
          to_client_.clear();
          return;
        }
      }
    }
  }

  void StartPublisher(PublisherOptions options, size_t piece = 1 << 20) {
    publisher_ = std::make_unique<Publisher>(std::move(options));
    publisher_->Start(to_server_);
    Pump(piece);
  }

  RecordingDelegate delegate_;
  Session session_{delegate_, {}};
  std::unique_ptr<Publisher> publisher_;
  Bytes to_server_, to_client_;
  Bytes sent_by_client_;  // everything the session received
  absl::Status server_status_, client_status_;
};

TEST(PublisherOptionsTest, SplitsUrlsAsFfmpegDoes) {
  PublisherOptions o = Options("rtmp://127.0.0.1:1936/live/s1");
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 1936);
  EXPECT_EQ(o.tc_url, "rtmp://127.0.0.1:1936/live");
  EXPECT_EQ(o.app, "live");
  EXPECT_EQ(o.stream_name, "s1");

  o = Options("rtmp://push.example.com/live?vhost=a.com/demo?token=1");
  EXPECT_EQ(o.port, 1935);
  EXPECT_EQ(o.app, "live?vhost=a.com");
  EXPECT_EQ(o.stream_name, "demo?token=1");
  EXPECT_EQ(o.tc_url, "rtmp://push.example.com/live?vhost=a.com");

  o = Options("rtmp://h/live/sub/s");
  EXPECT_EQ(o.app, "live/sub");
  EXPECT_EQ(o.stream_name, "s");

  for (const char* bad : {"http://h/live/s", "rtmp://h", "rtmp://h/live", "rtmp://h/live/",
                          "rtmp://h:0/live/s", "rtmp://h:99999/live/s", "rtmp://:1935/live/s"}) {
    EXPECT_FALSE(PublisherOptionsFromUrl(bad).ok()) << bad;
  }
}

TEST_F(PublisherTest, DigestHandshakeAndPublishFlowReachTheServer) {
  StartPublisher(Options("rtmp://push.example.com/live/cam1?token=abc"));
  ASSERT_TRUE(client_status_.ok()) << client_status_;
  ASSERT_TRUE(publisher_->publishing());
  EXPECT_EQ(session_.handshake_flavor(), HandshakeFlavor::kDigest);
  EXPECT_EQ(session_.state(), Session::State::kPublishing);
  ASSERT_EQ(delegate_.targets.size(), 1u);
  EXPECT_EQ(delegate_.targets[0].domain, "push.example.com");
  EXPECT_EQ(delegate_.targets[0].app, "live");
  EXPECT_EQ(delegate_.targets[0].stream, "cam1");
  EXPECT_EQ(delegate_.targets[0].stream_query, "token=abc");
  ASSERT_FALSE(publisher_->statuses().empty());
  EXPECT_EQ(publisher_->statuses().back().code, "NetStream.Publish.Start");
  EXPECT_EQ(publisher_->stream_id(), 1u);
}

TEST_F(PublisherTest, PlainHandshakeWorksToo) {
  PublisherOptions options = Options("rtmp://a.com/live/s");
  options.handshake = HandshakeFlavor::kPlain;
  StartPublisher(options);
  ASSERT_TRUE(publisher_->publishing()) << client_status_;
  EXPECT_EQ(session_.handshake_flavor(), HandshakeFlavor::kPlain);
}

TEST_F(PublisherTest, TagsAndMetadataArriveWithTheirTimestamps) {
  PublisherOptions options = Options("rtmp://a.com/live/s");
  options.chunk_size = 100;  // frames span many chunks
  StartPublisher(options);
  ASSERT_TRUE(publisher_->publishing());
  ASSERT_TRUE(
      publisher_
          ->SendMetadata(amf0::Value::EcmaArray({{"width", amf0::Value::Number(640)}}), to_server_)
          .ok());
  Bytes frame(5000);
  for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<uint8_t>(i * 31);
  for (uint32_t i = 0; i < 50; ++i) {
    frame[0] = i == 0 ? 0x17 : 0x27;
    ASSERT_TRUE(publisher_->SendTag(kVideo, i * 40, frame, to_server_).ok());
    ASSERT_TRUE(
        publisher_->SendTag(kAudio, i * 40 + 3, Bytes{0xAF, 0x01, 1, 2, 3}, to_server_).ok());
  }
  Pump(777);
  EXPECT_EQ(delegate_.metadata_width, 640);
  ASSERT_EQ(delegate_.video.size(), 50u);
  ASSERT_EQ(delegate_.audio.size(), 50u);
  for (uint32_t i = 0; i < 50; ++i) {
    EXPECT_EQ(delegate_.video[i].first, i * 40);
    EXPECT_EQ(delegate_.audio[i].first, i * 40 + 3);
  }
  EXPECT_EQ(delegate_.video[7].second.back(), frame.back());
  EXPECT_EQ(delegate_.video[7].second.size(), frame.size());

  ASSERT_TRUE(publisher_->Unpublish(to_server_).ok());
  Pump();
  EXPECT_EQ(delegate_.unpublishes, 1);
  EXPECT_EQ(publisher_->state(), Publisher::State::kUnpublished);
  EXPECT_FALSE(publisher_->SendTag(kVideo, 0, frame, to_server_).ok());
}

TEST_F(PublisherTest, GatheredTagsArriveLikeCopiedOnes) {
  PublisherOptions options = Options("rtmp://a.com/live/s");
  options.chunk_size = 1000;
  StartPublisher(options);
  ASSERT_TRUE(publisher_->publishing());
  Bytes frame(4500);
  for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<uint8_t>(i * 7);
  frame[0] = 0x17;
  const Bytes sound = {0xAF, 0x01, 4, 5, 6};
  for (uint32_t i = 0; i < 20; ++i) {
    Bytes headers;
    std::vector<ChunkWriter::ChunkPiece> pieces;
    ASSERT_TRUE(publisher_->SendTagGather(kVideo, i * 33, frame, headers, pieces).ok());
    ASSERT_TRUE(publisher_->SendTagGather(kAudio, i * 33 + 5, sound, headers, pieces).ok());
    EXPECT_EQ(pieces.size(), 6u);  // five chunks of the frame, one of the sound
    for (const ChunkWriter::ChunkPiece& piece : pieces) {
      to_server_.insert(
          to_server_.end(), headers.begin() + static_cast<ptrdiff_t>(piece.header_offset),
          headers.begin() + static_cast<ptrdiff_t>(piece.header_offset + piece.header_size));
      to_server_.insert(to_server_.end(), piece.payload.begin(), piece.payload.end());
    }
    if (i % 5 == 4) {
      ASSERT_TRUE(publisher_->SendTag(kVideo, i * 33 + 10, frame, to_server_).ok());
    }
  }
  Pump(999);
  ASSERT_EQ(delegate_.video.size(), 24u);
  ASSERT_EQ(delegate_.audio.size(), 20u);
  EXPECT_EQ(delegate_.video[0].second, frame);
  EXPECT_EQ(delegate_.video[5].first, 4u * 33 + 10);
  EXPECT_EQ(delegate_.video[6].first, 5u * 33);
  EXPECT_EQ(delegate_.audio[19].first, 19u * 33 + 5);
  EXPECT_EQ(delegate_.audio[19].second, sound);

  ASSERT_TRUE(publisher_->Unpublish(to_server_).ok());
  Bytes headers;
  std::vector<ChunkWriter::ChunkPiece> pieces;
  EXPECT_FALSE(publisher_->SendTagGather(kVideo, 0, frame, headers, pieces).ok());
  EXPECT_TRUE(pieces.empty());
}

TEST_F(PublisherTest, ByteAtATimeInBothDirections) {
  StartPublisher(Options("rtmp://a.com/live/s"), 1);
  ASSERT_TRUE(publisher_->publishing()) << client_status_;
  ASSERT_TRUE(publisher_->SendTag(kVideo, 1000, Bytes(300, 0x27), to_server_).ok());
  Pump(1);
  ASSERT_EQ(delegate_.video.size(), 1u);
  EXPECT_EQ(delegate_.video[0].first, 1000u);
}

TEST_F(PublisherTest, RefusedPublishReportsTheServersStatus) {
  delegate_.publish_result = absl::AlreadyExistsError("stream a.com/live/s is already publishing");
  StartPublisher(Options("rtmp://a.com/live/s"));
  EXPECT_EQ(client_status_.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(client_status_.message().find("NetStream.Publish.BadName"), std::string::npos)
      << client_status_;
  EXPECT_TRUE(publisher_->failed());
  ASSERT_FALSE(publisher_->statuses().empty());
  EXPECT_EQ(publisher_->statuses().back().level, "error");
  EXPECT_EQ(publisher_->statuses().back().code, "NetStream.Publish.BadName");
  EXPECT_EQ(publisher_->statuses().back().description, "stream a.com/live/s is already publishing");
  EXPECT_FALSE(publisher_->SendTag(kVideo, 0, Bytes{0x17}, to_server_).ok());
}

TEST_F(PublisherTest, SendingBeforePublishStartIsRefused) {
  Publisher publisher(Options("rtmp://a.com/live/s"));
  Bytes out;
  EXPECT_EQ(publisher.SendTag(kVideo, 0, Bytes{0x17}, out).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(publisher.OnBytes(Bytes{3}, out).ok());  // before Start
  EXPECT_TRUE(out.empty());
}

TEST_F(PublisherTest, WrongServerVersionFailsTheHandshake) {
  Publisher publisher(Options("rtmp://a.com/live/s"));
  Bytes out;
  publisher.Start(out);
  Bytes reply(1 + 2 * kHandshakeSize, 0);
  reply[0] = 6;
  EXPECT_FALSE(publisher.OnBytes(reply, out).ok());
  EXPECT_TRUE(publisher.failed());
}

TEST_F(PublisherTest, AnswersPingsAndAcknowledgesTheServersWindow) {
  StartPublisher(Options("rtmp://a.com/live/s"));
  ASSERT_TRUE(publisher_->publishing());
  // What a server sends: a ping and a small window, then enough to pass it.
  ChunkWriter server_writer;
  server_writer.set_chunk_size(4096);  // the session announced 4096 at connect
  Bytes from_server;
  server_writer.Write(MakeUserControl(kPingRequest, 4242), from_server);
  server_writer.Write(MakeWindowAckSize(100), from_server);
  server_writer.Write(5, kDataAmf0, 1, 0, Bytes(200, 0x05), from_server);
  Bytes replies;
  ASSERT_TRUE(publisher_->OnBytes(from_server, replies).ok());
  // Read the publisher's whole chunk stream (after C0C1 and C2), this reply last.
  ChunkReader reader;
  std::vector<Message> earlier, messages;
  ASSERT_TRUE(
      reader.Feed(std::span(sent_by_client_).subspan(1 + 2 * kHandshakeSize), earlier).ok());
  ASSERT_TRUE(reader.Feed(replies, messages).ok());
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].type_id, kUserControl);
  EXPECT_EQ(messages[0].payload, (Bytes{0, 7, 0, 0, 0x10, 0x92}));
  EXPECT_EQ(messages[1].type_id, kAcknowledgement);
}

}  // namespace
}  // namespace livesnap::rtmp
