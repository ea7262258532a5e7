#include "server/disk_monitor.h"

#include <fmt/format.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <sys/stat.h>

#include <set>
#include <system_error>

namespace livesnap::server {

namespace fs = std::filesystem;

DiskMonitor::DiskMonitor(std::vector<fs::path> paths, uint64_t min_free_bytes,
                         prometheus::Registry& metrics)
    : min_free_bytes_(min_free_bytes) {
  auto& family = prometheus::BuildGauge()
                     .Name("livesnap_disk_available_bytes")
                     .Help("Bytes available to livesnapd on the file systems it writes to")
                     .Register(metrics);
  std::set<dev_t> devices;
  for (const fs::path& path : paths) {
    struct stat info {};
    // A path that does not exist yet is watched anyway (and reported).
    if (::stat(path.c_str(), &info) == 0 && !devices.insert(info.st_dev).second) continue;
    watched_.push_back({path, &family.Add({{"path", path.string()}})});
  }
}

std::vector<api::HealthProblem> DiskMonitor::Check() const {
  std::vector<api::HealthProblem> problems;
  for (const Watched& watched : watched_) {
    std::error_code error;
    const fs::space_info space = fs::space(watched.path, error);
    if (error) {
      watched.available_bytes->Set(0);
      problems.push_back({.component = "disk",
                          .reason = "unreadable",
                          .message = fmt::format("cannot measure free space of {}: {}",
                                                 watched.path.string(), error.message())});
      continue;
    }
    watched.available_bytes->Set(static_cast<double>(space.available));
    if (space.available < min_free_bytes_) {
      problems.push_back(
          {.component = "disk",
           .reason = "low_space",
           .message = fmt::format("{} has {} free of {} (server.min_free_disk_bytes is {})",
                                  watched.path.string(), HumanBytes(space.available),
                                  HumanBytes(space.capacity), HumanBytes(min_free_bytes_))});
    }
  }
  return problems;
}

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  return value < 10 ? fmt::format("{:.1f} {}", value, units[unit])
                    : fmt::format("{:.0f} {}", value, units[unit]);
}

}  // namespace livesnap::server
