// Streams and what they produced: DescribeLiveStreamSnapshotInfo,
// DescribeLiveStreamsOnlineList, and the storage locations snapshots go to
// (DescribeLiveSnapshotStorages).
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/internal/actions.h"
#include "api/internal/record_paging.h"
#include "api/internal/validation.h"
#include "catalog/domain_match.h"

namespace livesnap::api::internal {

namespace {

constexpr int64_t kMaxSnapshotRangeMs = 24 * 60 * 60 * 1000;

Json RecordJson(const catalog::SnapshotRecord& record) {
  Json json;
  json["OssEndpoint"] = record.endpoint;
  json["OssBucket"] = record.bucket;
  json["OssObject"] = record.object_key;
  json["CreateTime"] = FormatIso8601Utc(record.capture_ms);
  json["CreateTimestamp"] = record.capture_ms;
  json["IsOverlay"] = record.overlay;
  json["Width"] = record.width;
  json["Height"] = record.height;
  return json;
}

// "1.2.3.4:5678" -> "1.2.3.4"; "[::1]:5678" -> "::1".
std::string ClientIp(const std::string& address) {
  if (address.starts_with('[')) {
    const size_t close = address.find(']');
    if (close != std::string::npos) return address.substr(1, close - 1);
  }
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || address.find(':') != colon) return address;
  return address.substr(0, colon);
}

// FLV's codec ids, which Alibaba's AudioCodecId / VideoCodecId carry
// (HEVC: 12, the id Chinese CDNs use); 0 when unknown.
int VideoCodecId(media::VideoCodec codec) {
  switch (codec) {
    case media::VideoCodec::kH264:
      return 7;
    case media::VideoCodec::kHevc:
      return 12;
    default:
      return 0;
  }
}
int AudioCodecId(media::AudioCodec codec) {
  switch (codec) {
    case media::AudioCodec::kAac:
      return 10;
    case media::AudioCodec::kMp3:
      return 2;
    default:
      return 0;
  }
}

// "host:port" -> "host" (the node's address in the registry).
std::string HostOf(const std::string& address) { return ClientIp(address); }

Json OnlineJson(const media::LiveStream& live, const std::string& server_ip) {
  const media::StreamInfo& info = live.info;
  Json json;
  json["DomainName"] = info.key.domain;
  json["AppName"] = info.key.app;
  json["StreamName"] = info.key.stream;
  json["PublishTime"] = FormatIso8601Utc(info.publish_unix_ms);
  json["PublishUrl"] = absl::StrCat(info.protocol.empty() ? "rtmp" : info.protocol, "://",
                                    info.key.domain, "/", info.key.app, "/", info.key.stream);
  json["PublishDomain"] = info.key.domain;
  json["PublishType"] = "edge";
  json["ClientIp"] = ClientIp(info.client_addr);
  json["ServerIp"] = server_ip;
  json["Transcoded"] = "no";
  json["VideoCodecId"] = VideoCodecId(info.video_codec);
  json["AudioCodecId"] = AudioCodecId(info.audio_codec);
  // Kbit/s of each track's coded frames over the last 5 s (BitrateKbps is the
  // container's: both tracks and their framing).
  json["VideoDataRate"] = live.stats.video_bitrate_kbps;
  json["AudioDataRate"] = live.stats.audio_bitrate_kbps;
  json["Width"] = info.width;
  json["Height"] = info.height;
  json["FrameRate"] = static_cast<int>(std::lround(info.frame_rate));
  // livesnap's extensions.
  json["Protocol"] = info.protocol.empty() ? "rtmp" : info.protocol;  // "rtmp", "srt"
  json["VideoCodec"] = std::string(media::VideoCodecName(info.video_codec));
  json["AudioCodec"] = std::string(media::AudioCodecName(info.audio_codec));
  json["BitrateKbps"] = live.stats.bitrate_kbps;
  json["VideoFrames"] = live.stats.video_frames;
  json["Keyframes"] = live.stats.keyframes;
  json["AudioFrames"] = live.stats.audio_frames;
  json["Bytes"] = live.stats.bytes;
  return json;
}

// QueryType: fuzzy (the default) matches AppName / StreamName as
// substrings, strict as whole names.
ApiResult<bool> GetStrictQuery(const RequestParams& params) {
  const auto text = params.Get("QueryType");
  if (!text || *text == "fuzzy") return false;
  if (*text == "strict") return true;
  return Fail(codes::kInvalidQueryTypeMalformed,
              absl::StrCat("QueryType \"", absl::CHexEscape(std::string(*text)),
                           "\" is not fuzzy or strict"));
}

// StreamType: all (the default), raw (source streams) or trans
// (transcoded ones, which livesnap never has).
ApiResult<bool> GetWantsRaw(const RequestParams& params) {
  const auto text = params.Get("StreamType");
  if (!text || *text == "all" || *text == "raw") return true;
  if (*text == "trans") return false;
  return Fail(codes::kInvalidStreamTypeMalformed,
              absl::StrCat("StreamType \"", absl::CHexEscape(std::string(*text)),
                           "\" is not all, raw or trans"));
}

// node id -> the host of its RTMP address, from the registry.
std::map<std::string, std::string> NodeHosts(const ActionContext& context) {
  std::map<std::string, std::string> hosts;
  if (context.registry == nullptr) return hosts;
  auto nodes = context.registry->ListNodes(context.clock.UnixMs());
  if (!nodes.ok()) return hosts;  // ServerIp stays empty; the list itself still answers
  for (const catalog::Node& node : *nodes) hosts[node.node_id] = HostOf(node.rtmp_address);
  return hosts;
}

// The hosts whose streams DomainName lists: the host itself; for a wildcard
// domain, every host it serves (Alibaba's wildcard domain gathers its
// subdomains' traffic and logs), not those an exact domain or a longer
// wildcard serves.
class ListedHosts {
 public:
  static ApiResult<ListedHosts> For(const ActionContext& context, const std::string& domain) {
    ListedHosts hosts(domain);
    if (!catalog::IsWildcardDomain(domain)) return hosts;
    absl::StatusOr<std::vector<catalog::Domain>> domains = context.catalog.ListDomains();
    if (!domains.ok()) return CatalogError(domains.status(), "list domains");
    for (const catalog::Domain& registered : *domains) hosts.registered_.insert(registered.name);
    return hosts;
  }

