#include "rtmp/amf0.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "base/byte_reader.h"

namespace livesnap::rtmp::amf0 {

Value::Value() = default;
Value::~Value() = default;
Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;

Value Value::Number(double number) {
  Value v;
  v.type_ = Type::kNumber;
  v.number_ = number;
  return v;
}

Value Value::Boolean(bool boolean) {
  Value v;
  v.type_ = Type::kBoolean;
  v.boolean_ = boolean;
  return v;
}

Value Value::String(std::string string) {
  Value v;
  v.type_ = Type::kString;
  v.string_ = std::move(string);
  return v;
}

Value Value::LongString(std::string string) {
  Value v;
  v.type_ = Type::kLongString;
  v.string_ = std::move(string);
  return v;
}

Value Value::Object(std::vector<Property> properties) {
  Value v;
  v.type_ = Type::kObject;
  v.properties_ = std::move(properties);
  return v;
}

Value Value::Null() {
  Value v;
  v.type_ = Type::kNull;
  return v;
}

Value Value::Undefined() { return Value(); }

Value Value::EcmaArray(std::vector<Property> properties) {
  Value v;
  v.type_ = Type::kEcmaArray;
  v.properties_ = std::move(properties);
  return v;
}

Value Value::StrictArray(std::vector<Value> elements) {
  Value v;
  v.type_ = Type::kStrictArray;
  v.elements_ = std::move(elements);
  return v;
}

Value Value::Date(double unix_ms, int16_t timezone_minutes) {
  Value v;
  v.type_ = Type::kDate;
  v.number_ = unix_ms;
  v.timezone_ = timezone_minutes;
  return v;
}

double Value::AsNumber() const { return IsNumber() || IsDate() ? number_ : 0; }

bool Value::AsBoolean() const { return IsBoolean() && boolean_; }

const std::string& Value::AsString() const {
  static const std::string* const kEmpty = new std::string();
  return IsString() ? string_ : *kEmpty;
}

int16_t Value::timezone_minutes() const { return IsDate() ? timezone_ : 0; }

const std::vector<Property>& Value::properties() const { return properties_; }

const std::vector<Value>& Value::elements() const { return elements_; }

const Value* Value::Find(std::string_view key) const {
  if (!IsObject() && !IsEcmaArray()) return nullptr;
  for (const Property& property : properties_) {
    if (property.key == key) return &property.value;
  }
  return nullptr;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Type::kNumber:
      return a.number_ == b.number_;
    case Type::kBoolean:
      return a.boolean_ == b.boolean_;
    case Type::kString:
    case Type::kLongString:
      return a.string_ == b.string_;
    case Type::kObject:
    case Type::kEcmaArray:
      return a.properties_ == b.properties_;
    case Type::kStrictArray:
      return a.elements_ == b.elements_;
    case Type::kDate:
      return a.number_ == b.number_ && a.timezone_ == b.timezone_;
    case Type::kNull:
    case Type::kUndefined:
      return true;
  }
  return false;
}

