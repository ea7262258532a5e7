#include "rtmp/session.h"

#include <gtest/gtest.h>

#include "base/byte_reader.h"

namespace livesnap::rtmp {
namespace {

using amf0::Value;

class RecordingDelegate : public SessionDelegate {
 public:
  absl::Status OnPublish(const ingest::PublishTarget& target) override {
    targets.push_back(target);
    return publish_result;
  }
  void OnMetadata(const Value& metadata) override {
    const Value* width = metadata.Find("width");
    metadata_width = width && width->IsNumber() ? width->AsNumber() : -1;
  }
  absl::Status OnVideo(uint32_t timestamp, std::span<const uint8_t> payload) override {
    video.emplace_back(timestamp, std::vector<uint8_t>(payload.begin(), payload.end()));
    return absl::OkStatus();
  }
  absl::Status OnAudio(uint32_t, std::span<const uint8_t>) override {
    ++audio;
    return absl::OkStatus();
  }
  void OnUnpublish() override { ++unpublishes; }
  void OnPublishRefused(const absl::Status& reason) override { refusals.push_back(reason); }

  absl::Status publish_result = absl::OkStatus();
  std::vector<absl::Status> refusals;
  std::vector<ingest::PublishTarget> targets;
  double metadata_width = 0;
  std::vector<std::pair<uint32_t, std::vector<uint8_t>>> video;
  int audio = 0;
  int unpublishes = 0;
};

// Plays the client side: builds what ffmpeg sends and reads what the server answers.
class Client {
 public:
  std::vector<uint8_t> Handshake() {
    std::vector<uint8_t> c0c1(1537, 0);
    c0c1[0] = 3;
    for (size_t i = 9; i < c0c1.size(); ++i) c0c1[i] = static_cast<uint8_t>(i);
    std::vector<uint8_t> c2(1536, 0x5a);
    c0c1.insert(c0c1.end(), c2.begin(), c2.end());
    return c0c1;
  }

  std::vector<uint8_t> Command(std::vector<Value> values, uint32_t stream_id = 0) {
    Message m;
    m.chunk_stream_id = 3;
    m.type_id = kCommandAmf0;
    m.stream_id = stream_id;
    for (const Value& v : values) amf0::Encode(v, m.payload);
    return Chunk(m);
  }

  std::vector<uint8_t> Chunk(const Message& m) {
    std::vector<uint8_t> out;
    writer_.Write(m, out);
    return out;
  }

  std::vector<uint8_t> Connect(const std::string& tc_url, const std::string& app) {
    return Command({Value::String("connect"), Value::Number(1),
                    Value::Object({{"app", Value::String(app)},
                                   {"type", Value::String("nonprivate")},
                                   {"tcUrl", Value::String(tc_url)}})});
  }

  std::vector<uint8_t> Publish(const std::string& name) {
    return Command({Value::String("publish"), Value::Number(5), Value::Null(), Value::String(name),
                    Value::String("live")},
                   1);
  }

  std::vector<uint8_t> Video(uint32_t timestamp, std::vector<uint8_t> payload) {
    Message m;
    m.chunk_stream_id = 6;
    m.type_id = kVideo;
    m.stream_id = 1;
    m.timestamp = timestamp;
    m.payload = std::move(payload);
    return Chunk(m);
  }

  // Parses the server's output after S0S1S2 into messages.
  std::vector<Message> Replies(const std::vector<uint8_t>& out) {
    std::span<const uint8_t> bytes(out);
    if (!handshake_read_) {
      EXPECT_GE(out.size(), 3073u);
      EXPECT_EQ(out[0], 3);
      bytes = bytes.subspan(3073);
      handshake_read_ = true;
    }
    std::vector<Message> messages;
    EXPECT_TRUE(reader_.Feed(bytes, messages).ok());
    return messages;
  }