  bool Contains(const std::string& host) {
    if (!catalog::IsWildcardDomain(domain_)) return host == domain_;
    auto [it, added] = served_.emplace(host, false);
    if (added) {
      for (const std::string& candidate : catalog::ServingDomainCandidates(host)) {
        if (!registered_.contains(candidate)) continue;
        it->second = candidate == domain_;
        break;
      }
    }
    return it->second;
  }

 private:
  explicit ListedHosts(std::string domain) : domain_(std::move(domain)) {}

  std::string domain_;
  std::set<std::string> registered_;    // every domain name, for a wildcard
  std::map<std::string, bool> served_;  // host -> served by domain_
};

bool NameMatches(std::optional<std::string_view> filter, std::string_view name, bool strict) {
  if (!filter) return true;
  return strict ? name == *filter : name.find(*filter) != std::string_view::npos;
}

}  // namespace

ApiResult<Json> DescribeLiveStreamSnapshotInfo(const ActionContext& context,
                                               const RequestParams& params) {
  ApiResult<std::string> domain_name = RequireDomainName(params);
  if (!domain_name.ok()) return domain_name.error();
  ApiResult<StreamNames> names = RequireStreamNames(params);
  if (!names.ok()) return names.error();
  ApiResult<TimeRange> range = RequireTimeRange(params);
  if (!range.ok()) return range.error();
  if (range->end_ms - range->start_ms > kMaxSnapshotRangeMs) {
    return Fail(codes::kInvalidTimeRangeExceeded,
                absl::StrCat("StartTime ", FormatIso8601Utc(range->start_ms, true), " to EndTime ",
                             FormatIso8601Utc(range->end_ms, true), " is longer than one day"));
  }
  int64_t limit = 10;
  if (auto text = params.Get("Limit")) {
    const std::optional<int64_t> value = ParseNonNegativeInt(*text);
    if (!value || *value < 1 || *value > 100) {
      return Fail(
          codes::kInvalidLimitMalformed,
          absl::StrCat("Limit \"", std::string(*text), "\" is not an integer from 1 to 100"));
    }
    limit = *value;
  }
  ApiResult<bool> descending = params.GetDescending();
  if (!descending.ok()) return descending.error();
  // A stream pushed to a subdomain of a wildcard domain keeps its records
  // under the host it was pushed to.
  ApiResult<catalog::Domain> domain = LookupServingDomain(context, *domain_name);
  if (!domain.ok()) return domain.error();

  catalog::RecordQuery query;
  query.domain = *domain_name;
  query.app = names->app;
  query.stream = names->stream;
  query.start_ms = range->start_ms;
  query.end_ms = range->end_ms;
  query.limit = limit;
  query.order = *descending ? catalog::SortOrder::kDescending : catalog::SortOrder::kAscending;
  absl::StatusOr<RecordPage> page = ReadRecordPage(context.catalog, query);
  if (!page.ok()) return CatalogError(page.status(), "query snapshot records");

  Json body;
  // Whole seconds, as Alibaba's: the page ends at a second's boundary
  // (record_paging.h), so passing it back neither skips nor repeats a record.
  if (page->next_ms) body["NextStartTime"] = FormatIso8601Utc(*page->next_ms);
  Json list = Json::array();
  for (const catalog::SnapshotRecord& record : page->records) list.push_back(RecordJson(record));
  body["LiveStreamSnapshotInfoList"] = {{"LiveStreamSnapshotInfo", std::move(list)}};
  return body;
}

