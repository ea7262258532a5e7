#include "rtmp/handshake.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <optional>

#include "absl/strings/str_cat.h"

namespace livesnap::rtmp {

namespace {

constexpr size_t kDigestSize = 32;
using Digest = std::array<uint8_t, kDigestSize>;

// The published keys of the Flash handshake: a text part, then 32 bytes
// common to both. Digests of C1/S1 use the text part only; the S2/C2
// signatures use the whole key.
constexpr uint8_t kKeyTail[kDigestSize] = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

struct Key {
  std::array<uint8_t, 68> bytes{};
  size_t text_size = 0;
  std::span<const uint8_t> text() const { return std::span(bytes).first(text_size); }
  std::span<const uint8_t> full() const { return std::span(bytes).first(text_size + kDigestSize); }
};

Key MakeKey(std::string_view text) {
  Key key;
  std::copy(text.begin(), text.end(), key.bytes.begin());
  std::copy(std::begin(kKeyTail), std::end(kKeyTail), key.bytes.begin() + text.size());
  key.text_size = text.size();
  return key;
}

const Key& FlashPlayerKey() {
  static const Key key = MakeKey("Genuine Adobe Flash Player 001");
  return key;
}

const Key& MediaServerKey() {
  static const Key key = MakeKey("Genuine Adobe Flash Media Server 001");
  return key;
}

Digest Hmac(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Digest out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &size);
  return out;
}

// The two places a digest may sit: the sum of four bytes at `base` picks an
// offset in 728 bytes after them.
enum class Schema { kBase8, kBase772 };
constexpr Schema kSchemas[] = {Schema::kBase8, Schema::kBase772};

size_t DigestOffset(std::span<const uint8_t> block, Schema schema) {
  const size_t base = schema == Schema::kBase8 ? 8 : 772;
  const size_t sum = size_t{block[base]} + block[base + 1] + block[base + 2] + block[base + 3];
  return sum % 728 + base + 4;
}

// HMAC of the block without the 32 digest bytes at `offset`.
Digest BlockDigest(std::span<const uint8_t> block, size_t offset, std::span<const uint8_t> key) {
  std::array<uint8_t, kHandshakeSize - kDigestSize> joined;
  std::copy_n(block.begin(), offset, joined.begin());
  std::copy(block.begin() + static_cast<ptrdiff_t>(offset + kDigestSize), block.end(),
            joined.begin() + static_cast<ptrdiff_t>(offset));
  return Hmac(key, joined);
}

bool HasDigestAt(std::span<const uint8_t> block, Schema schema, std::span<const uint8_t> key) {
  const size_t offset = DigestOffset(block, schema);
  const Digest digest = BlockDigest(block, offset, key);
  return std::equal(digest.begin(), digest.end(), block.begin() + static_cast<ptrdiff_t>(offset));
}

std::optional<Schema> FindDigest(std::span<const uint8_t> block, std::span<const uint8_t> key) {
  if (block.size() != kHandshakeSize) return std::nullopt;
  for (Schema schema : kSchemas) {
    if (HasDigestAt(block, schema, key)) return schema;
  }
  return std::nullopt;
}

// Writes the digest of `block` with `key` at the schema's offset; returns it.
Digest SignBlock(std::span<uint8_t> block, Schema schema, std::span<const uint8_t> key) {
  const size_t offset = DigestOffset(block, schema);
  const Digest digest = BlockDigest(block, offset, key);
  std::copy(digest.begin(), digest.end(), block.begin() + static_cast<ptrdiff_t>(offset));
  return digest;
}

std::span<const uint8_t> DigestIn(std::span<const uint8_t> block, Schema schema) {
  return block.subspan(DigestOffset(block, schema), kDigestSize);
}

// A response block (S2 or C2): random bytes whose last 32 are an HMAC of the
// rest, keyed with HMAC(full key, the peer's digest).
void SignResponse(std::span<uint8_t> block, std::span<const uint8_t> peer_digest, const Key& key) {
  const Digest response_key = Hmac(key.full(), peer_digest);
  const Digest signature = Hmac(response_key, block.first(kHandshakeSize - kDigestSize));
  std::copy(signature.begin(), signature.end(), block.end() - kDigestSize);
}

bool ResponseValid(std::span<const uint8_t> block, std::span<const uint8_t> own_digest,
                   const Key& key) {
  const Digest response_key = Hmac(key.full(), own_digest);
  const Digest signature = Hmac(response_key, block.first(kHandshakeSize - kDigestSize));
  return std::equal(signature.begin(), signature.end(), block.end() - kDigestSize);
}

void PutU32(std::span<uint8_t> at, uint32_t v) {
  at[0] = static_cast<uint8_t>(v >> 24);
  at[1] = static_cast<uint8_t>(v >> 16);
  at[2] = static_cast<uint8_t>(v >> 8);
  at[3] = static_cast<uint8_t>(v);
}

// Versions written in the second word of a digest C1/S1 (any non-zero value
// marks the digest handshake; these are what Flash Player 9 and FMS 3 send).
constexpr uint32_t kClientVersion = 0x09007C02;
constexpr uint32_t kServerVersion = 0x03050101;

}  // namespace

