#include "rtmp/amf0.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>

// The largest single allocation since the last reset: this test binary
// replaces the global operator new so that a decoder allocation driven by a
// count read off the wire shows, whatever the allocator.
namespace {
std::atomic<size_t> largest_allocation{0};
}  // namespace

void* operator new(size_t size) {
  size_t seen = largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !largest_allocation.compare_exchange_weak(seen, size)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// GCC cannot see that the replaced operator new allocates with malloc.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace livesnap::rtmp::amf0 {
namespace {

std::vector<uint8_t> Encoded(const Value& value) {
  std::vector<uint8_t> out;
  Encode(value, out);
  return out;
}

Value RoundTrip(const Value& value) {
  absl::StatusOr<std::vector<Value>> decoded = DecodeAll(Encoded(value));
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok() || decoded->size() != 1) return Value::Undefined();
  return decoded->front();
}

absl::Status DecodeError(std::vector<uint8_t> bytes, const DecodeLimits& limits = {}) {
  return DecodeAll(bytes, limits).status();
}

TEST(Amf0Test, NumberIsABigEndianDouble) {
  EXPECT_EQ(Encoded(Value::Number(1.0)),
            (std::vector<uint8_t>{0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0}));
  for (double d : {0.0, -1.5, 1e300, 3.14159, std::numeric_limits<double>::denorm_min()}) {
    EXPECT_EQ(RoundTrip(Value::Number(d)).AsNumber(), d);
  }
  EXPECT_TRUE(std::isnan(RoundTrip(Value::Number(std::nan(""))).AsNumber()));
}

TEST(Amf0Test, BooleanNullUndefined) {
  EXPECT_EQ(Encoded(Value::Boolean(true)), (std::vector<uint8_t>{0x01, 0x01}));
  EXPECT_EQ(RoundTrip(Value::Boolean(true)), Value::Boolean(true));
  EXPECT_EQ(RoundTrip(Value::Boolean(false)), Value::Boolean(false));
  EXPECT_EQ(Encoded(Value::Null()), (std::vector<uint8_t>{0x05}));
  EXPECT_TRUE(RoundTrip(Value::Null()).IsNull());
  EXPECT_EQ(Encoded(Value::Undefined()), (std::vector<uint8_t>{0x06}));
  EXPECT_TRUE(RoundTrip(Value::Undefined()).IsUndefined());
}

TEST(Amf0Test, StringsShortAndLong) {
  EXPECT_EQ(Encoded(Value::String("ab")), (std::vector<uint8_t>{0x02, 0x00, 0x02, 'a', 'b'}));
  EXPECT_EQ(RoundTrip(Value::String("")).AsString(), "");
  EXPECT_EQ(RoundTrip(Value::String("connect")).AsString(), "connect");
  EXPECT_EQ(Encoded(Value::LongString("ab")),
            (std::vector<uint8_t>{0x0C, 0, 0, 0, 0x02, 'a', 'b'}));
  Value long_string = RoundTrip(Value::LongString("ab"));
  EXPECT_EQ(long_string.type(), Type::kLongString);
  EXPECT_TRUE(long_string.IsString());
  // A string over 65535 bytes can only be a long string.
  const std::string big(70'000, 'x');
  std::vector<uint8_t> bytes = Encoded(Value::String(big));
  EXPECT_EQ(bytes[0], 0x0C);
  EXPECT_EQ(RoundTrip(Value::String(big)).AsString(), big);
}

TEST(Amf0Test, ObjectKeepsOrderAndFindsKeys) {
  Value object = Value::Object({{"app", Value::String("live")},
                                {"flashVer", Value::String("FMLE/3.0")},
                                {"audioCodecs", Value::Number(3575)},
                                {"nested", Value::Object({{"x", Value::Boolean(true)}})}});
  std::vector<uint8_t> bytes = Encoded(object);
  EXPECT_EQ(bytes.front(), 0x03);
  EXPECT_EQ(std::vector<uint8_t>(bytes.end() - 3, bytes.end()),
            (std::vector<uint8_t>{0x00, 0x00, 0x09}));
  Value decoded = RoundTrip(object);
  EXPECT_EQ(decoded, object);
  ASSERT_NE(decoded.Find("app"), nullptr);
  EXPECT_EQ(decoded.Find("app")->AsString(), "live");
  EXPECT_EQ(decoded.properties()[2].key, "audioCodecs");
  EXPECT_TRUE(decoded.Find("nested")->Find("x")->AsBoolean());
  EXPECT_EQ(decoded.Find("missing"), nullptr);
  EXPECT_EQ(Value::Number(1).Find("app"), nullptr);
}

TEST(Amf0Test, EcmaArrayStrictArrayAndDate) {
  Value metadata = Value::EcmaArray({{"width", Value::Number(1280)},
                                     {"height", Value::Number(720)},
                                     {"stereo", Value::Boolean(true)}});
  std::vector<uint8_t> bytes = Encoded(metadata);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 5),
            (std::vector<uint8_t>{0x08, 0, 0, 0, 3}));
  Value decoded = RoundTrip(metadata);
  EXPECT_TRUE(decoded.IsEcmaArray());
  EXPECT_EQ(decoded, metadata);
  EXPECT_EQ(decoded.Find("height")->AsNumber(), 720);

  Value array = Value::StrictArray(
      {Value::Number(1), Value::String("two"), Value::Null(), Value::StrictArray({})});
  EXPECT_EQ(RoundTrip(array), array);
  EXPECT_EQ(RoundTrip(array).elements().size(), 4u);

  Value date = Value::Date(1'700'000'000'000.0, -120);
  EXPECT_EQ(Encoded(date).size(), 11u);
  Value decoded_date = RoundTrip(date);
  EXPECT_TRUE(decoded_date.IsDate());
  EXPECT_EQ(decoded_date.AsNumber(), 1'700'000'000'000.0);
  EXPECT_EQ(decoded_date.timezone_minutes(), -120);
}

