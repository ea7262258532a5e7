// Streams and what they produced: DescribeLiveStreamSnapshotInfo,
// DescribeLiveStreamsOnlineList, and the storage locations snapshots go to
// (DescribeLiveSnapshotStorages).
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "api/internal/actions.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {

namespace {

constexpr int64_t kMaxSnapshotRangeMs = 24 * 60 * 60 * 1000;

ApiResult<int64_t> RequireTime(const RequestParams& params, std::string_view name,
                               const ErrorCode& missing, const ErrorCode& malformed) {
  ApiResult<std::string> text = params.Require(name, missing);
  if (!text.ok()) return text.error();
  const std::optional<int64_t> ms = ParseIso8601Utc(*text);
  if (!ms) {
    return Fail(malformed, absl::StrCat(std::string(name), " \"", *text,
                                        "\" is not UTC ISO 8601 (yyyy-MM-ddTHH:mm:ssZ)"));
  }
  return *ms;
}

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

Json OnlineJson(const media::LiveStream& live) {
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
  json["Protocol"] = info.protocol.empty() ? "rtmp" : info.protocol;  // "rtmp", "srt"
  json["VideoCodec"] = std::string(media::VideoCodecName(info.video_codec));
  json["AudioCodec"] = std::string(media::AudioCodecName(info.audio_codec));
  json["Width"] = info.width;
  json["Height"] = info.height;
  json["FrameRate"] = info.frame_rate;
  json["BitrateKbps"] = live.stats.bitrate_kbps;
  json["VideoFrames"] = live.stats.video_frames;
  json["Keyframes"] = live.stats.keyframes;
  json["AudioFrames"] = live.stats.audio_frames;
  json["Bytes"] = live.stats.bytes;
  return json;
}

}  // namespace

ApiResult<Json> DescribeLiveStreamSnapshotInfo(const ActionContext& context,
                                               const RequestParams& params) {
  ApiResult<std::string> domain_name = RequireDomainName(params);
  if (!domain_name.ok()) return domain_name.error();
  ApiResult<std::string> app = params.Require("AppName", codes::kMissingAppName);
  if (!app.ok()) return app.error();
  if (auto error = CheckAppName(*app)) return *error;
  ApiResult<std::string> stream = params.Require("StreamName", codes::kMissingStreamName);
  if (!stream.ok()) return stream.error();
  if (auto error = CheckStreamName(*stream)) return *error;
  ApiResult<int64_t> start_ms =
      RequireTime(params, "StartTime", codes::kMissingStartTime, codes::kInvalidStartTimeMalformed);
  if (!start_ms.ok()) return start_ms.error();
  ApiResult<int64_t> end_ms =
      RequireTime(params, "EndTime", codes::kMissingEndTime, codes::kInvalidEndTimeMalformed);
  if (!end_ms.ok()) return end_ms.error();
  if (*end_ms <= *start_ms) {
    return Fail(codes::kInvalidEndTimeMismatch,
                absl::StrCat("EndTime ", FormatIso8601Utc(*end_ms, true),
                             " is not later than StartTime ", FormatIso8601Utc(*start_ms, true)));
  }
  if (*end_ms - *start_ms > kMaxSnapshotRangeMs) {
    return Fail(codes::kInvalidTimeRangeExceeded,
                absl::StrCat("StartTime ", FormatIso8601Utc(*start_ms, true), " to EndTime ",
                             FormatIso8601Utc(*end_ms, true), " is longer than one day"));
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
  ApiResult<catalog::Domain> domain = LookupDomain(context, *domain_name);
  if (!domain.ok()) return domain.error();

  catalog::RecordQuery query;
  query.domain = *domain_name;
  query.app = *app;
  query.stream = *stream;
  query.start_ms = *start_ms;
  query.end_ms = *end_ms;
  query.limit = limit + 1;  // one more tells whether there is a next page
  query.order = *descending ? catalog::SortOrder::kDescending : catalog::SortOrder::kAscending;
  absl::StatusOr<std::vector<catalog::SnapshotRecord>> records =
      context.catalog.QuerySnapshotRecords(query);
  if (!records.ok()) return CatalogError(records.status(), "query snapshot records");

  Json body;
  if (static_cast<int64_t>(records->size()) > limit) {
    // Exact to the millisecond when needed, so that passing it back as
    // StartTime neither skips nor repeats a record.
    const int64_t next_ms = (*records)[limit].capture_ms;
    body["NextStartTime"] = FormatIso8601Utc(next_ms, next_ms % 1000 != 0);
    records->resize(limit);
  }
  Json list = Json::array();
  for (const catalog::SnapshotRecord& record : *records) list.push_back(RecordJson(record));
  body["LiveStreamSnapshotInfoList"] = {{"LiveStreamSnapshotInfo", std::move(list)}};
  return body;
}

ApiResult<Json> DescribeLiveStreamsOnlineList(const ActionContext& context,
                                              const RequestParams& params) {
  const auto domain = params.Get("DomainName");
  if (domain) {
    if (auto error = CheckDomainName(*domain)) return *error;
  }
  const auto app = params.Get("AppName");
  if (app) {
    if (auto error = CheckAppName(*app)) return *error;
  }
  const auto stream = params.Get("StreamName");
  if (stream) {
    if (auto error = CheckStreamName(*stream)) return *error;
  }
  ApiResult<Paging> paging = params.GetPaging("PageNum", "PageSize", 1, 3000, 2000);
  if (!paging.ok()) return paging.error();

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
    return (domain && live.info.key.domain != *domain) || (app && live.info.key.app != *app) ||
           (stream && live.info.key.stream != *stream);
  });
  std::sort(streams.begin(), streams.end(),
            [](const media::LiveStream& a, const media::LiveStream& b) {
              return a.info.key < b.info.key;
            });
  const int64_t total = static_cast<int64_t>(streams.size());
  const int64_t first = std::min(total, (paging->page_num - 1) * paging->page_size);
  const int64_t last = std::min(total, first + paging->page_size);
  Json list = Json::array();
  for (int64_t i = first; i < last; ++i) {
    Json json = OnlineJson(streams[i]);
    if (context.registry != nullptr) json["NodeId"] = holders[streams[i].info.key];
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
