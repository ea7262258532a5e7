#include "api/internal/validation.h"

#include <chrono>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "snapshot/object_naming.h"

namespace livesnap::api::internal {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

// The value as it goes into a message: quoted, control bytes escaped, long
// values cut.
std::string Shown(std::string_view value) {
  constexpr size_t kMaxShown = 300;
  std::string text(value.substr(0, kMaxShown));
  std::string shown = "\"" + absl::CHexEscape(text) + "\"";
  if (value.size() > kMaxShown) shown += "...";
  return shown;
}

// Reads exactly `count` digits at text[pos].
std::optional<int> Digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsDigit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool Expect(std::string_view text, size_t pos, char c) {
  return pos < text.size() && text[pos] == c;
}

}  // namespace

std::optional<int64_t> ParseIso8601Utc(std::string_view text) {
  // yyyy-MM-ddTHH:mm:ss[.f+]Z
  if (text.size() < 20) return std::nullopt;
  const auto year = Digits(text, 0, 4);
  const auto month = Digits(text, 5, 2);
  const auto day = Digits(text, 8, 2);
  const auto hour = Digits(text, 11, 2);
  const auto minute = Digits(text, 14, 2);
  const auto second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !Expect(text, 4, '-') ||
      !Expect(text, 7, '-') || !Expect(text, 10, 'T') || !Expect(text, 13, ':') ||
      !Expect(text, 16, ':')) {
    return std::nullopt;
  }
  int64_t millis = 0;
  size_t pos = 19;
  if (Expect(text, pos, '.')) {
    ++pos;
    int64_t scale = 100;
    const size_t first = pos;
    while (pos < text.size() && IsDigit(text[pos])) {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first || pos - first > 9) return std::nullopt;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return std::nullopt;
  if (*year < 1970 || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return ((days * 24 + *hour) * 60 + *minute) * 60'000 + int64_t{*second} * 1000 + millis;
}

std::optional<int64_t> ParseNonNegativeInt(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<ApiError> CheckDomainName(std::string_view name) {
  auto malformed = [&](std::string_view why) {
    return Fail(codes::kInvalidDomainNameMalformed,
                absl::StrCat("DomainName ", Shown(name), " ", std::string(why)));
  };
  if (name.empty() || name.size() > 253) return malformed("is not 1..253 characters long");
  // A wildcard domain: "." and a host name of two labels or more.
  const bool wildcard = name.front() == '.';
  if (wildcard && name.find('.', 1) == std::string_view::npos) {
    return malformed("is a wildcard over a single label (it needs two, as in .example.com)");
  }
  size_t label_start = wildcard ? 1 : 0;
  for (size_t i = label_start; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      const std::string_view label = name.substr(label_start, i - label_start);
      if (label.empty()) return malformed("has an empty label");
      if (label.size() > 63) return malformed("has a label longer than 63 characters");
      if (label.front() == '-' || label.back() == '-') {
        return malformed("has a label that starts or ends with -");
      }
      label_start = i + 1;
      continue;
    }
    if (!IsAlnum(name[i]) && name[i] != '-') {
      return malformed("may hold only letters, digits, - and .");
    }
  }
  return std::nullopt;
}

std::optional<ApiError> CheckAppName(std::string_view app) {
  if (app == "*") return std::nullopt;
  auto malformed = [&](std::string_view why) {
    return Fail(codes::kInvalidAppNameMalformed,
                absl::StrCat("AppName ", Shown(app), " ", std::string(why)));
  };
  if (app.empty() || app.size() > 255) return malformed("is not 1..255 characters long");
  if (app.front() == '-' || app.front() == '_') return malformed("starts with - or _");
  for (char c : app) {
    if (!IsAlnum(c) && c != '-' && c != '_') {
      return malformed("may hold only letters, digits, - and _ (or be exactly *)");
    }
  }
  return std::nullopt;
}

std::optional<ApiError> CheckStreamName(std::string_view stream) {
  auto malformed = [&](std::string_view why) {
    return Fail(codes::kInvalidStreamNameMalformed,
                absl::StrCat("StreamName ", Shown(stream), " ", std::string(why)));
  };
  if (stream.empty() || stream.size() > 255) return malformed("is not 1..255 characters long");
  if (stream == "." || stream == "..") return malformed("is . or ..");
  for (char c : stream) {
    if (c == '/' || c == '\\' || IsControl(c)) {
      return malformed("contains /, \\ or a control character");
    }
  }
  return std::nullopt;
}

std::optional<ApiError> CheckRegion(std::string_view region) {
  bool ok = !region.empty() && region.size() <= 64;
  for (char c : region) ok = ok && ((c >= 'a' && c <= 'z') || IsDigit(c) || c == '-');
  if (ok) return std::nullopt;
  return Fail(codes::kInvalidRegionMalformed,
              absl::StrCat("Region ", Shown(region),
                           " is not 1..64 lowercase letters, digits and - (e.g. cn-shanghai)"));
}

std::optional<ApiError> CheckBucketName(std::string_view bucket) {
  bool ok = !bucket.empty() && bucket.size() <= 63 && bucket != "." && bucket != "..";
  for (char c : bucket) ok = ok && (IsAlnum(c) || c == '-' || c == '_' || c == '.');
  if (ok) return std::nullopt;
  return Fail(codes::kInvalidOssBucketMalformed,
              absl::StrCat("OssBucket ", Shown(bucket),
                           " is not 1..63 letters, digits, -, _ and . (and not . or ..)"));
}

std::optional<ApiError> CheckEndpoint(std::string_view endpoint) {
  bool ok = !endpoint.empty() && endpoint.size() <= 253;
  for (char c : endpoint) ok = ok && (IsAlnum(c) || c == '-' || c == '.' || c == ':');
  if (ok) return std::nullopt;
  return Fail(codes::kInvalidOssEndpointMalformed,
              absl::StrCat("OssEndpoint ", Shown(endpoint),
                           " is not a host name (letters, digits, -, . and an optional :port)"));
}

std::optional<ApiError> CheckObjectPattern(std::string_view pattern, ObjectMode mode) {
  const bool overwrite = mode == ObjectMode::kOverwrite;
  const absl::Status status = snapshot::ValidateObjectPattern(
      pattern, overwrite ? snapshot::PatternKind::kOverwrite : snapshot::PatternKind::kSequence);
  if (status.ok()) return std::nullopt;
  return TemplateViolationError({overwrite ? snapshot::TemplateField::kOverwritePattern
                                           : snapshot::TemplateField::kSequencePattern,
                                 std::string(status.message())});
}

std::optional<ApiError> CheckHttpUrl(std::string_view url, const ErrorCode& code,
                                     std::string_view param) {
  auto malformed = [&](std::string_view why) {
    return Fail(code, absl::StrCat(std::string(param), " ", Shown(url), " ", std::string(why)));
  };
  if (url.size() > kMaxUrlChars) return malformed("is longer than 500 characters");
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return malformed("is not an http:// or https:// URL");
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return malformed("has no host");
  for (char c : url) {
    if (c == ' ' || IsControl(c)) return malformed("contains a space or a control character");
  }
  return std::nullopt;
}

ApiResult<int> ParseInterval(std::string_view text) {
  const std::optional<int64_t> value = ParseNonNegativeInt(text);
  if (!value || !snapshot::ValidateInterval(*value).ok()) {
    return Fail(codes::kInvalidOssIntervalMalformed,
                absl::StrCat("TimeInterval ", Shown(text), " is not an integer from ",
                             snapshot::kMinIntervalS, " to ", snapshot::kMaxIntervalS));
  }
  return static_cast<int>(*value);
}

ApiResult<int> ParseDimension(std::string_view text, const ErrorCode& code,
                              std::string_view param) {
  const std::optional<int64_t> value = ParseNonNegativeInt(text);
  if (!value || !snapshot::ValidateOutputDimension(*value).ok()) {
    return Fail(code,
                absl::StrCat(std::string(param), " ", Shown(text), " is not an integer from 0 to ",
                             snapshot::kMaxOutputDimension, " (0 = the source's size)"));
  }
  return static_cast<int>(*value);
}

ApiError TemplateViolationError(const snapshot::TemplateViolation& violation) {
  using snapshot::TemplateField;
  switch (violation.field) {
    case TemplateField::kInterval:
      return Fail(codes::kInvalidOssIntervalMalformed, "TimeInterval " + violation.message);
    case TemplateField::kOverwritePattern:
      return Fail(codes::kInvalidOverwriteOssObjectMalformed,
                  "OverwriteOssObject: " + violation.message);
    case TemplateField::kSequencePattern:
      return Fail(codes::kInvalidSequenceOssObjectMalformed,
                  "SequenceOssObject: " + violation.message);
    case TemplateField::kStorageModes:
      return Fail(codes::kInvalidOverwriteOrSequenceOssObjectMalformed,
                  "At least one of OverwriteOssObject and SequenceOssObject is required.");
    case TemplateField::kWidth:
      return Fail(codes::kInvalidWidthMalformed, "Width " + violation.message);
    case TemplateField::kHeight:
      return Fail(codes::kInvalidHeightMalformed, "Height " + violation.message);
    case TemplateField::kBucketRegion:
      return Fail(codes::kInvalidOssBucketRegionMismatch, violation.message);
  }
  return Fail(codes::kInvalidOssIntervalMalformed, violation.message);
}

}  // namespace livesnap::api::internal
