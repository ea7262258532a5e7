// File: rtmp/amf0.h
//
// AMF0 (Adobe "Action Message Format -- AMF 0", 2006), the encoding of RTMP
// command and data messages: number, boolean, string, long string, object,
// null, undefined, ECMA array, strict array, date, and the object-end marker
// that closes objects and ECMA arrays. A typed object decodes as an object
// and an XML document as a long string; references, AMF3 switches and the
// reserved markers are errors.
//
//   std::vector<uint8_t> out;
//   amf0::Encode(amf0::Value::String("connect"), out);
//   LS_ASSIGN_OR_RETURN(std::vector<amf0::Value> values, amf0::DecodeAll(payload), "command");
//   if (const amf0::Value* app = values[2].Find("app"); app && app->IsString()) ...
//
// Decoding is bounded: nesting depth and the number of values are limited,
// every length is checked against what is left of the input, and nothing is
// allocated from a count read off the wire (containers grow with the values
// that actually decode), so a hostile message costs at most a small multiple
// of its own size (about 100 bytes per decoded value, max_values at most).
// No input makes a decoder function throw.
//
// Thread-safety: Value is a plain value; the functions are pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace livesnap::rtmp::amf0 {

// Type markers (AMF0 spec 2.1).
enum class Marker : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kMovieClip = 0x04,  // reserved
  kNull = 0x05,
  kUndefined = 0x06,
  kReference = 0x07,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0A,
  kDate = 0x0B,
  kLongString = 0x0C,
  kUnsupported = 0x0D,
  kRecordSet = 0x0E,  // reserved
  kXmlDocument = 0x0F,
  kTypedObject = 0x10,
  kAvmPlus = 0x11,
};

enum class Type {
  kNumber,
  kBoolean,
  kString,
  kLongString,
  kObject,
  kNull,
  kUndefined,
  kEcmaArray,
  kStrictArray,
  kDate,
};

struct Property;

class Value {
 public:
  Value();  // undefined
  ~Value();
  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;

  static Value Number(double number);
  static Value Boolean(bool boolean);
  // Encoded as a long string when longer than 65535 bytes.
  static Value String(std::string string);
  static Value LongString(std::string string);  // always the long-string marker
  static Value Object(std::vector<Property> properties);
  static Value Null();
  static Value Undefined();
  static Value EcmaArray(std::vector<Property> properties);
  static Value StrictArray(std::vector<Value> elements);
  static Value Date(double unix_ms, int16_t timezone_minutes = 0);

  Type type() const { return type_; }
  bool IsNumber() const { return type_ == Type::kNumber; }
  bool IsBoolean() const { return type_ == Type::kBoolean; }
  bool IsString() const { return type_ == Type::kString || type_ == Type::kLongString; }
  bool IsObject() const { return type_ == Type::kObject; }
  bool IsEcmaArray() const { return type_ == Type::kEcmaArray; }
  bool IsNull() const { return type_ == Type::kNull; }
  bool IsUndefined() const { return type_ == Type::kUndefined; }
  bool IsStrictArray() const { return type_ == Type::kStrictArray; }
  bool IsDate() const { return type_ == Type::kDate; }

  // Each accessor returns a neutral value (0, false, "", empty) when the
  // value is of another type, so callers check with Is* first.
  double AsNumber() const;  // also the milliseconds of a date
  bool AsBoolean() const;
  const std::string& AsString() const;
  int16_t timezone_minutes() const;  // of a date
  // The properties of an object or ECMA array, in order.
  const std::vector<Property>& properties() const;
  const std::vector<Value>& elements() const;  // of a strict array

  // The value of `key` in an object or ECMA array (the first one, when a
  // key repeats); null when absent or not an object.
  const Value* Find(std::string_view key) const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  Type type_ = Type::kUndefined;
  bool boolean_ = false;
  int16_t timezone_ = 0;
  double number_ = 0;
  std::string string_;
  std::vector<Property> properties_;
  std::vector<Value> elements_;
};

struct Property {
  std::string key;
  Value value;
  friend bool operator==(const Property& a, const Property& b) = default;
};

// Appends the encoding of `value`.
void Encode(const Value& value, std::vector<uint8_t>& out);

struct DecodeLimits {
  int max_depth = 32;          // objects/arrays nested deeper are an error
  size_t max_values = 65'536;  // values (at every depth) in one call
};

// Decodes the values that fill `data` back to back (a command or data
// message body). InvalidArgument naming the offset for a truncated value, a
// length beyond the input, an unsupported or reserved marker, or a limit
// exceeded.
absl::StatusOr<std::vector<Value>> DecodeAll(std::span<const uint8_t> data,
                                             const DecodeLimits& limits = {});

}  // namespace livesnap::rtmp::amf0
