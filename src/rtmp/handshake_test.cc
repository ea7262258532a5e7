// The handshake checked against digests computed here from the published
// Flash Player / Flash Media Server keys, independently of handshake.cc.
#include "rtmp/handshake.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <string>

namespace livesnap::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

const uint8_t kTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                           0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                           0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

Bytes Key(const std::string& text, bool with_tail) {
  Bytes key(text.begin(), text.end());
  if (with_tail) key.insert(key.end(), std::begin(kTail), std::end(kTail));
  return key;
}
const Bytes kPlayerKey30 = Key("Genuine Adobe Flash Player 001", false);
const Bytes kPlayerKey62 = Key("Genuine Adobe Flash Player 001", true);
const Bytes kServerKey36 = Key("Genuine Adobe Flash Media Server 001", false);
const Bytes kServerKey68 = Key("Genuine Adobe Flash Media Server 001", true);

Bytes HmacSha256(const Bytes& key, const Bytes& data) {
  Bytes out(32);
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &size);
  return out;
}

size_t Offset(const Bytes& block, size_t base) {
  return (size_t{block[base]} + block[base + 1] + block[base + 2] + block[base + 3]) % 728 + base +
         4;
}

Bytes WithoutDigest(const Bytes& block, size_t offset) {
  Bytes rest(block.begin(), block.begin() + static_cast<ptrdiff_t>(offset));
  rest.insert(rest.end(), block.begin() + static_cast<ptrdiff_t>(offset + 32), block.end());
  return rest;
}

Bytes DigestAt(const Bytes& block, size_t offset) {
  return Bytes(block.begin() + static_cast<ptrdiff_t>(offset),
               block.begin() + static_cast<ptrdiff_t>(offset + 32));
}

void Fill(std::span<uint8_t> bytes) {
  static std::mt19937 rng(7);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
}

// A Flash Player 9 style C1: version 9.0.124.2, digest at the schema with base 8 or 772.
Bytes DigestC1(size_t base) {
  Bytes c1(kHandshakeSize);
  Fill(c1);
  c1[4] = 9, c1[5] = 0, c1[6] = 124, c1[7] = 2;
  const size_t offset = Offset(c1, base);
  const Bytes digest = HmacSha256(kPlayerKey30, WithoutDigest(c1, offset));
  std::copy(digest.begin(), digest.end(), c1.begin() + static_cast<ptrdiff_t>(offset));
  return c1;
}

Bytes C0C1(const Bytes& c1) {
  Bytes c0c1 = {kRtmpVersion};
  c0c1.insert(c0c1.end(), c1.begin(), c1.end());
  return c0c1;
}

class DigestHandshakeTest : public ::testing::TestWithParam<size_t> {};

TEST_P(DigestHandshakeTest, ServerSignsS1AndS2AsFlashClientsCheck) {
  const size_t base = GetParam();
  const Bytes c1 = DigestC1(base);
  EXPECT_EQ(DetectHandshakeFlavor(c1), HandshakeFlavor::kDigest);

  absl::StatusOr<Bytes> reply = MakeServerHandshake(C0C1(c1), 1234, Fill);
  ASSERT_TRUE(reply.ok()) << reply.status();
  ASSERT_EQ(reply->size(), 1 + 2 * kHandshakeSize);
  EXPECT_EQ((*reply)[0], 3);
  const Bytes s1(reply->begin() + 1, reply->begin() + 1 + kHandshakeSize);
  const Bytes s2(reply->begin() + 1 + kHandshakeSize, reply->end());
  EXPECT_EQ((Bytes{s1[0], s1[1], s1[2], s1[3]}), (Bytes{0, 0, 0x04, 0xD2}));
  EXPECT_NE((Bytes{s1[4], s1[5], s1[6], s1[7]}), (Bytes{0, 0, 0, 0}));

  // S1: digest with the server key's text part at the client's schema.
  const size_t s1_offset = Offset(s1, base);
  EXPECT_EQ(DigestAt(s1, s1_offset), HmacSha256(kServerKey36, WithoutDigest(s1, s1_offset)));
  // S2: its last 32 bytes sign the rest with HMAC(full server key, C1's digest).
  const Bytes s2_key = HmacSha256(kServerKey68, DigestAt(c1, Offset(c1, base)));
  EXPECT_EQ(Bytes(s2.end() - 32, s2.end()), HmacSha256(s2_key, Bytes(s2.begin(), s2.end() - 32)));
}

INSTANTIATE_TEST_SUITE_P(BothSchemas, DigestHandshakeTest, ::testing::Values(8, 772));

