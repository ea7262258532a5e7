// File: snapshot/internal/av_log.h
//
// libav* logging for the capture code. RouteAvLogToSpdlog sends every libav*
// log line to spdlog at debug level instead of stderr (a corrupt keyframe
// makes libavcodec log a dozen lines; the pipeline logs the failure once,
// with the Status). While an AvErrorCapture lives on a thread (creating one
// routes the log if nothing did yet), the first error-level line libav* logs
// on that thread is kept, so the Status of a failed decode can quote
// libavcodec's reason ("error while decoding MB 3 0").
//
//   AvErrorCapture errors;
//   if (avcodec_send_packet(...) < 0) return Error(errors.first_error());
//
// Thread-safety: RouteAvLogToSpdlog is idempotent and thread-safe (it sets
// the process-wide libav* log callback once). An AvErrorCapture is used on
// the thread that created it; libav* must run on that thread (one decoding
// thread per codec context), which the capture code ensures.
#pragma once

#include <string>
#include <string_view>

namespace livesnap::snapshot::internal {

void RouteAvLogToSpdlog();

// av_strerror's text for a libav* error code, e.g. "Invalid data found when
// processing input".
std::string AvErrorText(int error);

class AvErrorCapture {
 public:
  AvErrorCapture();
  ~AvErrorCapture();
  AvErrorCapture(const AvErrorCapture&) = delete;
  AvErrorCapture& operator=(const AvErrorCapture&) = delete;

  // The first error-level line, without its trailing newline; empty if none.
  const std::string& first_error() const { return first_error_; }

  // Appends " (libav: <first error>)" to `message` when there is one.
  std::string Explain(std::string message) const;

  // Called by the log callback for each error-level line on this thread.
  void Record(std::string_view line);

 private:
  AvErrorCapture* previous_;
  std::string first_error_;
};

}  // namespace livesnap::snapshot::internal
