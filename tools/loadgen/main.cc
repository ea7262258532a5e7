// livesnap-loadgen: pushes N concurrent RTMP streams replaying one FLV file
// at real-time rate, and reports per stream and in total what it saw.
//
//   livesnap-loadgen --file clip.flv --url rtmp://127.0.0.1:1935 -n 1000
//       --ramp 50 --duration 60 --json report.json
#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "rtmp/publisher.h"
#include "tools/loadgen/load_generator.h"

namespace {

std::string CommandLine(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) absl::StrAppend(&line, i == 0 ? "" : " ", argv[i]);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  using livesnap::loadgen::LoadOptions;
  CLI::App app{"livesnap-loadgen: N concurrent RTMP publishers replaying one FLV file"};
  LoadOptions options;
  std::string file;
  std::string url;
  std::string json_path;
  bool quiet = false;
  app.add_option("-f,--file", file, "FLV file to replay (H.264/AAC, e.g. made by ffmpeg)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--url", url, "rtmp://host[:port] of the server (sets --host and --port)");
  app.add_option("--host", options.host, "server host")->capture_default_str();
  app.add_option("--port", options.port, "server RTMP port")->capture_default_str();
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
  app.add_option("--domain", options.domain, "streaming domain, sent as ?vhost= on the app");
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

  if (!url.empty()) {
    absl::StatusOr<livesnap::rtmp::PublisherOptions> parsed =
        livesnap::rtmp::PublisherOptionsFromUrl(url + "/app/stream");
    if (!parsed.ok()) {
      std::cerr << "livesnap-loadgen: --url " << url << ": " << parsed.status().message() << "\n";
      return 2;
    }
    options.host = parsed->host;
    options.port = parsed->port;
  }
  absl::StatusOr<livesnap::rtmp::FlvFile> flv = livesnap::rtmp::FlvFile::Read(file);
  if (!flv.ok()) {
    std::cerr << "livesnap-loadgen: " << flv.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<livesnap::loadgen::ReplayPlan> plan =
      livesnap::loadgen::ReplayPlan::Create(*std::move(flv));
  if (!plan.ok()) {
    std::cerr << "livesnap-loadgen: " << file << ": " << plan.status().message() << "\n";
    return 2;
  }
  options.profile = *livesnap::loadgen::ParseWriteProfile(profile);  // checked by CLI11
  options.handle_signals = true;
  std::signal(SIGPIPE, SIG_IGN);
  auto generator = livesnap::loadgen::LoadGenerator::Create(options, *plan);
  if (!generator.ok()) {
    std::cerr << "livesnap-loadgen: " << generator.status().message() << "\n";
    return 2;
  }
  std::cerr << "livesnap-loadgen: " << options.streams << " streams of " << file << " ("
            << plan->loop_duration_ms() << " ms loop, "
            << plan->loop_bytes() * 8 / static_cast<uint64_t>(plan->loop_duration_ms())
            << " kbit/s)\n";
  const livesnap::loadgen::LoadReport report = (*generator)->Run();

  nlohmann::json json = livesnap::loadgen::ReportJson(report);
  json["command"] = CommandLine(argc, argv);
  json["file"] = file;
  json["loop_duration_ms"] = plan->loop_duration_ms();
  json["loop_keyframes"] = plan->loop_keyframes();
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