 private:
  ChunkWriter writer_;
  ChunkReader reader_;
  bool handshake_read_ = false;
};

std::vector<std::string> CommandNames(const std::vector<Message>& messages) {
  std::vector<std::string> names;
  for (const Message& m : messages) {
    if (m.type_id != kCommandAmf0) continue;
    auto values = amf0::DecodeAll(m.payload);
    if (!values.ok() || values->empty()) continue;
    std::string name(values->at(0).AsString());
    if (name == "onStatus" && values->size() > 3) {
      const Value* code = values->at(3).Find("code");
      if (code && code->IsString()) name += ":" + std::string(code->AsString());
    }
    names.push_back(name);
  }
  return names;
}

class SessionTest : public ::testing::Test {
 protected:
  absl::Status Feed(const std::vector<uint8_t>& bytes) { return session_.OnBytes(bytes, out_); }

  std::vector<Message> TakeReplies() {
    auto replies = client_.Replies(out_);
    out_.clear();
    return replies;
  }

  void ConnectAndPublish(const std::string& name) {
    ASSERT_TRUE(Feed(client_.Handshake()).ok());
    ASSERT_TRUE(Feed(client_.Connect("rtmp://push.example.com/live", "live")).ok());
    ASSERT_TRUE(Feed(client_.Command({Value::String("releaseStream"), Value::Number(2),
                                      Value::Null(), Value::String(name)}))
                    .ok());
    ASSERT_TRUE(Feed(client_.Command({Value::String("FCPublish"), Value::Number(3), Value::Null(),
                                      Value::String(name)}))
                    .ok());
    ASSERT_TRUE(
        Feed(client_.Command({Value::String("createStream"), Value::Number(4), Value::Null()}))
            .ok());
    ASSERT_TRUE(Feed(client_.Publish(name)).ok());
  }

