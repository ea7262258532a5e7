#include "snapshot/internal/av_log.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <mutex>

namespace livesnap::snapshot::internal {

namespace {

thread_local AvErrorCapture* active_capture = nullptr;

void LogCallback(void* avcl, int level, const char* fmt, va_list args) {
  const bool capturing = active_capture != nullptr && level <= AV_LOG_ERROR;
  if (!capturing && !spdlog::should_log(spdlog::level::debug)) return;
  if (level > AV_LOG_VERBOSE) return;
  char line[1024];
  int print_prefix = 1;
  va_list copy;
  va_copy(copy, args);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof(line), &print_prefix);
  va_end(copy);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty()) return;
  if (capturing) active_capture->Record(text);
  spdlog::debug("libav: {}", text);
}

}  // namespace

void RouteAvLogToSpdlog() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(&LogCallback); });
}

AvErrorCapture::AvErrorCapture() : previous_(active_capture) {
  RouteAvLogToSpdlog();
  active_capture = this;
}

AvErrorCapture::~AvErrorCapture() { active_capture = previous_; }

void AvErrorCapture::Record(std::string_view line) {
  if (first_error_.empty()) first_error_ = std::string(line);
}

std::string AvErrorCapture::Explain(std::string message) const {
  if (!first_error_.empty()) message += " (libav: " + first_error_ + ")";
  return message;
}

std::string AvErrorText(int error) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(error, text, sizeof(text)) < 0) return "libav error " + std::to_string(error);
  return text;
}

}  // namespace livesnap::snapshot::internal