ApiResult<Json> DescribeLiveStreamsOnlineList(const ActionContext& context,
                                              const RequestParams& params) {
  ApiResult<std::string> domain = RequireDomainName(params);
  if (!domain.ok()) return domain.error();
  const auto app = params.Get("AppName");
  if (app) {
    if (auto error = CheckAppName(*app)) return *error;
  }
  const auto stream = params.Get("StreamName");
  if (stream) {
    if (auto error = CheckStreamName(*stream)) return *error;
  }
  ApiResult<bool> strict = GetStrictQuery(params);
  if (!strict.ok()) return strict.error();
  ApiResult<bool> wants_raw = GetWantsRaw(params);
  if (!wants_raw.ok()) return wants_raw.error();
  const auto only_stream = params.Get("OnlyStream");
  ApiResult<Paging> paging = params.GetPaging("PageNum", "PageSize", 1, 3000, 2000);
  if (!paging.ok()) return paging.error();
  ApiResult<ListedHosts> found_hosts = ListedHosts::For(context, *domain);
  if (!found_hosts.ok()) return found_hosts.error();
  ListedHosts listed_hosts = std::move(found_hosts).value();

  std::vector<media::LiveStream> streams;
  if (context.hub != nullptr) streams = context.hub->ListLiveStreams();
  // The whole cluster's: each stream with the node that holds it.
  std::map<media::StreamKey, std::string> holders;
  for (const media::LiveStream& live : streams) holders[live.info.key] = context.node_id;
  absl::StatusOr<std::vector<ClusterStream>> others = OtherNodesStreams(context);
  if (!others.ok()) return CatalogError(others.status(), "list the cluster's live streams");
  for (ClusterStream& other : *others) {
    if (!holders.emplace(other.live.info.key, other.node_id).second) continue;
    streams.push_back(std::move(other.live));
  }
  std::erase_if(streams, [&](const media::LiveStream& live) {
    return !*wants_raw || !listed_hosts.Contains(live.info.key.domain) ||
           !NameMatches(app, live.info.key.app, *strict) ||
           !NameMatches(stream, live.info.key.stream, *strict);
  });
  std::sort(streams.begin(), streams.end(),
            [](const media::LiveStream& a, const media::LiveStream& b) {
              return a.info.key < b.info.key;
            });
  const int64_t total = static_cast<int64_t>(streams.size());
  const int64_t first = std::min(total, (paging->page_num - 1) * paging->page_size);
  const int64_t last = std::min(total, first + paging->page_size);
  const std::map<std::string, std::string> hosts = NodeHosts(context);
  Json list = Json::array();
  for (int64_t i = first; i < last; ++i) {
    const media::StreamKey& key = streams[i].info.key;
    if (only_stream == "yes") {
      list.push_back(
          Json{{"DomainName", key.domain}, {"AppName", key.app}, {"StreamName", key.stream}});
      continue;
    }
    const auto host = hosts.find(holders[key]);
    Json json = OnlineJson(streams[i], host == hosts.end() ? "" : host->second);
    if (context.registry != nullptr) json["NodeId"] = holders[key];
    list.push_back(std::move(json));
  }

  Json body;
  body["PageNum"] = paging->page_num;
  body["PageSize"] = paging->page_size;
  body["TotalNum"] = total;
  body["TotalPage"] = TotalPages(total, paging->page_size);
  body["OnlineInfo"] = {{"LiveStreamOnlineInfo", std::move(list)}};
  return body;
}

ApiResult<Json> DescribeLiveSnapshotStorages(const ActionContext& context,
                                             const RequestParams& params) {
  const auto region = params.Get("Region");
  if (region) {
    if (auto error = CheckRegion(*region)) return *error;
  }
  absl::StatusOr<std::vector<catalog::Bucket>> buckets = context.catalog.ListBuckets();
  if (!buckets.ok()) return CatalogError(buckets.status(), "list storage locations");
  Json list = Json::array();
  for (const catalog::Bucket& bucket : *buckets) {
    if (region && bucket.region != *region) continue;
    // Only what templates name and the region rule needs: never settings or secrets.
    list.push_back(Json{{"Name", bucket.name},
                        {"Region", bucket.region},
                        {"Endpoint", bucket.endpoint},
                        {"Kind", bucket.kind}});
  }
  Json body;
  body["TotalNum"] = list.size();
  body["Storages"] = {{"Storage", std::move(list)}};
  return body;
}

}  // namespace livesnap::api::internal