  RecordingDelegate delegate_;
  Session session_{delegate_, {}};
  Client client_;
  std::vector<uint8_t> out_;
};

TEST_F(SessionTest, PublishFlowGetsTheRepliesEncodersWaitFor) {
  ConnectAndPublish("demo?token=1");
  EXPECT_EQ(session_.state(), Session::State::kPublishing);
  std::vector<Message> replies = TakeReplies();
  std::vector<std::string> names = CommandNames(replies);
  EXPECT_EQ(names, (std::vector<std::string>{"_result", "_result", "_result", "onFCPublish",
                                             "_result", "onStatus:NetStream.Publish.Start"}));
  // Window Ack Size, Set Peer Bandwidth and Set Chunk Size precede connect's _result.
  ASSERT_GE(replies.size(), 3u);
  EXPECT_EQ(replies[0].type_id, kWindowAckSize);
  EXPECT_EQ(replies[1].type_id, kSetPeerBandwidth);
  EXPECT_EQ(replies[2].type_id, kSetChunkSize);
  ASSERT_EQ(delegate_.targets.size(), 1u);
  EXPECT_EQ(delegate_.targets[0].domain, "push.example.com");
  EXPECT_EQ(delegate_.targets[0].stream, "demo");
  EXPECT_EQ(delegate_.targets[0].stream_query, "token=1");
}

TEST_F(SessionTest, CreateStreamReturnsAStreamId) {
  ASSERT_TRUE(Feed(client_.Handshake()).ok());
  ASSERT_TRUE(Feed(client_.Connect("rtmp://a.com/live", "live")).ok());
  ASSERT_TRUE(
      Feed(client_.Command({Value::String("createStream"), Value::Number(4), Value::Null()})).ok());
  std::vector<Message> replies = TakeReplies();
  auto values = amf0::DecodeAll(replies.back().payload);
  ASSERT_TRUE(values.ok());
  ASSERT_EQ(values->size(), 4u);
  EXPECT_EQ(values->at(1).AsNumber(), 4);
  EXPECT_EQ(values->at(3).AsNumber(), 1);
}

TEST_F(SessionTest, MediaAndMetadataReachTheDelegateWhilePublishing) {
  ConnectAndPublish("demo");
  Message meta;
  meta.chunk_stream_id = 4;
  meta.type_id = kDataAmf0;
  meta.stream_id = 1;
  for (const Value& v : {Value::String("@setDataFrame"), Value::String("onMetaData"),
                         Value::Object({{"width", Value::Number(1280)}})}) {
    amf0::Encode(v, meta.payload);
  }
  ASSERT_TRUE(Feed(client_.Chunk(meta)).ok());
  ASSERT_TRUE(Feed(client_.Video(40, {0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65})).ok());
  ASSERT_TRUE(Feed(client_.Video(80, {0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41})).ok());
  EXPECT_EQ(delegate_.metadata_width, 1280);
  ASSERT_EQ(delegate_.video.size(), 2u);
  EXPECT_EQ(delegate_.video[1].first, 80u);
  EXPECT_EQ(delegate_.video[1].second.back(), 0x41);
  ASSERT_TRUE(Feed(client_.Command({Value::String("FCUnpublish"), Value::Number(6), Value::Null(),
                                    Value::String("demo")}))
                  .ok());
  EXPECT_EQ(delegate_.unpublishes, 1);
  EXPECT_EQ(session_.state(), Session::State::kConnected);
}

TEST_F(SessionTest, ByteAtATimeGivesTheSameResult) {
  std::vector<uint8_t> all = client_.Handshake();
  for (auto part :
       {client_.Connect("rtmp://a.com/live", "live"),
        client_.Command({Value::String("createStream"), Value::Number(4), Value::Null()}),
        client_.Publish("demo"), client_.Video(0, {0x17, 1, 0, 0, 0, 0xAB})}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  for (uint8_t byte : all) ASSERT_TRUE(session_.OnBytes(std::span(&byte, 1), out_).ok());
  EXPECT_EQ(session_.state(), Session::State::kPublishing);
  ASSERT_EQ(delegate_.video.size(), 1u);
  EXPECT_EQ(delegate_.video[0].second.back(), 0xAB);
}

TEST_F(SessionTest, RefusedDuplicatePublishAnswersBadNameAndCloses) {
  delegate_.publish_result =
      absl::AlreadyExistsError("stream a.com/live/demo is already publishing");
  ConnectAndPublish("demo");
  EXPECT_TRUE(session_.should_close());
  std::vector<std::string> names = CommandNames(TakeReplies());
  EXPECT_EQ(names.back(), "onStatus:NetStream.Publish.BadName");
}

TEST_F(SessionTest, RefusedUnknownDomainAnswersRejected) {
  delegate_.publish_result = absl::NotFoundError("unknown domain");
  ConnectAndPublish("demo");
  EXPECT_TRUE(session_.should_close());
  EXPECT_EQ(CommandNames(TakeReplies()).back(), "onStatus:NetStream.Publish.Rejected");
}

TEST_F(SessionTest, InvalidStreamNameIsBadName) {
  ConnectAndPublish("../../etc/passwd");
  EXPECT_TRUE(delegate_.targets.empty());
  EXPECT_EQ(CommandNames(TakeReplies()).back(), "onStatus:NetStream.Publish.BadName");
  ASSERT_EQ(delegate_.refusals.size(), 1u);  // for the log line
  EXPECT_NE(delegate_.refusals[0].message().find("stream name"), std::string::npos);
}

// Issue 17: a connect or publish command is a few hundred bytes; until the
// stream publishes, a message over 64 KiB closes the connection. Once
// publishing, messages up to max_message_size (a keyframe) pass.
TEST_F(SessionTest, MessagesAreSmallUntilPublishing) {
  ASSERT_TRUE(Feed(client_.Handshake()).ok());
  ASSERT_TRUE(Feed(client_.Connect("rtmp://a.com/live", "live")).ok());
  absl::Status big = Feed(client_.Video(0, std::vector<uint8_t>(64 * 1024 + 1, 0x17)));
  EXPECT_EQ(big.code(), absl::StatusCode::kResourceExhausted) << big;
  EXPECT_NE(big.message().find("over the limit of 65536"), std::string::npos) << big;
}

TEST_F(SessionTest, KeyframesUpToMaxMessageSizePassOncePublishing) {
  ConnectAndPublish("demo");
  std::vector<uint8_t> keyframe(1 << 20, 0x65);
  keyframe[0] = 0x17;
  ASSERT_TRUE(Feed(client_.Video(0, keyframe)).ok());
  ASSERT_EQ(delegate_.video.size(), 1u);
  EXPECT_EQ(delegate_.video[0].second.size(), keyframe.size());
}

TEST_F(SessionTest, PingRequestGetsPingResponse) {
  ASSERT_TRUE(Feed(client_.Handshake()).ok());
  TakeReplies();
  ASSERT_TRUE(Feed(client_.Chunk(MakeUserControl(6, 12345))).ok());
  std::vector<Message> replies = TakeReplies();
  ASSERT_EQ(replies.size(), 1u);
  ByteReader r(replies[0].payload);
  uint16_t event = 0;
  uint32_t value = 0;
  ASSERT_TRUE(r.ReadU16(event) && r.ReadU32(value));
  EXPECT_EQ(event, 7);
  EXPECT_EQ(value, 12345u);
}

TEST_F(SessionTest, AcknowledgesAfterThePeersWindow) {
  ConnectAndPublish("demo");
  TakeReplies();
  ASSERT_TRUE(Feed(client_.Chunk(MakeWindowAckSize(5000))).ok());
  ASSERT_TRUE(Feed(client_.Video(0, std::vector<uint8_t>(6000, 0x17))).ok());
  std::vector<Message> replies = TakeReplies();
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back().type_id, kAcknowledgement);
}

TEST_F(SessionTest, CommandsBeforeConnectAreErrors) {
  ASSERT_TRUE(Feed(client_.Handshake()).ok());
  EXPECT_FALSE(Feed(client_.Publish("demo")).ok());
}

TEST_F(SessionTest, WrongHandshakeVersionIsAnError) {
  std::vector<uint8_t> c0c1(1537, 0);
  c0c1[0] = 6;
  absl::Status s = Feed(c0c1);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("handshake"), std::string::npos);
}

TEST_F(SessionTest, ChunkSizeZeroIsAnError) {
  ASSERT_TRUE(Feed(client_.Handshake()).ok());
  EXPECT_FALSE(Feed(client_.Chunk(MakeSetChunkSize(0))).ok());
}

TEST_F(SessionTest, AggregateMessagesAreSplitIntoTheirTags) {
  ConnectAndPublish("demo");
  Message aggregate;
  aggregate.chunk_stream_id = 6;
  aggregate.type_id = kAggregate;
  aggregate.stream_id = 1;
  aggregate.timestamp = 1000;
  for (uint32_t ts : {500u, 540u}) {
    const std::vector<uint8_t> body = {0x27, 1, 0, 0, 0};
    std::vector<uint8_t>& p = aggregate.payload;
    p.push_back(kVideo);
    p.insert(p.end(), {0, 0, static_cast<uint8_t>(body.size())});
    p.insert(p.end(), {static_cast<uint8_t>(ts >> 16), static_cast<uint8_t>(ts >> 8),
                       static_cast<uint8_t>(ts), 0});
    p.insert(p.end(), {0, 0, 0});
    p.insert(p.end(), body.begin(), body.end());
    p.insert(p.end(), {0, 0, 0, static_cast<uint8_t>(11 + body.size())});
  }
  ASSERT_TRUE(Feed(client_.Chunk(aggregate)).ok());
  ASSERT_EQ(delegate_.video.size(), 2u);
  EXPECT_EQ(delegate_.video[0].first, 1000u);
  EXPECT_EQ(delegate_.video[1].first, 1040u);
}

}  // namespace
}  // namespace livesnap::rtmp
