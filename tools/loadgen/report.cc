#include "tools/loadgen/report.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

namespace livesnap::loadgen {

void AddProcessUsage(LoadReport& report) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  report.cpu_user_s = static_cast<double>(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec / 1e6;
  report.cpu_system_s = static_cast<double>(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec / 1e6;
  report.max_rss_kib = usage.ru_maxrss;
}

LoadTotals Totals(const LoadReport& report) {
  LoadTotals t;
  for (const StreamReport& s : report.per_stream) {
    t.connected += s.connected;
    t.published += s.published;
    t.failed += !s.error.empty();
    t.bytes_sent += s.bytes_sent;
    t.send_calls += s.send_calls;
    t.video_frames += s.video_frames;
    t.keyframes += s.keyframes;
    t.stalls += s.stalls;
    t.streams_with_stalls += s.stalls > 0;
    t.max_lag_ms = std::max(t.max_lag_ms, s.max_lag_ms);
  }
  if (report.wall_s > 0)
    t.send_mbit_s = static_cast<double>(t.bytes_sent) * 8 / 1e6 / report.wall_s;
  return t;
}

nlohmann::json ReportJson(const LoadReport& report) {
  const LoadTotals t = Totals(report);
  nlohmann::json streams = nlohmann::json::array();
  for (const StreamReport& s : report.per_stream) {
    streams.push_back({
        {"index", s.index},
        {"name", s.name},
        {"connected", s.connected},
        {"published", s.published},
        {"connect_ms", s.connect_ms},
        {"publish_ms", s.publish_ms},
        {"publishing_ms", s.publishing_ms},
        {"bytes_sent", s.bytes_sent},
        {"send_calls", s.send_calls},
        {"video_frames", s.video_frames},
        {"audio_frames", s.audio_frames},
        {"keyframes", s.keyframes},
        {"last_keyframe_ms", s.last_keyframe_ms},
        {"media_ms", s.media_ms},
        {"loops", s.loops},
        {"stalls", s.stalls},
        {"stalled_ms", s.stalled_ms},
        {"max_lag_ms", s.max_lag_ms},
        {"error", s.error},
    });
  }
  return {
      {"url", report.url},
      {"profile", report.profile},
      {"streams", report.streams},
      {"wall_s", report.wall_s},
      {"tick_ms", report.tick_ms},
      {"stall_threshold_ms", report.stall_threshold_ms},
      {"max_tick_late_ms", report.max_tick_late_ms},
      {"cpu_user_s", report.cpu_user_s},
      {"cpu_system_s", report.cpu_system_s},
      {"max_rss_kib", report.max_rss_kib},
      {"totals",
       {
           {"connected", t.connected},
           {"published", t.published},
           {"failed", t.failed},
           {"bytes_sent", t.bytes_sent},
           {"send_calls", t.send_calls},
           {"video_frames", t.video_frames},
           {"keyframes", t.keyframes},
           {"stalls", t.stalls},
           {"streams_with_stalls", t.streams_with_stalls},
           {"max_lag_ms", t.max_lag_ms},
           {"send_mbit_s", t.send_mbit_s},
       }},
      {"per_stream", streams},
  };
}

std::string ReportText(const LoadReport& report) {
  const LoadTotals t = Totals(report);
  std::string text;
  char line[512];
  std::snprintf(
      line, sizeof(line),
      "livesnap-loadgen: %d streams to %s over %.1f s, written as %s writes\n"
      "  connected %d, publish accepted %d, failed %d\n"
      "  sent %.1f MB (%.1f Mbit/s) in %llu send calls (%.0f bytes each), %llu video frames, "
      "%llu keyframes\n"
      "  stalls %d in %d streams (lag > %lld ms), max lag %lld ms, "
      "timers late by up to %lld ms\n"
      "  load generator CPU %.2f s user + %.2f s system (%.3f cores), max RSS %lld KiB\n",
      report.streams, report.url.c_str(), report.wall_s,
      report.profile.empty() ? "?" : report.profile.c_str(), t.connected, t.published, t.failed,
      static_cast<double>(t.bytes_sent) / 1e6, t.send_mbit_s,
      static_cast<unsigned long long>(t.send_calls),
      t.send_calls > 0 ? static_cast<double>(t.bytes_sent) / static_cast<double>(t.send_calls)
                       : 0.0,
      static_cast<unsigned long long>(t.video_frames), static_cast<unsigned long long>(t.keyframes),
      t.stalls, t.streams_with_stalls, static_cast<long long>(report.stall_threshold_ms),
      static_cast<long long>(t.max_lag_ms), static_cast<long long>(report.max_tick_late_ms),
      report.cpu_user_s, report.cpu_system_s,
      report.wall_s > 0 ? (report.cpu_user_s + report.cpu_system_s) / report.wall_s : 0.0,
      static_cast<long long>(report.max_rss_kib));
  text += line;
  text +=
      "  stream                 conn  pub  publish_ms   sent_MB  frames  keyfr  stalls  "
      "max_lag_ms  error\n";
  for (const StreamReport& s : report.per_stream) {
    std::snprintf(line, sizeof(line), "  %-22s %4s %4s %11lld %9.2f %7llu %6llu %7d %11lld  %s\n",
                  s.name.c_str(), s.connected ? "yes" : "no", s.published ? "yes" : "no",
                  static_cast<long long>(s.publish_ms), static_cast<double>(s.bytes_sent) / 1e6,
                  static_cast<unsigned long long>(s.video_frames),
                  static_cast<unsigned long long>(s.keyframes), s.stalls,
                  static_cast<long long>(s.max_lag_ms), s.error.c_str());
    text += line;
  }
  return text;
}

}  // namespace livesnap::loadgen