HandshakeFlavor DetectHandshakeFlavor(std::span<const uint8_t> c1) {
  return FindDigest(c1, FlashPlayerKey().text()) ? HandshakeFlavor::kDigest
                                                 : HandshakeFlavor::kPlain;
}

absl::StatusOr<std::vector<uint8_t>> MakeServerHandshake(std::span<const uint8_t> c0c1,
                                                         uint32_t server_time_ms,
                                                         const RandomSource& fill_random) {
  if (c0c1.size() != 1 + kHandshakeSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("C0+C1 of ", c0c1.size(), " bytes (", 1 + kHandshakeSize, " expected)"));
  }
  if (c0c1[0] != kRtmpVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("RTMP version ", c0c1[0], " in C0 (only ", kRtmpVersion, " is served)"));
  }
  const std::span<const uint8_t> c1 = c0c1.subspan(1);
  std::vector<uint8_t> out(1 + 2 * kHandshakeSize);
  out[0] = kRtmpVersion;
  const std::span<uint8_t> s1 = std::span(out).subspan(1, kHandshakeSize);
  const std::span<uint8_t> s2 = std::span(out).subspan(1 + kHandshakeSize);
  fill_random(s1.subspan(8));
  PutU32(s1, server_time_ms);

  const std::optional<Schema> schema = FindDigest(c1, FlashPlayerKey().text());
  if (!schema) {
    std::copy(c1.begin(), c1.end(), s2.begin());  // the plain S2 echoes C1
    return out;
  }
  PutU32(s1.subspan(4), kServerVersion);
  SignBlock(s1, *schema, MediaServerKey().text());
  fill_random(s2);
  SignResponse(s2, DigestIn(c1, *schema), MediaServerKey());
  return out;
}

std::vector<uint8_t> MakeClientHandshake(HandshakeFlavor flavor, uint32_t client_time_ms,
                                         const RandomSource& fill_random) {
  std::vector<uint8_t> out(1 + kHandshakeSize);
  out[0] = kRtmpVersion;
  const std::span<uint8_t> c1 = std::span(out).subspan(1);
  fill_random(c1.subspan(8));
  PutU32(c1, client_time_ms);
  if (flavor == HandshakeFlavor::kDigest) {
    PutU32(c1.subspan(4), kClientVersion);
    SignBlock(c1, Schema::kBase8, FlashPlayerKey().text());
  }
  return out;
}

absl::StatusOr<std::vector<uint8_t>> MakeClientC2(std::span<const uint8_t> c1,
                                                  std::span<const uint8_t> s0s1s2,
                                                  const RandomSource& fill_random) {
  if (c1.size() != kHandshakeSize || s0s1s2.size() != 1 + 2 * kHandshakeSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("handshake blocks of ", c1.size(), " and ", s0s1s2.size(), " bytes"));
  }
  if (s0s1s2[0] != kRtmpVersion) {
    return absl::InvalidArgumentError(absl::StrCat("RTMP version ", s0s1s2[0], " in S0"));
  }
  const std::span<const uint8_t> s1 = s0s1s2.subspan(1, kHandshakeSize);
  const std::span<const uint8_t> s2 = s0s1s2.subspan(1 + kHandshakeSize);
  std::vector<uint8_t> c2(kHandshakeSize);
  const std::optional<Schema> client_schema = FindDigest(c1, FlashPlayerKey().text());
  if (!client_schema) {
    std::copy(s1.begin(), s1.end(), c2.begin());
    return c2;
  }
  const std::optional<Schema> server_schema = FindDigest(s1, MediaServerKey().text());
  if (!server_schema) return absl::InvalidArgumentError("S1 carries no valid server digest");
  if (!ResponseValid(s2, DigestIn(c1, *client_schema), MediaServerKey())) {
    return absl::InvalidArgumentError("S2 signature does not match C1's digest");
  }
  fill_random(c2);
  SignResponse(c2, DigestIn(s1, *server_schema), FlashPlayerKey());
  return c2;
}

}  // namespace livesnap::rtmp
