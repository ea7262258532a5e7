#include "server/cluster_member.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/status.h"

namespace livesnap::server {

namespace {
constexpr int64_t kUnreachableRetryMs = 500;
}  // namespace

class ClusterMember::Sink final : public media::StreamSink {
 public:
  Sink(ClusterMember* member, media::StreamKey key, int64_t token)
      : member_(member), key_(std::move(key)), token_(token) {}
  void OnVideoConfig(std::shared_ptr<const media::VideoConfig>) override {}
  void OnVideoFrame(const media::VideoFrame&) override {}
  void OnStop(media::StopReason, const media::StreamStats&) override {
    member_->OnStreamStop(key_, token_);
  }

 private:
  ClusterMember* member_;
  const media::StreamKey key_;
  const int64_t token_;
};

ClusterMember::ClusterMember(ClusterMemberOptions options, catalog::Registry& registry,
                             const Clock& clock, prometheus::Registry& metrics)
    : options_(std::move(options)),
      registry_(registry),
      clock_(clock),
      // Tokens of this run start above every earlier run's (the start time in ms, times 2^20).
      next_token_(clock.UnixMs() << 20) {
  auto& refused = prometheus::BuildCounter()
                      .Name("livesnap_cluster_publishes_refused_total")
                      .Help("Publishes the cluster registry refused, by reason")
                      .Register(metrics);
  refused_elsewhere_ = &refused.Add({{"reason", "live_on_other_node"}});
  refused_unreachable_ = &refused.Add({{"reason", "registry_unreachable"}});
  heartbeat_failures_ = &prometheus::BuildCounter()
                             .Name("livesnap_cluster_heartbeat_failures_total")
                             .Help("Heartbeats the cluster registry did not take")
                             .Register(metrics)
                             .Add({});
  conflicts_ = &prometheus::BuildCounter()
                    .Name("livesnap_cluster_lease_conflicts_total")
                    .Help("Streams live here whose lease another node took meanwhile")
                    .Register(metrics)
                    .Add({});
  reachable_gauge_ = &prometheus::BuildGauge()
                          .Name("livesnap_cluster_registry_reachable")
                          .Help("1 while the cluster registry answers, else 0")
                          .Register(metrics)
                          .Add({});
  reachable_gauge_->Set(1);
}

namespace {

// Two live nodes with one id would take each other's leases for their own:
// refuse the id while another node (one advertising another RTMP address)
// heartbeats under it. The same address is this node restarting.
absl::Status CheckIdFree(catalog::Registry& registry, const catalog::Node& node, int64_t now_ms,
                         int64_t lease_ms) {
  LS_ASSIGN_OR_RETURN(std::vector<catalog::Node> nodes, registry.ListNodes(now_ms), "");
  for (const catalog::Node& other : nodes) {
    if (other.node_id == node.node_id && other.rtmp_address != node.rtmp_address &&
        now_ms - other.heartbeat_ms <= lease_ms) {
      return absl::FailedPreconditionError(
          "node id " + node.node_id + " is in use by the node at " + other.rtmp_address +
          " (heartbeat " + std::to_string(now_ms - other.heartbeat_ms) +
          " ms ago): give each node its own [cluster] node_id");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClusterMember>> ClusterMember::Create(
    ClusterMemberOptions options, catalog::Registry& registry, const Clock& clock,
    prometheus::Registry& metrics) {
  if (options.heartbeat_ms < 1 || options.lease_ms <= options.heartbeat_ms) {
    return absl::InvalidArgumentError("cluster lease must be longer than the heartbeat");
  }
  std::unique_ptr<ClusterMember> member(
      new ClusterMember(std::move(options), registry, clock, metrics));
  const int64_t now = clock.UnixMs();
  const catalog::Node node = member->NodeRow(now, {});
  LS_RETURN_IF_ERROR(CheckIdFree(registry, node, now, member->options_.lease_ms),
                     "join the cluster");
  LS_RETURN_IF_ERROR(registry.RegisterNode(node), "join the cluster");
  // Leases a previous run of this node left (a crash) are not ours any more.
  LS_RETURN_IF_ERROR(registry.ReleaseStreamsExcept(node.node_id, {}).status(), "join the cluster");
  spdlog::info("cluster: node {} registered (RTMP {}, API {})", node.node_id, node.rtmp_address,
               node.api_address);
  member->thread_ = std::thread([m = member.get()] { m->Run(); });
  return member;
}

ClusterMember::~ClusterMember() { Stop(); }

catalog::StreamReport ReportOf(const media::LiveStream& live) {
  const media::StreamInfo& info = live.info;
  const media::StreamStats& stats = live.stats;
  return catalog::StreamReport{
      .domain = info.key.domain,
      .app = info.key.app,
      .stream = info.key.stream,
      .media = {.video_codec = info.video_codec == media::VideoCodec::kUnknown
                                   ? ""
                                   : std::string(media::VideoCodecName(info.video_codec)),
                .audio_codec = info.audio_codec == media::AudioCodec::kUnknown
                                   ? ""
                                   : std::string(media::AudioCodecName(info.audio_codec)),
                .width = info.width,
                .height = info.height,
                .frame_rate_milli = std::llround(info.frame_rate * 1000),
                .bytes = stats.bytes,
                .video_frames = stats.video_frames,
                .keyframes = stats.keyframes,
                .audio_frames = stats.audio_frames,
                .bitrate_kbps = stats.bitrate_kbps,
                .video_bitrate_kbps = stats.video_bitrate_kbps,
                .audio_bitrate_kbps = stats.audio_bitrate_kbps,
                .reported_ms = 0}};  // the heartbeat stamps it
}

catalog::Node ClusterMember::NodeRow(int64_t now_ms, const catalog::NodeStats& stats) const {
  catalog::Node node;
  node.node_id = options_.node_id;
  node.rtmp_address = options_.rtmp_address;
  node.api_address = options_.api_address;
  node.version = options_.version;
  node.started_ms = node.heartbeat_ms = now_ms;
  node.stats = stats;
  return node;
}

catalog::StreamLease ClusterMember::LeaseOf(const media::StreamInfo& info, int64_t token,
                                            int64_t now_ms) const {
  return catalog::StreamLease{.domain = info.key.domain,
                              .app = info.key.app,
                              .stream = info.key.stream,
                              .node_id = options_.node_id,
                              .token = token,
                              .started_ms = now_ms,
                              .lease_until_ms = now_ms + options_.lease_ms,
                              .client_addr = info.client_addr,
                              .protocol = info.protocol.empty() ? "rtmp" : info.protocol,
                              .media = {}};
}

absl::Status ClusterMember::Admit(const media::StreamInfo& info) {
  if (draining_.load()) {
    return absl::UnavailableError("node " + options_.node_id + " is shutting down");
  }
  const int64_t token = ++next_token_;
  {
    std::lock_guard lock(mu_);
    // A second local publish of the key: the hub's own message and refusal.
    if (!held_.emplace(info.key, Held{.token = token}).second) {
      return absl::AlreadyExistsError("stream " + info.key.ToString() + " is already publishing");
    }
  }
  auto forget = [&] {
    std::lock_guard lock(mu_);
    held_.erase(info.key);
  };
  if (!reachable_.load()) {
    forget();
    refused_unreachable_->Increment();
    return absl::UnavailableError("cluster registry unreachable: cannot check that " +
                                  info.key.ToString() + " is not live on another node");
  }
  const int64_t now = clock_.UnixMs();
  absl::StatusOr<catalog::StreamLease> holder =
      registry_.AcquireStream(LeaseOf(info, token, now), now);
  NoteReachable(holder.status());
  if (!holder.ok()) {
    forget();
    refused_unreachable_->Increment();
    return Annotate(holder.status(), "cluster registry");
  }
  if (holder->node_id != options_.node_id || holder->token != token) {
    forget();
    refused_elsewhere_->Increment();
    return absl::AlreadyExistsError("stream " + info.key.ToString() + " is live on node " +
                                    holder->node_id + " (from " + holder->client_addr + ")");
  }
  return absl::OkStatus();
}

std::unique_ptr<media::StreamSink> ClusterMember::OnPublishStart(const media::StreamInfo& info) {
  std::lock_guard lock(mu_);
  auto it = held_.find(info.key);
  if (it == held_.end()) return nullptr;  // admitted by no Admit: nothing to release
  it->second.published = true;
  return std::make_unique<Sink>(this, info.key, it->second.token);
}

void ClusterMember::OnStreamStop(const media::StreamKey& key, int64_t token) {
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(key);
    if (it != held_.end() && it->second.token == token) held_.erase(it);
    releases_.push_back({key, token});
    release_wanted_ = true;
  }
  wake_.notify_all();
}

void ClusterMember::BeginDrain() { draining_.store(true); }

void ClusterMember::NoteReachable(const absl::Status& status) {
  const bool reachable =
      status.ok() || !(absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
                       absl::IsCancelled(status));
  if (reachable_.exchange(reachable) != reachable) {
    reachable_gauge_->Set(reachable ? 1 : 0);
    if (reachable) {
      spdlog::info("cluster: the registry answers again");
    } else {
      spdlog::error("cluster: registry unreachable, new publishes are refused until it is back: {}",
                    status.ToString());
    }
  }
}

void ClusterMember::ReleaseQueued() {
  std::deque<Release> releases;
  {
    std::lock_guard lock(mu_);
    releases.swap(releases_);
  }
  while (!releases.empty()) {
    const Release& release = releases.front();
    absl::Status status = registry_.ReleaseStream(
        release.key.domain, release.key.app, release.key.stream, options_.node_id, release.token);
    NoteReachable(status);
    if (!status.ok()) {
      // Kept for the next beat; the lease expires on its own meanwhile.
      std::lock_guard lock(mu_);
      releases_.insert(releases_.begin(), releases.begin(), releases.end());
      return;
    }
    releases.pop_front();
  }
}

void ClusterMember::Beat() {
  const catalog::NodeStats stats = options_.stats ? options_.stats() : catalog::NodeStats{};
  std::vector<catalog::StreamReport> reports;
  if (options_.live_streams) {
    for (const media::LiveStream& live : options_.live_streams()) {
      reports.push_back(ReportOf(live));
    }
  }
  size_t held_before = 0;
  {
    std::lock_guard lock(mu_);
    held_before = held_.size();
  }
  const int64_t now = clock_.UnixMs();
  absl::StatusOr<int64_t> renewed =
      registry_.Heartbeat(options_.node_id, stats, reports, now, now + options_.lease_ms);
  if (absl::IsNotFound(renewed.status())) {
    // Removed meanwhile (e.g. by an operator): join again.
    if (registry_.RegisterNode(NodeRow(now, stats)).ok()) {
      renewed = registry_.Heartbeat(options_.node_id, stats, reports, now, now + options_.lease_ms);
    }
  }
  NoteReachable(renewed.status());
  if (!renewed.ok()) {
    heartbeat_failures_->Increment();
    spdlog::warn("cluster: heartbeat failed: {}", renewed.status().ToString());
    return;
  }
  std::map<media::StreamKey, Held> held;
  {
    std::lock_guard lock(mu_);
    // Publishes that began or ended during the beat make counts differ by
    // themselves: compare only when nothing moved.
    if (held_.size() != held_before || static_cast<size_t>(*renewed) == held_before ||
        !releases_.empty()) {
      return;
    }
    held = held_;
  }
  Reconcile(*renewed, held);
}

// The registry's leases of this node differ from the streams live here
// (`held`): take missing ones again and drop the others.
void ClusterMember::Reconcile(int64_t renewed, const std::map<media::StreamKey, Held>& held) {
  spdlog::warn("cluster: {} leases renewed for {} streams live here; reconciling", renewed,
               held.size());
  std::vector<std::string> keep;
  const int64_t now = clock_.UnixMs();
  for (const auto& [key, entry] : held) {
    keep.push_back(catalog::StreamKeyText(key.domain, key.app, key.stream));
    media::StreamInfo info;
    info.key = key;
    absl::StatusOr<catalog::StreamLease> holder =
        registry_.AcquireStream(LeaseOf(info, entry.token, now), now);
    if (holder.ok() && holder->node_id != options_.node_id) {
      conflicts_->Increment();
      spdlog::error(
          "cluster: stream {} is live here and on node {}, which took its lease while "
          "this node could not renew it",
          key.ToString(), holder->node_id);
    }
  }
  (void)registry_.ReleaseStreamsExcept(options_.node_id, keep);
}

// Releases as soon as publishes end; beats every heartbeat_ms, and every
// kUnreachableRetryMs while the registry does not answer, so that once it
// is back the leases it let expire are renewed before another node could
// take their streams.
void ClusterMember::Run() {
  auto next_beat = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    release_wanted_ = false;
    lock.unlock();
    ReleaseQueued();
    if (std::chrono::steady_clock::now() >= next_beat) {
      Beat();
      const int64_t wait_ms = reachable_.load()
                                  ? options_.heartbeat_ms
                                  : std::min(options_.heartbeat_ms, kUnreachableRetryMs);
      next_beat = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    }
    lock.lock();
    wake_.wait_until(lock, next_beat, [this] { return stopping_ || release_wanted_; });
  }
}

void ClusterMember::Stop() {
  std::call_once(stopped_, [this] {
    draining_.store(true);
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    ReleaseQueued();
    if (absl::Status removed = registry_.RemoveNode(options_.node_id); !removed.ok()) {
      spdlog::warn("cluster: could not remove node {} (its leases expire by themselves): {}",
                   options_.node_id, removed.ToString());
    } else {
      spdlog::info("cluster: node {} left the cluster", options_.node_id);
    }
  });
}

}  // namespace livesnap::server