TEST(Amf0Test, ValuesBackToBackAsInACommand) {
  std::vector<uint8_t> bytes;
  for (const Value& v : {Value::String("publish"), Value::Number(5), Value::Null(),
                         Value::String("demo"), Value::String("live")}) {
    Encode(v, bytes);
  }
  absl::StatusOr<std::vector<Value>> values = DecodeAll(bytes);
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), 5u);
  EXPECT_EQ((*values)[0].AsString(), "publish");
  EXPECT_EQ((*values)[1].AsNumber(), 5);
  EXPECT_TRUE((*values)[2].IsNull());
  EXPECT_TRUE(DecodeAll({}).ok());
}

TEST(Amf0Test, TypedObjectXmlAndUnsupportedDecode) {
  // Typed object "C" {a: null}; XML document "<x/>"; unsupported marker.
  std::vector<uint8_t> bytes = {0x10, 0, 1, 'C', 0, 1,   'a', 0x05, 0,   0,   0x09,
                                0x0F, 0, 0, 0,   4, '<', 'x', '/',  '>', 0x0D};
  absl::StatusOr<std::vector<Value>> values = DecodeAll(bytes);
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), 3u);
  EXPECT_TRUE((*values)[0].IsObject());
  EXPECT_TRUE((*values)[0].Find("a")->IsNull());
  EXPECT_EQ((*values)[1].AsString(), "<x/>");
  EXPECT_TRUE((*values)[2].IsUndefined());
}

TEST(Amf0Test, AccessorsOfTheWrongTypeAreNeutral) {
  Value s = Value::String("x");
  EXPECT_EQ(s.AsNumber(), 0);
  EXPECT_FALSE(s.AsBoolean());
  EXPECT_TRUE(Value::Number(3).AsString().empty());
  EXPECT_TRUE(s.properties().empty());
  EXPECT_TRUE(s.elements().empty());
}

TEST(Amf0Test, StringLongerThanTheInputIsAnError) {
  absl::Status s = DecodeError({0x02, 0x7F, 0xFF, 'c', 'o', 'n', 'n', 'e', 'c', 't'});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("32767"), std::string::npos) << s;
  EXPECT_FALSE(DecodeError({0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 'a'}).ok());
  EXPECT_FALSE(DecodeError({0x03, 0x00, 0x05, 'a'}).ok());  // key cut short
}

