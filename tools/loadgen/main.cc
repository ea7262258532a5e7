// livesnap-loadgen: pushes N concurrent RTMP streams replaying one FLV file
// (or, with --protocol srt, N SRT callers sending one MPEG-TS file) at
// real-time rate, and reports per stream and in total what it saw.
//
//   livesnap-loadgen --file clip.flv --url rtmp://127.0.0.1:1935 -n 1000
//       --ramp 50 --duration 60 --json report.json
//   ffmpeg -i clip.flv -c copy -f mpegts clip.ts
//   livesnap-loadgen --protocol srt --file clip.ts --url srt://127.0.0.1:10080 -n 1000
#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rtmp/publisher.h"
#include "tools/loadgen/load_generator.h"
#include "tools/loadgen/srt_load_generator.h"
#include "tools/loadgen/ts_plan.h"

namespace {

std::string CommandLine(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) absl::StrAppend(&line, i == 0 ? "" : " ", argv[i]);
  return line;
}

// "srt://host:port" into host and port; false when it is not that.
bool ParseSrtUrl(const std::string& url, livesnap::loadgen::LoadOptions& options) {
  constexpr std::string_view kScheme = "srt://";
  if (!url.starts_with(kScheme)) return false;
  const std::string rest = url.substr(kScheme.size());
  const size_t colon = rest.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(rest.substr(colon + 1), &port) || port == 0 ||
      port > 65535) {
    return false;
  }
  std::string host = rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  options.host = host;
  options.port = static_cast<uint16_t>(port);
  return true;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A generator ready to run, with the plan it replays and the plan's facts
// for the report.
struct Prepared {
  std::unique_ptr<livesnap::loadgen::ReplayPlan> rtmp_plan;
  std::unique_ptr<livesnap::loadgen::TsPlan> srt_plan;
  std::unique_ptr<livesnap::loadgen::LoadGenerator> generator;
  int64_t loop_duration_ms = 0;
  uint64_t loop_bytes = 0;
  nlohmann::json loop_keyframes;  // null for SRT (the TS is not parsed that far)
};

absl::StatusOr<Prepared> PrepareRtmp(livesnap::loadgen::LoadOptions options,
                                     const std::string& file, const std::string& url) {
  if (!url.empty()) {
    absl::StatusOr<livesnap::rtmp::PublisherOptions> parsed =
        livesnap::rtmp::PublisherOptionsFromUrl(url + "/app/stream");
    if (!parsed.ok()) {
      return absl::InvalidArgumentError("--url " + url + ": " +
                                        std::string(parsed.status().message()));
    }
    options.host = parsed->host;
    options.port = parsed->port;
  }
  absl::StatusOr<livesnap::rtmp::FlvFile> flv = livesnap::rtmp::FlvFile::Read(file);
  if (!flv.ok()) return flv.status();
  absl::StatusOr<livesnap::loadgen::ReplayPlan> plan =
      livesnap::loadgen::ReplayPlan::Create(*std::move(flv));
  if (!plan.ok()) {
    return absl::InvalidArgumentError(file + ": " + std::string(plan.status().message()));
  }
  Prepared prepared;
  prepared.rtmp_plan = std::make_unique<livesnap::loadgen::ReplayPlan>(*std::move(plan));
  absl::StatusOr<std::unique_ptr<livesnap::loadgen::LoadGenerator>> generator =
      livesnap::loadgen::LoadGenerator::Create(options, *prepared.rtmp_plan);
  if (!generator.ok()) return generator.status();
  prepared.generator = *std::move(generator);
  prepared.loop_duration_ms = prepared.rtmp_plan->loop_duration_ms();
  prepared.loop_bytes = prepared.rtmp_plan->loop_bytes();
  prepared.loop_keyframes = prepared.rtmp_plan->loop_keyframes();
  return prepared;
}

absl::StatusOr<Prepared> PrepareSrt(livesnap::loadgen::LoadOptions options, const std::string& file,
                                    const std::string& url) {
  if (!url.empty() && !ParseSrtUrl(url, options)) {
    return absl::InvalidArgumentError("--url " + url + ": not srt://host:port");
  }
  absl::StatusOr<livesnap::loadgen::TsPlan> plan =
      livesnap::loadgen::TsPlan::Create(ReadWholeFile(file));
  if (!plan.ok()) {
    return absl::InvalidArgumentError(file + ": " + std::string(plan.status().message()));
  }
  Prepared prepared;
  prepared.srt_plan = std::make_unique<livesnap::loadgen::TsPlan>(*std::move(plan));
  absl::StatusOr<std::unique_ptr<livesnap::loadgen::LoadGenerator>> generator =
      livesnap::loadgen::CreateSrtLoadGenerator(options, *prepared.srt_plan);
  if (!generator.ok()) return generator.status();
  prepared.generator = *std::move(generator);
  prepared.loop_duration_ms = prepared.srt_plan->loop_duration_ms();
  prepared.loop_bytes = prepared.srt_plan->loop_bytes();
  return prepared;
}

}  // namespace

