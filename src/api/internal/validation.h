// File: api/internal/validation.h
//
// The value rules of the API's parameters (shared/reference/cloud-snapshot-apis.md
// plus livesnap's extensions) and the UTC ISO 8601 time format the API reads
// and writes. Each Check* returns nullopt for a valid value, or the error the
// API answers with, its message naming the parameter and the value.
//
//   if (auto error = CheckAppName(app)) return *error;
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/internal/api_error.h"
#include "base/utc_time.h"  // FormatIso8601Utc, for every action that shows a time
#include "snapshot/template_rules.h"

namespace livesnap::api::internal {

inline constexpr size_t kMaxUrlChars = 500;

// "yyyy-MM-ddTHH:mm:ssZ", optionally with a fraction of a second
// ("...:ss.123Z"); years 1970..9999. Milliseconds since the Unix epoch, or
// nullopt when malformed.
std::optional<int64_t> ParseIso8601Utc(std::string_view text);
// Its inverse, FormatIso8601Utc, is base/utc_time.h's (included above).

// A decimal integer without sign, spaces or leading '+' ("-1" is refused), at
// most 18 digits.
std::optional<int64_t> ParseNonNegativeInt(std::string_view text);

std::optional<ApiError> CheckDomainName(std::string_view name);
std::optional<ApiError> CheckAppName(std::string_view app);
std::optional<ApiError> CheckStreamName(std::string_view stream);
std::optional<ApiError> CheckRegion(std::string_view region);
std::optional<ApiError> CheckBucketName(std::string_view bucket);
std::optional<ApiError> CheckEndpoint(std::string_view endpoint);

enum class ObjectMode { kOverwrite, kSequence };
// OverwriteOssObject / SequenceOssObject by snapshot::ValidateObjectPattern;
// the error is InvalidOverwriteOssObject.Malformed or
// InvalidSequenceOssObject.Malformed.
std::optional<ApiError> CheckObjectPattern(std::string_view pattern, ObjectMode mode);

// An absolute http:// or https:// URL of at most kMaxUrlChars characters
// without whitespace or control characters. `code` is the error to answer
// with, `param` names the parameter.
std::optional<ApiError> CheckHttpUrl(std::string_view url, const ErrorCode& code,
                                     std::string_view param);

// TimeInterval: an integer within snapshot::ValidateInterval (5..3600).
ApiResult<int> ParseInterval(std::string_view text);
// Width/Height: an integer within snapshot::ValidateOutputDimension (0..4096,
// 0 = the source's size).
ApiResult<int> ParseDimension(std::string_view text, const ErrorCode& code, std::string_view param);

// A broken template rule (snapshot/template_rules.h) as the error the API
// answers with for the parameter it concerns.
ApiError TemplateViolationError(const snapshot::TemplateViolation& violation);

}  // namespace livesnap::api::internal