TEST(HandshakeTest, PlainC1GetsAnEchoInS2) {
  Bytes c1(kHandshakeSize);
  Fill(c1);
  c1[4] = c1[5] = c1[6] = c1[7] = 0;
  EXPECT_EQ(DetectHandshakeFlavor(c1), HandshakeFlavor::kPlain);
  absl::StatusOr<Bytes> reply = MakeServerHandshake(C0C1(c1), 0, Fill);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(Bytes(reply->begin() + 1 + kHandshakeSize, reply->end()), c1);
  EXPECT_EQ(Bytes(reply->begin() + 5, reply->begin() + 9), (Bytes{0, 0, 0, 0}));
}

TEST(HandshakeTest, ANonZeroVersionWithoutAValidDigestIsPlain) {
  Bytes c1 = DigestC1(8);
  c1[Offset(c1, 8)] ^= 1;  // break the digest
  EXPECT_EQ(DetectHandshakeFlavor(c1), HandshakeFlavor::kPlain);
  EXPECT_EQ(DetectHandshakeFlavor(Bytes(100, 0)), HandshakeFlavor::kPlain);
}

TEST(HandshakeTest, WrongVersionOrSizeIsAnError) {
  Bytes c0c1 = C0C1(DigestC1(8));
  for (int version : {0, 6, 71}) {  // 71: 'G' of an HTTP GET
    c0c1[0] = static_cast<uint8_t>(version);
    absl::Status s = MakeServerHandshake(c0c1, 0, Fill).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("version " + std::to_string(version)), std::string::npos) << s;
  }
  EXPECT_FALSE(MakeServerHandshake(Bytes(100, 3), 0, Fill).ok());
}

TEST(HandshakeTest, ClientSideDigestHandshakeRoundTrip) {
  const Bytes c0c1 = MakeClientHandshake(HandshakeFlavor::kDigest, 99, Fill);
  ASSERT_EQ(c0c1.size(), 1 + kHandshakeSize);
  const Bytes c1(c0c1.begin() + 1, c0c1.end());
  EXPECT_EQ(DetectHandshakeFlavor(c1), HandshakeFlavor::kDigest);
  absl::StatusOr<Bytes> s0s1s2 = MakeServerHandshake(c0c1, 0, Fill);
  ASSERT_TRUE(s0s1s2.ok());
  absl::StatusOr<Bytes> c2 = MakeClientC2(c1, *s0s1s2, Fill);
  ASSERT_TRUE(c2.ok()) << c2.status();
  ASSERT_EQ(c2->size(), kHandshakeSize);
  // C2 is signed with HMAC(full player key, S1's digest).
  const Bytes s1(s0s1s2->begin() + 1, s0s1s2->begin() + 1 + kHandshakeSize);
  const Bytes key = HmacSha256(kPlayerKey62, DigestAt(s1, Offset(s1, 8)));
  EXPECT_EQ(Bytes(c2->end() - 32, c2->end()), HmacSha256(key, Bytes(c2->begin(), c2->end() - 32)));

  Bytes tampered = *s0s1s2;
  tampered[1 + kHandshakeSize + 10] ^= 0xFF;  // S2
  EXPECT_FALSE(MakeClientC2(c1, tampered, Fill).ok());
  tampered = *s0s1s2;
  tampered[1 + 600] ^= 0xFF;  // S1 (the digest no longer validates at any schema)
  EXPECT_FALSE(MakeClientC2(c1, tampered, Fill).ok());
}

TEST(HandshakeTest, ClientSidePlainHandshakeEchoesS1) {
  const Bytes c0c1 = MakeClientHandshake(HandshakeFlavor::kPlain, 5, Fill);
  const Bytes c1(c0c1.begin() + 1, c0c1.end());
  EXPECT_EQ(DetectHandshakeFlavor(c1), HandshakeFlavor::kPlain);
  absl::StatusOr<Bytes> s0s1s2 = MakeServerHandshake(c0c1, 0, Fill);
  ASSERT_TRUE(s0s1s2.ok());
  absl::StatusOr<Bytes> c2 = MakeClientC2(c1, *s0s1s2, Fill);
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(*c2, Bytes(s0s1s2->begin() + 1, s0s1s2->begin() + 1 + kHandshakeSize));
  Bytes bad_version = *s0s1s2;
  bad_version[0] = 9;
  EXPECT_FALSE(MakeClientC2(c1, bad_version, Fill).ok());
}

}  // namespace
}  // namespace livesnap::rtmp
