// File: base/utc_time.h
//
// Times as users read them: ISO 8601 in UTC, the one text form of a time in
// API answers, logs, callbacks, object names and signed requests.
//
//   FormatIso8601Utc(1456231584000)        // "2016-02-23T12:46:24Z"
//   FormatIso8601Utc(1456231584123, true)  // "2016-02-23T12:46:24.123Z"
//   FormatUtcDate(1456231584000)           // "2016-02-23"
//
// Thread-safety: pure functions (no gmtime's shared buffer, no locale).
#pragma once

#include <cstdint>
#include <string>

namespace livesnap {

// "yyyy-MM-ddTHH:mm:ssZ" of `unix_ms` (milliseconds since the Unix epoch);
// with_millis adds ".SSS" before the Z.
std::string FormatIso8601Utc(int64_t unix_ms, bool with_millis = false);

// "yyyy-MM-dd": the UTC date of `unix_ms`.
std::string FormatUtcDate(int64_t unix_ms);

}  // namespace livesnap