namespace {

void PutU16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void PutU32(std::vector<uint8_t>& out, uint32_t v) {
  PutU16(out, static_cast<uint16_t>(v >> 16));
  PutU16(out, static_cast<uint16_t>(v));
}

void PutDouble(std::vector<uint8_t>& out, double d) {
  const uint64_t bits = std::bit_cast<uint64_t>(d);
  PutU32(out, static_cast<uint32_t>(bits >> 32));
  PutU32(out, static_cast<uint32_t>(bits));
}

void PutMarker(std::vector<uint8_t>& out, Marker marker) {
  out.push_back(static_cast<uint8_t>(marker));
}

// A UTF-8 string without marker: u16 length, or u32 for long strings.
void PutShortString(std::vector<uint8_t>& out, std::string_view s) {
  PutU16(out, static_cast<uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

void PutProperties(std::vector<uint8_t>& out, const std::vector<Property>& properties) {
  for (const Property& property : properties) {
    // Keys are short strings; a longer one cannot be encoded and is cut.
    PutShortString(out, std::string_view(property.key).substr(0, 0xFFFF));
    Encode(property.value, out);
  }
  PutShortString(out, "");
  PutMarker(out, Marker::kObjectEnd);
}

}  // namespace

void Encode(const Value& value, std::vector<uint8_t>& out) {
  switch (value.type()) {
    case Type::kNumber:
      PutMarker(out, Marker::kNumber);
      PutDouble(out, value.AsNumber());
      return;
    case Type::kBoolean:
      PutMarker(out, Marker::kBoolean);
      out.push_back(value.AsBoolean() ? 1 : 0);
      return;
    case Type::kString:
    case Type::kLongString: {
      const std::string& s = value.AsString();
      if (value.type() == Type::kString && s.size() <= 0xFFFF) {
        PutMarker(out, Marker::kString);
        PutShortString(out, s);
      } else {
        PutMarker(out, Marker::kLongString);
        PutU32(out, static_cast<uint32_t>(s.size()));
        out.insert(out.end(), s.begin(), s.end());
      }
      return;
    }
    case Type::kObject:
      PutMarker(out, Marker::kObject);
      PutProperties(out, value.properties());
      return;
    case Type::kNull:
      PutMarker(out, Marker::kNull);
      return;
    case Type::kUndefined:
      PutMarker(out, Marker::kUndefined);
      return;
    case Type::kEcmaArray:
      PutMarker(out, Marker::kEcmaArray);
      PutU32(out, static_cast<uint32_t>(value.properties().size()));
      PutProperties(out, value.properties());
      return;
    case Type::kStrictArray:
      PutMarker(out, Marker::kStrictArray);
      PutU32(out, static_cast<uint32_t>(value.elements().size()));
      for (const Value& element : value.elements()) Encode(element, out);
      return;
    case Type::kDate:
      PutMarker(out, Marker::kDate);
      PutDouble(out, value.AsNumber());
      PutU16(out, static_cast<uint16_t>(value.timezone_minutes()));
      return;
  }
}

namespace {

class Decoder {
 public:
  Decoder(std::span<const uint8_t> data, const DecodeLimits& limits)
      : reader_(data), limits_(limits) {}

  bool done() const { return reader_.empty(); }

  absl::StatusOr<Value> DecodeValue(int depth) {
    const size_t offset = reader_.position();
    if (depth > limits_.max_depth) {
      return Error(offset, absl::StrCat("nesting deeper than ", limits_.max_depth));
    }
    if (++values_ > limits_.max_values) {
      return Error(offset, absl::StrCat("more than ", limits_.max_values, " values"));
    }
    uint8_t marker = 0;
    if (!reader_.ReadU8(marker)) return Error(offset, "missing type marker");
    switch (static_cast<Marker>(marker)) {
      case Marker::kNumber: {
        double number = 0;
        if (!ReadDouble(number)) return Truncated(offset, "number");
        return Value::Number(number);
      }
      case Marker::kBoolean: {
        uint8_t b = 0;
        if (!reader_.ReadU8(b)) return Truncated(offset, "boolean");
        return Value::Boolean(b != 0);
      }
      case Marker::kString: {
        std::string s;
        if (absl::Status status = ReadString(false, s); !status.ok()) return status;
        return Value::String(std::move(s));
      }
      case Marker::kLongString:
      case Marker::kXmlDocument: {
        std::string s;
        if (absl::Status status = ReadString(true, s); !status.ok()) return status;
        return Value::LongString(std::move(s));
      }
      case Marker::kObject: {
        std::vector<Property> properties;
        if (absl::Status s = ReadProperties(depth, properties); !s.ok()) return s;
        return Value::Object(std::move(properties));
      }
      case Marker::kTypedObject: {
        std::string class_name;
        if (absl::Status s = ReadString(false, class_name); !s.ok()) return s;
        std::vector<Property> properties;
        if (absl::Status s = ReadProperties(depth, properties); !s.ok()) return s;
        return Value::Object(std::move(properties));
      }
      case Marker::kEcmaArray: {
        uint32_t count_hint = 0;  // not trusted: the object-end marker ends the array
        if (!reader_.ReadU32(count_hint)) return Truncated(offset, "ECMA array count");
        std::vector<Property> properties;
        if (absl::Status s = ReadProperties(depth, properties); !s.ok()) return s;
        return Value::EcmaArray(std::move(properties));
      }
      case Marker::kStrictArray: {
        uint32_t count = 0;
        if (!reader_.ReadU32(count)) return Truncated(offset, "strict array count");
        if (count > reader_.remaining()) {  // every element takes at least one byte
          return Error(offset, absl::StrCat("strict array of ", count, " elements in ",
                                            reader_.remaining(), " bytes"));
        }
        // The count is a claim of the peer's: the array grows with the
        // elements that actually decode, never by reserving `count` up front
        // (nested arrays each claiming the whole message would otherwise
        // reserve ~100 bytes per claimed element at every level).
        std::vector<Value> elements;
        for (uint32_t i = 0; i < count; ++i) {
          absl::StatusOr<Value> element = DecodeValue(depth + 1);
          if (!element.ok()) return element.status();
          elements.push_back(*std::move(element));
        }
        return Value::StrictArray(std::move(elements));
      }
      case Marker::kDate: {
        double ms = 0;
        uint16_t timezone = 0;
        if (!ReadDouble(ms) || !reader_.ReadU16(timezone)) return Truncated(offset, "date");
        return Value::Date(ms, static_cast<int16_t>(timezone));
      }
      case Marker::kNull:
        return Value::Null();
      case Marker::kUndefined:
      case Marker::kUnsupported:
        return Value::Undefined();
      case Marker::kObjectEnd:
        return Error(offset, "object-end marker outside an object");
      case Marker::kReference:
        return Error(offset, "references are not supported");
      case Marker::kAvmPlus:
        return Error(offset, "AMF3 values are not supported");
      case Marker::kMovieClip:
      case Marker::kRecordSet:
        break;
    }
    return Error(offset, absl::StrCat("reserved or unknown type marker 0x",
                                      absl::Hex(marker, absl::kZeroPad2)));
  }

 private:
  static absl::Status Error(size_t offset, std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("AMF0 at offset ", offset, ": ", std::string(what)));
  }
  static absl::Status Truncated(size_t offset, std::string_view what) {
    return Error(offset, std::string(what) + " cut short");
  }

  bool ReadDouble(double& out) {
    uint64_t bits = 0;
    if (!reader_.ReadU64(bits)) return false;
    out = std::bit_cast<double>(bits);
    return true;
  }

  absl::Status ReadString(bool long_string, std::string& out) {
    const size_t offset = reader_.position();
    uint32_t length = 0;
    if (long_string) {
      if (!reader_.ReadU32(length)) return Truncated(offset, "long string length");
    } else {
      uint16_t length16 = 0;
      if (!reader_.ReadU16(length16)) return Truncated(offset, "string length");
      length = length16;
    }
    std::string_view bytes;
    if (!reader_.ReadString(length, bytes)) {
      return Error(offset, absl::StrCat("string of ", length, " bytes with only ",
                                        reader_.remaining(), " left"));
    }
    out.assign(bytes);
    return absl::OkStatus();
  }

  // Key/value pairs up to the empty key and object-end marker.
  absl::Status ReadProperties(int depth, std::vector<Property>& properties) {
    while (true) {
      std::string key;
      if (absl::Status s = ReadString(false, key); !s.ok()) return s;
      if (key.empty()) {
        // The empty key before the object-end marker closes the object; an
        // empty key before any other marker is a property some encoders write.
        if (reader_.empty()) return Truncated(reader_.position(), "object end");
        if (reader_.rest()[0] == static_cast<uint8_t>(Marker::kObjectEnd)) {
          reader_.Skip(1);
          return absl::OkStatus();
        }
      }
      absl::StatusOr<Value> value = DecodeValue(depth + 1);
      if (!value.ok()) return value.status();
      properties.push_back({std::move(key), *std::move(value)});
    }
  }

  ByteReader reader_;
  const DecodeLimits& limits_;
  size_t values_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<Value>> DecodeAll(std::span<const uint8_t> data,
                                             const DecodeLimits& limits) {
  Decoder decoder(data, limits);
  std::vector<Value> values;
  while (!decoder.done()) {
    absl::StatusOr<Value> value = decoder.DecodeValue(0);
    if (!value.ok()) return value.status();
    values.push_back(*std::move(value));
  }
  return values;
}

}  // namespace livesnap::rtmp::amf0