TEST(Amf0Test, TruncatedValuesAreErrors) {
  EXPECT_FALSE(DecodeError({0x00, 0x3F, 0xF0}).ok());
  EXPECT_FALSE(DecodeError({0x01}).ok());
  EXPECT_FALSE(DecodeError({0x02, 0x00}).ok());
  EXPECT_FALSE(DecodeError({0x03, 0x00, 0x01, 'a', 0x05}).ok());  // no object end
  EXPECT_FALSE(DecodeError({0x03, 0x00, 0x00}).ok());
  EXPECT_FALSE(DecodeError({0x08, 0x00, 0x00}).ok());
  EXPECT_FALSE(DecodeError({0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0}).ok());
}

TEST(Amf0Test, UnsupportedAndStrayMarkersAreErrors) {
  EXPECT_FALSE(DecodeError({0x09}).ok());              // object end outside an object
  EXPECT_FALSE(DecodeError({0x07, 0x00, 0x01}).ok());  // reference
  EXPECT_FALSE(DecodeError({0x11, 0x01}).ok());        // switch to AMF3
  EXPECT_FALSE(DecodeError({0x04}).ok());              // movie clip (reserved)
  EXPECT_FALSE(DecodeError({0x0E}).ok());              // record set (reserved)
  EXPECT_FALSE(DecodeError({0x42}).ok());
}

TEST(Amf0Test, StrictArrayCountBeyondTheInputFailsWithoutAllocating) {
  absl::Status s = DecodeError({0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("4294967295"), std::string::npos) << s;
}

// Issue 18: strict arrays nested 32 deep, each claiming as many elements as
// the message has bytes left, in a 1 MiB message. Reserving from the claims
// took ~100 bytes per claimed element at every level (tens of GB for a 15 MiB
// message); now every allocation stays within a small multiple of the bytes
// that actually decoded.
TEST(Amf0Test, NestedStrictArrayClaimsDoNotDriveAllocations) {
  constexpr size_t kMessageSize = 1 << 20;
  std::vector<uint8_t> message;
  for (int depth = 0; depth < 32; ++depth) {
    const uint32_t claim = static_cast<uint32_t>(kMessageSize - message.size() - 5);
    message.insert(message.end(),
                   {0x0A, static_cast<uint8_t>(claim >> 24), static_cast<uint8_t>(claim >> 16),
                    static_cast<uint8_t>(claim >> 8), static_cast<uint8_t>(claim)});
  }
  message.resize(kMessageSize, 0x05);  // nulls: the deepest array's elements
  largest_allocation = 0;
  absl::StatusOr<std::vector<Value>> decoded = DecodeAll(message);
  EXPECT_FALSE(decoded.ok());  // the claims are not met (or the value limit is hit)
  EXPECT_LT(largest_allocation.load(), size_t{8} << 20);

  // A strict array claiming 4 G elements with a few bytes behind it.
  largest_allocation = 0;
  std::vector<uint8_t> small = {0x0A, 0x7F, 0xFF, 0xFF, 0xFF};
  small.resize(4096, 0x0A);
  EXPECT_FALSE(DecodeAll(small).ok());
  EXPECT_LT(largest_allocation.load(), size_t{64} << 10);
}

TEST(Amf0Test, DepthAndValueCountAreLimited) {
  std::vector<uint8_t> deep;
  for (int i = 0; i < 40; ++i) deep.insert(deep.end(), {0x0A, 0, 0, 0, 1});
  deep.push_back(0x05);
  EXPECT_FALSE(DecodeError(deep).ok());
  DecodeLimits generous;
  generous.max_depth = 64;
  EXPECT_TRUE(DecodeAll(deep, generous).ok());

  std::vector<uint8_t> many(1000, 0x05);
  DecodeLimits small;
  small.max_values = 999;
  absl::Status s = DecodeError(many, small);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("999"), std::string::npos);
  EXPECT_TRUE(DecodeAll(many).ok());
}

}  // namespace
}  // namespace livesnap::rtmp::amf0
