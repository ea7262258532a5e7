#include "tests/integration/cluster_support.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/s3/s3rver.h"
#include "tests/support/api_client.h"

namespace livesnap {

namespace fs = std::filesystem;

NginxStreamLb::NginxStreamLb(fs::path dir, std::vector<uint16_t> upstream_ports)
    : dir_(std::move(dir)),
      upstream_ports_(std::move(upstream_ports)),
      port_(testing::FreePort()) {}

bool NginxStreamLb::Start() {
  fs::create_directories(dir_);
  std::ofstream conf(dir_ / "nginx.conf");
  conf << "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
       << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
       << "pid " << (dir_ / "nginx.pid").string() << ";\n"
       << "error_log " << (dir_ / "error.log").string() << " info;\n"
       << "events { worker_connections 1024; }\n"
       << "stream {\n  upstream livesnap_rtmp {\n";
  for (uint16_t port : upstream_ports_) {
    conf << "    server 127.0.0.1:" << port << " max_fails=1 fail_timeout=5s;\n";
  }
  conf << "  }\n  server {\n    listen 127.0.0.1:" << port_ << ";\n"
       << "    proxy_pass livesnap_rtmp;\n    proxy_connect_timeout 1s;\n"
       << "    proxy_next_upstream on;\n    proxy_timeout 60s;\n  }\n}\n";
  conf.close();
  process_ = std::make_unique<testing::Subprocess>(
      std::vector<std::string>{"nginx", "-p", dir_.string(), "-e", (dir_ / "error.log").string(),
                               "-c", (dir_ / "nginx.conf").string()},
      dir_ / "nginx.log");
  return testing::WaitFor(
             [&] {
               return !process_->running() ||
                      testing::ReadFile(dir_ / "error.log").find("start worker") !=
                          std::string::npos ||
                      testing::ReadFile(dir_ / "error.log").find("using the \"epoll\"") !=
                          std::string::npos;
             },
             std::chrono::seconds(10)) &&
         process_->running();
}

std::string NginxStreamLb::RtmpUrl(const std::string& app, const std::string& stream,
                                   const std::string& domain) const {
  return "rtmp://127.0.0.1:" + std::to_string(port_) + "/" + app + "?vhost=" + domain + "/" +
         stream;
}

std::string NginxStreamLb::Log() const {
  return (process_ ? process_->Log() : "") + testing::ReadFile(dir_ / "error.log");
}

void WriteNodeConfig(const fs::path& path, const NodeConfig& c) {
  std::ofstream out(path);
  out << "[server]\nlog_level = \"info\"\n"
      << "[catalog]\nurl = \"" << c.catalog_url << "\"\n"
      << "[cluster]\nnode_id = \"" << c.node_id << "\"\nlease_ms = " << c.lease_ms
      << "\nheartbeat_ms = " << c.heartbeat_ms << "\n"
      << "[[storage]]\nname = \"" << c.bucket << "\"\nregion = \"" << testing::kS3rverRegion
      << "\"\nkind = \"s3\"\nendpoint = \"s3.livesnap.test\"\nurl = \"" << c.s3_url
      << "\"\naccess_key_id = \"" << testing::kS3rverAccessKey << "\"\nsecret_access_key = \""
      << testing::kS3rverSecretKey << "\"\n"
      << "[[domain]]\nname = \"push.example.com\"\nregion = \"" << testing::kS3rverRegion << "\"\n"
      << "[[template]]\ndomain = \"push.example.com\"\napp = \"*\"\ninterval = 5\nbucket = \""
      << c.bucket
      << "\"\noverwrite = \"{AppName}/{StreamName}.jpg\"\n"
         "sequence = \"{AppName}/{StreamName}/{Sequence}.jpg\"\n";
}

namespace {

// "2026-12-05T11:07:16.123 ..." (spdlog, local time) -> Unix ms; -1 if not.
int64_t LineTimeMs(const std::string& line) {
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(line.c_str(), "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) != 7) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  return static_cast<int64_t>(std::mktime(&tm)) * 1000 + millis;
}

// "[push.example.com/live/c3] publish started ..." -> "c3".
std::string StreamOf(const std::string& line, const std::string& marker) {
  const size_t at = line.find(marker);
  const size_t open = line.rfind('[', at);
  if (at == std::string::npos || open == std::string::npos) return "";
  const std::string key = line.substr(open + 1, at - open - 1);
  return key.substr(key.rfind('/') + 1);
}

}  // namespace

std::vector<PublishInterval> ParsePublishIntervals(const std::string& log,
                                                   const std::string& node_id,
                                                   int64_t open_end_ms) {
  std::vector<PublishInterval> done;
  std::map<std::string, PublishInterval> open;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    const int64_t at = LineTimeMs(line);
    if (at < 0) continue;
    if (line.find("] publish started") != std::string::npos) {
      const std::string stream = StreamOf(line, "] publish started");
      open[stream] = {.stream = stream, .node_id = node_id, .start_ms = at};
    } else if (line.find("] publish stopped") != std::string::npos) {
      const std::string stream = StreamOf(line, "] publish stopped");
      auto it = open.find(stream);
      if (it == open.end()) continue;
      it->second.end_ms = at;
      done.push_back(it->second);
      open.erase(it);
    }
  }
  for (auto& [stream, interval] : open) {
    interval.end_ms = open_end_ms > 0 ? open_end_ms : testing::NowUnixMs();
    done.push_back(interval);
  }
  return done;
}

std::string FindOverlap(std::vector<PublishInterval> intervals) {
  std::sort(intervals.begin(), intervals.end(),
            [](const auto& a, const auto& b) { return a.start_ms < b.start_ms; });
  for (size_t i = 0; i < intervals.size(); ++i) {
    for (size_t j = i + 1; j < intervals.size(); ++j) {
      const PublishInterval& a = intervals[i];
      const PublishInterval& b = intervals[j];
      if (a.node_id != b.node_id && b.start_ms < a.end_ms) {
        return a.node_id + " [" + std::to_string(a.start_ms) + ", " + std::to_string(a.end_ms) +
               "] overlaps " + b.node_id + " [" + std::to_string(b.start_ms) + ", " +
               std::to_string(b.end_ms) + "]";
      }
    }
  }
  return "";
}

}  // namespace livesnap
