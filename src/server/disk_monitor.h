// File: server/disk_monitor.h
//
// Watches the free space of the file systems livesnapd writes to (data_dir:
// catalog, spool; the roots of file stores) for /healthz and /metrics:
//
//   DiskMonitor disk({data_dir, snapshots_root}, 64 << 20, registry);
//   for (api::HealthProblem& problem : disk.Check()) ...
//
// A file system with fewer than min_free_bytes available to livesnapd is a
// problem (reason "low_space"; "unreadable" when it cannot be measured).
// Paths on one file system are reported once, under the first of them.
// The gauge livesnap_disk_available_bytes{path} is refreshed by each Check.
// Thread-safety: Check may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "api/api_server.h"

namespace prometheus {
class Gauge;
class Registry;
}  // namespace prometheus

namespace livesnap::server {

class DiskMonitor {
 public:
  DiskMonitor(std::vector<std::filesystem::path> paths, uint64_t min_free_bytes,
              prometheus::Registry& metrics);

  std::vector<api::HealthProblem> Check() const;

 private:
  struct Watched {
    std::filesystem::path path;
    prometheus::Gauge* available_bytes;
  };
  std::vector<Watched> watched_;
  const uint64_t min_free_bytes_;
};

// "1.5 MiB", "640 KiB", "12 B": sizes in messages.
std::string HumanBytes(uint64_t bytes);

}  // namespace livesnap::server