int main(int argc, char** argv) {
  using livesnap::loadgen::LoadOptions;
  CLI::App app{
      "livesnap-loadgen: N concurrent RTMP publishers replaying one FLV file, or SRT callers "
      "sending one MPEG-TS file"};
  LoadOptions options;
  std::string file;
  std::string url;
  std::string json_path;
  bool quiet = false;
  std::string protocol = "rtmp";
  app.add_option("--protocol", protocol,
                 "rtmp (--file is FLV) or srt (--file is MPEG-TS, sent in 1316-byte messages "
                 "paced by its PCR)")
      ->check(CLI::IsMember({"rtmp", "srt"}))
      ->capture_default_str();
  app.add_option("-f,--file", file, "FLV (rtmp) or MPEG-TS (srt) file to replay, H.264/AAC")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--url", url,
                 "rtmp://host[:port] or srt://host:port of the server (sets --host and --port)");
  app.add_option("--host", options.host, "server host")->capture_default_str();
  app.add_option("--port", options.port, "server port (RTMP or SRT)")->capture_default_str();
  app.add_option("-n,--streams", options.streams, "concurrent streams")->capture_default_str();
  app.add_option("--ramp", options.ramp_per_s, "new streams per second (<= 0: all at once)")
      ->capture_default_str();
  app.add_option("-d,--duration", options.duration_s,
                 "seconds to keep pushing after the last stream started (0: until SIGINT)")
      ->capture_default_str();
  app.add_option("--app", options.app, "RTMP app")->capture_default_str();
  app.add_option("--stream-pattern", options.stream_pattern,
                 "stream names; {i} is the stream's index")
      ->capture_default_str();
  app.add_option("--first-index", options.first_index, "index of the first stream")
      ->capture_default_str();
  app.add_option(
      "--domain", options.domain,
      "streaming domain, sent as ?vhost= on the app (rtmp) or h= in the stream id (srt)");
  app.add_option("--threads", options.threads, "event-loop threads")->capture_default_str();
  app.add_option("--tick-ms", options.tick_ms, "pacing tick")->capture_default_str();
  app.add_option("--stall-ms", options.stall_ms,
                 "a stream lagging real time by more than this is stalled")
      ->capture_default_str();
  app.add_option("--chunk-size", options.chunk_size, "RTMP chunk size announced to the server")
      ->capture_default_str();
  std::string profile = "ffmpeg";
  app.add_option("--profile", profile,
                 "write pattern: ffmpeg (FFmpeg's RTMP muxer), obs (OBS's librtmp) or batched "
                 "(one sendmsg per tick)")
      ->check(CLI::IsMember({"ffmpeg", "obs", "batched"}))
      ->capture_default_str();
  app.add_option("--progress", options.progress_s, "status line on stderr every N seconds")
      ->capture_default_str();
  app.add_option("--json", json_path, "write the report as JSON to this file ('-': stdout)");
  app.add_flag("-q,--quiet", quiet, "no text report on stdout");
  CLI11_PARSE(app, argc, argv);

  options.profile = *livesnap::loadgen::ParseWriteProfile(profile);  // checked by CLI11
  options.handle_signals = true;
  std::signal(SIGPIPE, SIG_IGN);
  absl::StatusOr<Prepared> prepared =
      protocol == "srt" ? PrepareSrt(options, file, url) : PrepareRtmp(options, file, url);
  if (!prepared.ok()) {
    std::cerr << "livesnap-loadgen: " << prepared.status().message() << "\n";
    return 2;
  }
  std::cerr << "livesnap-loadgen: " << options.streams << " " << protocol << " streams of " << file
            << " (" << prepared->loop_duration_ms << " ms loop, "
            << prepared->loop_bytes * 8 / static_cast<uint64_t>(prepared->loop_duration_ms)
            << " kbit/s)\n";
  const livesnap::loadgen::LoadReport report = prepared->generator->Run();

  nlohmann::json json = livesnap::loadgen::ReportJson(report);
  json["command"] = CommandLine(argc, argv);
  json["file"] = file;
  json["protocol"] = protocol;
  json["loop_duration_ms"] = prepared->loop_duration_ms;
  json["loop_keyframes"] = prepared->loop_keyframes;
  if (json_path == "-") {
    std::cout << json.dump(2) << "\n";
  } else if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << json.dump(2) << "\n";
    if (!out) {
      std::cerr << "livesnap-loadgen: cannot write " << json_path << "\n";
      return 2;
    }
  }
  if (!quiet && json_path != "-") {
    std::cout << "command: " << CommandLine(argc, argv) << "\n" << ReportText(report);
  }
  const livesnap::loadgen::LoadTotals totals = livesnap::loadgen::Totals(report);
  return totals.failed == 0 && totals.published == report.streams ? 0 : 1;
}
