#include "base/utc_time.h"

#include <chrono>
#include <cstdio>

namespace livesnap {

std::string FormatIso8601Utc(int64_t unix_ms, bool with_millis) {
  const int64_t ms_per_day = 86'400'000;
  int64_t days = unix_ms / ms_per_day;
  int64_t rest = unix_ms % ms_per_day;
  if (rest < 0) {
    rest += ms_per_day;
    --days;
  }
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  const int64_t seconds = rest / 1000;
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02d",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(seconds / 3600),
                static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60));
  std::string out = buffer;
  if (with_millis) {
    std::snprintf(buffer, sizeof(buffer), ".%03d", static_cast<int>(rest % 1000));
    out += buffer;
  }
  out += "Z";
  return out;
}

std::string FormatUtcDate(int64_t unix_ms) {
  std::string date = FormatIso8601Utc(unix_ms);
  return date.substr(0, date.find('T'));
}

}  // namespace livesnap
