// File: tests/integration/cluster_support.h
//
// What the cluster test needs beyond the livesnapd fixture: nginx's stream
// module as a TCP load balancer on a free port (an unprivileged config in a
// directory of its own), the config of one cluster node, and the publish
// intervals a node logged, to check that no stream was live on two nodes at
// once.
//
//   NginxStreamLb lb(dir / "nginx", {node_a_port, node_b_port});
//   ASSERT_TRUE(lb.Start());
//   push to lb.RtmpUrl("live", "s1", "push.example.com") ...
//
// Thread-safety: one owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace livesnap {

class NginxStreamLb {
 public:
  NginxStreamLb(std::filesystem::path dir, std::vector<uint16_t> upstream_ports);
  // Starts nginx in the foreground (one process) and waits until it listens.
  bool Start();
  uint16_t port() const { return port_; }
  std::string RtmpUrl(const std::string& app, const std::string& stream,
                      const std::string& domain) const;
  std::string Log() const;

 private:
  std::filesystem::path dir_;
  std::vector<uint16_t> upstream_ports_;
  uint16_t port_;
  std::unique_ptr<testing::Subprocess> process_;
};

struct NodeConfig {
  std::string node_id;
  std::string catalog_url;
  std::string s3_url;
  std::string bucket;
  int lease_ms = 15'000;
  int heartbeat_ms = 2'000;
};
// A livesnapd config: the catalog, one s3 location, the domain
// push.example.com and an AppName "*" template every 5 s in both modes
// ("{AppName}/{StreamName}.jpg", "{AppName}/{StreamName}/{Sequence}.jpg").
void WriteNodeConfig(const std::filesystem::path& path, const NodeConfig& config);

// One publish of a stream on a node, in Unix ms from the node's log.
struct PublishInterval {
  std::string stream;
  std::string node_id;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};
// The publishes a node's log shows ("publish started" to "publish
// stopped"); one still open ends at `open_end_ms` (0: now).
std::vector<PublishInterval> ParsePublishIntervals(const std::string& log,
                                                   const std::string& node_id, int64_t open_end_ms);
// "" when no two intervals of different nodes overlap, else a description.
std::string FindOverlap(std::vector<PublishInterval> intervals);

}  // namespace livesnap
