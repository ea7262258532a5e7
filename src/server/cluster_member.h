// File: server/cluster_member.h
//
// This node's membership in the cluster registry (catalog/registry.h): it
// registers the node, holds a lease on every stream published here, renews
// them all with one heartbeat that also writes each stream's codecs,
// picture, rates and counters (what other nodes' online lists show), and
// releases each one when its publish ends.
//
// Admission (Admit, called by the hub's admission policy on an RTMP loop
// thread) costs one registry statement, bounded by
// catalog::kRegistryStatementTimeoutMs. A stream live on another node is
// refused with AlreadyExists naming that node (NetStream.Publish.BadName,
// like a local duplicate). While the registry cannot be reached, new
// publishes are refused with Unavailable (NetStream.Publish.Rejected):
// without the registry no node can know that a stream is not live
// elsewhere, and encoders retry. Streams already live go on; the heartbeat
// is then tried every 500 ms, and the first one that passes renews every
// lease of the node, also those that ran out in the registry meanwhile (no
// other node can take a stream while the registry is down, since every
// publish needs it). Any lease lost in between is taken again (or, if
// another node took the stream, logged and counted as a conflict).
//
//   auto member = ClusterMember::Create(options, *registry, hub, clock, metrics);
//   hub.AddSubscriber(member->get());             // releases leases at unpublish
//   policy: ... return member->Admit(info);       // the last check of the policy
//   member->BeginDrain();                         // SIGTERM: refuse new publishes
//   member->Stop();                               // stop beating, remove the node's rows
//
// Thread-safety: thread-safe. Admit and the sinks run on loop threads; a
// thread of its own beats and releases.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "catalog/registry.h"
#include "media/hub.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
}  // namespace prometheus

namespace livesnap::server {

struct ClusterMemberOptions {
  std::string node_id;
  std::string rtmp_address;
  std::string api_address;
  std::string version;
  int64_t lease_ms = 15'000;
  int64_t heartbeat_ms = 4'000;
  // Read at each heartbeat, on the member's thread.
  std::function<catalog::NodeStats()> stats;
  // The streams live here (MediaHub::ListLiveStreams), read at each
  // heartbeat on the member's thread; their media go into their leases.
  std::function<std::vector<media::LiveStream>()> live_streams;
};

// What a heartbeat reports of one live stream.
catalog::StreamReport ReportOf(const media::LiveStream& live);

class ClusterMember final : public media::StreamSubscriber {
 public:
  // Registers the node (an error if the registry cannot be written: a node
  // should not start unseen) and starts heartbeating.
  static absl::StatusOr<std::unique_ptr<ClusterMember>> Create(ClusterMemberOptions options,
                                                               catalog::Registry& registry,
                                                               const Clock& clock,
                                                               prometheus::Registry& metrics);
  ~ClusterMember() override;  // Stop()

  // OK when this node may publish info.key; it then holds the stream's lease.
  absl::Status Admit(const media::StreamInfo& info);
  std::unique_ptr<media::StreamSink> OnPublishStart(const media::StreamInfo& info) override;

  // Refuses every publish from now on (Unavailable "draining").
  void BeginDrain();
  // Stops the heartbeat thread, releases what is queued and removes the
  // node's row and leases. Idempotent.
  void Stop();

  const std::string& node_id() const { return options_.node_id; }
  // Whether the last registry call succeeded.
  bool registry_reachable() const { return reachable_.load(); }

 private:
  class Sink;
  struct Held {
    int64_t token = 0;
    bool published = false;  // OnPublishStart has run
  };
  struct Release {
    media::StreamKey key;
    int64_t token = 0;
  };

  ClusterMember(ClusterMemberOptions options, catalog::Registry& registry, const Clock& clock,
                prometheus::Registry& metrics);
  catalog::Node NodeRow(int64_t now_ms, const catalog::NodeStats& stats) const;
  void OnStreamStop(const media::StreamKey& key, int64_t token);
  void Run();
  void Beat();
  void ReleaseQueued();
  void Reconcile(int64_t renewed, const std::map<media::StreamKey, Held>& held);
  catalog::StreamLease LeaseOf(const media::StreamInfo& info, int64_t token, int64_t now_ms) const;
  void NoteReachable(const absl::Status& status);

  const ClusterMemberOptions options_;
  catalog::Registry& registry_;
  const Clock& clock_;
  prometheus::Counter* refused_elsewhere_;
  prometheus::Counter* refused_unreachable_;
  prometheus::Counter* heartbeat_failures_;
  prometheus::Counter* conflicts_;
  prometheus::Gauge* reachable_gauge_;

  std::atomic<bool> reachable_{true};
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> next_token_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::map<media::StreamKey, Held> held_;  // guarded by mu_
  std::deque<Release> releases_;           // guarded by mu_
  bool stopping_ = false;                  // guarded by mu_
  bool release_wanted_ = false;            // guarded by mu_
  std::thread thread_;
  std::once_flag stopped_;
};

}  // namespace livesnap::server
