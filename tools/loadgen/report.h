// File: tools/loadgen/report.h
//
// What the load generator saw, per stream and in total, as text for people
// and JSON for the benchmark scripts.
//
//   LoadReport report = generator->Run();
//   std::cout << ReportText(report);
//   nlohmann::json json = ReportJson(report);
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace livesnap::loadgen {

struct StreamReport {
  int index = 0;
  std::string name;           // the stream name sent in publish
  bool connected = false;     // the TCP connection was established
  bool published = false;     // the server answered NetStream.Publish.Start
  int64_t connect_ms = -1;    // from its start to the TCP connection; -1 if never
  int64_t publish_ms = -1;    // from its start to NetStream.Publish.Start; -1 if never
  int64_t publishing_ms = 0;  // how long it published
  uint64_t bytes_sent = 0;    // everything written to the socket
  uint64_t send_calls = 0;    // successful send system calls (the write profile's pattern)
  uint64_t video_frames = 0;
  uint64_t audio_frames = 0;
  uint64_t keyframes = 0;
  int64_t last_keyframe_ms = -1;  // media time of the last keyframe sent
  int64_t media_ms = 0;           // media time of the last tag sent
  uint64_t loops = 0;             // completed passes over the file
  int stalls = 0;                 // episodes lagging real time by > stall_ms
  int64_t stalled_ms = 0;
  int64_t max_lag_ms = 0;
  std::string error;  // empty unless it failed; the server's status when refused
};

struct LoadReport {
  std::string url;      // rtmp://host:port/app
  std::string profile;  // the write profile: "ffmpeg", "obs", "batched"
  int streams = 0;
  double wall_s = 0;  // from the first start to the end of the run
  int64_t tick_ms = 0;
  int64_t stall_threshold_ms = 0;
  int64_t max_tick_late_ms = 0;  // how late the generator's own timers fired at worst
  double cpu_user_s = 0;         // of the load generator process
  double cpu_system_s = 0;
  int64_t max_rss_kib = 0;
  std::vector<StreamReport> per_stream;
};

struct LoadTotals {
  int connected = 0;
  int published = 0;
  int failed = 0;  // streams with an error
  uint64_t bytes_sent = 0;
  uint64_t send_calls = 0;
  uint64_t video_frames = 0;
  uint64_t keyframes = 0;
  int stalls = 0;
  int streams_with_stalls = 0;
  int64_t max_lag_ms = 0;
  double send_mbit_s = 0;  // bytes_sent over wall_s
};

LoadTotals Totals(const LoadReport& report);
// Sets cpu_user_s, cpu_system_s and max_rss_kib from this process's usage.
void AddProcessUsage(LoadReport& report);
nlohmann::json ReportJson(const LoadReport& report);
// Totals, then one line per stream.
std::string ReportText(const LoadReport& report);

}  // namespace livesnap::loadgen
