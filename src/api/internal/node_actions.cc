// The cluster's view for the API (a livesnap extension): DescribeLivesnapNodes,
// and the streams other nodes hold, which DescribeLiveStreamsOnlineList lists
// beside this node's own.
#include "absl/strings/str_cat.h"
#include "api/internal/actions.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {
namespace {

// The codec a node reported by its name (media::VideoCodecName); unknown for
// a name this version does not know.
media::VideoCodec VideoCodecNamed(std::string_view name) {
  for (const media::VideoCodec codec : {media::VideoCodec::kH264, media::VideoCodec::kHevc}) {
    if (media::VideoCodecName(codec) == name) return codec;
  }
  return media::VideoCodec::kUnknown;
}
media::AudioCodec AudioCodecNamed(std::string_view name) {
  for (const media::AudioCodec codec :
       {media::AudioCodec::kAac, media::AudioCodec::kMp3, media::AudioCodec::kOther}) {
    if (media::AudioCodecName(codec) == name) return codec;
  }
  return media::AudioCodec::kUnknown;
}

// The stream as its holder reported it at its last heartbeat.
media::LiveStream LiveStreamOf(const catalog::StreamLease& lease) {
  media::LiveStream live;
  media::StreamInfo& info = live.info;
  info.key = {lease.domain, lease.app, lease.stream};
  info.client_addr = lease.client_addr;
  info.protocol = lease.protocol;
  info.publish_unix_ms = lease.started_ms;
  const catalog::StreamMedia& media = lease.media;
  info.video_codec = VideoCodecNamed(media.video_codec);
  info.audio_codec = AudioCodecNamed(media.audio_codec);
  info.width = static_cast<int>(media.width);
  info.height = static_cast<int>(media.height);
  info.frame_rate = static_cast<double>(media.frame_rate_milli) / 1000;
  media::StreamStats& stats = live.stats;
  stats.bytes = media.bytes;
  stats.video_frames = media.video_frames;
  stats.keyframes = media.keyframes;
  stats.audio_frames = media.audio_frames;
  stats.bitrate_kbps = media.bitrate_kbps;
  stats.video_bitrate_kbps = media.video_bitrate_kbps;
  stats.audio_bitrate_kbps = media.audio_bitrate_kbps;
  return live;
}

}  // namespace

absl::StatusOr<std::vector<ClusterStream>> OtherNodesStreams(const ActionContext& context) {
  std::vector<ClusterStream> streams;
  if (context.registry == nullptr) return streams;
  absl::StatusOr<std::vector<catalog::StreamLease>> leases =
      context.registry->ListStreams(context.clock.UnixMs());
  if (!leases.ok()) return leases.status();
  for (const catalog::StreamLease& lease : *leases) {
    if (lease.node_id == context.node_id) continue;  // the hub knows them better
    streams.push_back(ClusterStream{.live = LiveStreamOf(lease), .node_id = lease.node_id});
  }
  return streams;
}

ApiResult<Json> DescribeLivesnapNodes(const ActionContext& context, const RequestParams&) {
  const int64_t now_ms = context.clock.UnixMs();
  std::vector<catalog::Node> nodes;
  if (context.registry != nullptr) {
    absl::StatusOr<std::vector<catalog::Node>> listed = context.registry->ListNodes(now_ms);
    if (!listed.ok()) return CatalogError(listed.status(), "list the cluster's nodes");
    nodes = *std::move(listed);
  }
  Json list = Json::array();
  for (const catalog::Node& node : nodes) {
    Json json;
    json["NodeId"] = node.node_id;
    json["RtmpAddress"] = node.rtmp_address;
    json["ApiAddress"] = node.api_address;
    json["Version"] = node.version;
    json["StartTime"] = FormatIso8601Utc(node.started_ms);
    json["LastHeartbeatTime"] = FormatIso8601Utc(node.heartbeat_ms, true);
    json["HeartbeatAgeMs"] = now_ms - node.heartbeat_ms;
    json["Online"] = now_ms - node.heartbeat_ms <= context.lease_ms;
    json["LiveStreams"] = node.live_streams;
    json["SnapshotsStored"] = node.stats.snapshots_total;
    json["UploadBacklog"] = node.stats.upload_backlog;
    json["Self"] = node.node_id == context.node_id;
    list.push_back(std::move(json));
  }
  Json body;
  body["NodeId"] = context.node_id;
  body["TotalNum"] = static_cast<int64_t>(list.size());
  body["Nodes"] = std::move(list);
  return body;
}

}  // namespace livesnap::api::internal
