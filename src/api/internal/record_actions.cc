// Snapshot records beyond listing them: DeleteSnapshotFiles (records and,
// when asked, their stored objects) and DescribeLiveDomainSnapshotData
// (captures per day of one or more domains).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/internal/actions.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {

namespace {

constexpr size_t kMaxTimestamps = 200;
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kDataDays = 90;  // how far back DescribeLiveDomainSnapshotData reaches
constexpr std::string_view kTimestampParam = "CreateTimestampList";

ApiError MalformedTimestamps(std::string_view what) {
  return Fail(codes::kInvalidCreateTimestampListMalformed,
              absl::StrCat("CreateTimestampList: ", std::string(what),
                           "; give 1 to 200 capture times in Unix ms as CreateTimestampList.1, "
                           "CreateTimestampList.2, ..."));
}

// The capture times, in the order given, each once: the SDKs' repeat list
// CreateTimestampList.1, .2, ... (by N), or CreateTimestampList itself as
// one time or a list ("[t1,t2]" or "t1,t2").
ApiResult<std::vector<int64_t>> GetTimestamps(const RequestParams& params) {
  std::map<int64_t, std::string> by_index;
  std::vector<std::string> texts;
  for (const auto& [key, value] : params.all()) {
    if (value.empty() || !key.starts_with(kTimestampParam)) continue;
    if (key == kTimestampParam) {
      absl::string_view list = absl::StripAsciiWhitespace(value);
      if (absl::ConsumePrefix(&list, "[") && !absl::ConsumeSuffix(&list, "]")) {
        return MalformedTimestamps("an unclosed list");
      }
      for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
        texts.emplace_back(absl::StripAsciiWhitespace(item));
      }
      continue;
    }
    const std::string_view suffix = std::string_view(key).substr(kTimestampParam.size());
    const std::optional<int64_t> index =
        suffix.starts_with('.') ? ParseNonNegativeInt(suffix.substr(1)) : std::nullopt;
    if (!index || *index < 1) {
      return MalformedTimestamps(
          absl::StrCat("the parameter \"", absl::CHexEscape(key.substr(0, 60)), "\" is no .N"));
    }
    by_index.emplace(*index, value);
  }
  for (auto& [index, text] : by_index) texts.push_back(std::move(text));
  std::vector<int64_t> times;
  std::set<int64_t> seen;
  for (const std::string& text : texts) {
    const std::optional<int64_t> time = ParseNonNegativeInt(text);
    if (!time) {
      return MalformedTimestamps(absl::StrCat("\"", absl::CHexEscape(text.substr(0, 40)),
                                              "\" is not a time in Unix milliseconds"));
    }
    if (seen.insert(*time).second) times.push_back(*time);
  }
  if (times.empty()) return Fail(codes::kMissingCreateTimestampList);
  if (times.size() > kMaxTimestamps) {
    return MalformedTimestamps(absl::StrCat(times.size(), " capture times"));
  }
  return times;
}

ApiResult<bool> GetRemoveFile(const RequestParams& params) {
  ApiResult<std::string> text = params.Require("RemoveFile", codes::kMissingRemoveFile);
  if (!text.ok()) return text.error();
  const std::string value = absl::AsciiStrToLower(*text);
  if (value == "true") return true;
  if (value == "false") return false;
  return Fail(codes::kInvalidRemoveFileMalformed,
              absl::StrCat("RemoveFile \"", absl::CHexEscape(text->substr(0, 40)),
                           "\" is not true or false"));
}

// Removes the stored objects of `records`; an object already gone counts
// as removed. The reason it failed, or "" when every object is gone.
std::string RemoveObjects(const ActionContext& context,
                          const std::vector<catalog::SnapshotRecord>& records) {
  for (const catalog::SnapshotRecord& record : records) {
    storage::ObjectStore* store = nullptr;
    if (context.stores != nullptr) {
      const auto found = context.stores->find(record.bucket);
      if (found != context.stores->end()) store = found->second;
    }
    if (store == nullptr) {
      return absl::StrCat("the storage location ", record.bucket, " is not configured here");
    }
    const absl::Status status = store->Delete(record.object_key);
    if (!status.ok() && !absl::IsNotFound(status)) {
      return absl::StrCat("remove ", record.bucket, "/", record.object_key, ": ", status.message());
    }
  }
  return "";
}

struct StreamParams {
  std::string domain;
  std::string app;
  std::string stream;
};

ApiResult<StreamParams> GetStream(const ActionContext& context, const RequestParams& params) {
  ApiResult<catalog::Domain> domain = RequireDomain(context, params);
  if (!domain.ok()) return domain.error();
  ApiResult<StreamNames> names = RequireStreamNames(params);
  if (!names.ok()) return names.error();
  return StreamParams{domain->name, names->app, names->stream};
}

}  // namespace

ApiResult<Json> DeleteSnapshotFiles(const ActionContext& context, const RequestParams& params) {
  ApiResult<StreamParams> key = GetStream(context, params);
  if (!key.ok()) return key.error();
  ApiResult<std::vector<int64_t>> times = GetTimestamps(params);
  if (!times.ok()) return times.error();
  ApiResult<bool> remove_file = GetRemoveFile(params);
  if (!remove_file.ok()) return remove_file.error();

  // With RemoveFile, a capture's records go only once its objects are gone,
  // so a failed removal can be retried with the same call.
  std::map<int64_t, std::string> failures;  // capture time -> why its objects stay
  std::vector<int64_t> to_delete;
  for (const int64_t time : *times) {
    if (!*remove_file) {
      to_delete.push_back(time);
      continue;
    }
    catalog::RecordQuery query;
    query.domain = key->domain;
    query.app = key->app;
    query.stream = key->stream;
    query.start_ms = time;
    query.end_ms = time + 1;
    query.limit = 1000;
    absl::StatusOr<std::vector<catalog::SnapshotRecord>> records =
        context.catalog.QuerySnapshotRecords(query);
    if (!records.ok()) return CatalogError(records.status(), "read snapshot records");
    if (std::string reason = RemoveObjects(context, *records); !reason.empty()) {
      failures[time] = std::move(reason);
    } else {
      to_delete.push_back(time);
    }
  }
  absl::StatusOr<std::vector<catalog::SnapshotRecord>> removed =
      context.catalog.DeleteSnapshotRecords(key->domain, key->app, key->stream, to_delete);
  if (!removed.ok()) return CatalogError(removed.status(), "delete snapshot records");
  std::set<int64_t> removed_times;
  for (const catalog::SnapshotRecord& record : *removed) removed_times.insert(record.capture_ms);

  int64_t successes = 0;
  Json list = Json::array();
  for (const int64_t time : *times) {
    Json item = Json::object();
    item["CreateTimestamp"] = time;
    if (const auto failure = failures.find(time); failure != failures.end()) {
      item["Message"] = "RemoveFileFailed";  // livesnap's: Alibaba documents OK and FileNotFound
      item["Reason"] = failure->second;
      spdlog::warn("[{}/{}/{}] DeleteSnapshotFiles kept the records of {}: {}", key->domain,
                   key->app, key->stream, time, failure->second);
    } else if (removed_times.contains(time)) {
      item["Message"] = "OK";
      ++successes;
    } else {
      item["Message"] = "FileNotFound";
    }
    list.push_back(std::move(item));
  }
  spdlog::info("[{}/{}/{}] DeleteSnapshotFiles removed {} records of {} captures{}", key->domain,
               key->app, key->stream, removed->size(), successes,
               *remove_file ? " and their objects" : "");
  Json body;
  body["SuccessCount"] = successes;
  body["FailureCount"] = static_cast<int64_t>(times->size()) - successes;
  body["SnapshotDeleteInfoList"] = {{"SnapshotDeleteInfo", std::move(list)}};
  return body;
}

namespace {

// The domains DescribeLiveDomainSnapshotData sums: those DomainName lists
// (comma-separated), or every registered domain when it is absent.
ApiResult<std::vector<std::string>> DataDomains(const ActionContext& context,
                                                const RequestParams& params) {
  std::vector<std::string> names;
  if (const auto text = params.Get("DomainName")) {
    std::set<std::string> seen;
    for (absl::string_view part :
         absl::StrSplit(absl::string_view(text->data(), text->size()), ',')) {
      const std::string name(absl::StripAsciiWhitespace(part));
      if (auto error = CheckDomainName(name)) return *error;
      ApiResult<catalog::Domain> domain = LookupDomain(context, name);
      if (!domain.ok()) return domain.error();
      if (seen.insert(name).second) names.push_back(name);
    }
    return names;
  }
  absl::StatusOr<std::vector<catalog::Domain>> domains = context.catalog.ListDomains();
  if (!domains.ok()) return CatalogError(domains.status(), "list domains");
  for (const catalog::Domain& domain : *domains) names.push_back(domain.name);
  return names;
}

// "20240501" for the day starting at `day_ms`.
std::string DayName(int64_t day_ms) {
  const std::string iso = FormatIso8601Utc(day_ms);  // 2024-05-01T00:00:00Z
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
}

}  // namespace

ApiResult<Json> DescribeLiveDomainSnapshotData(const ActionContext& context,
                                               const RequestParams& params) {
  ApiResult<TimeRange> range = RequireTimeRange(params);
  if (!range.ok()) return range.error();
  const int64_t oldest_ms = context.clock.UnixMs() - kDataDays * kDayMs;
  if (range->start_ms < oldest_ms || range->end_ms - range->start_ms > kDataDays * kDayMs) {
    return Fail(codes::kInvalidStartTimeValueNotSupported,
                absl::StrCat("StartTime ", FormatIso8601Utc(range->start_ms, true), " to EndTime ",
                             FormatIso8601Utc(range->end_ms, true), ": data reaches back to ",
                             FormatIso8601Utc(oldest_ms), " and a query spans at most ", kDataDays,
                             " days"));
  }
  ApiResult<std::vector<std::string>> domains = DataDomains(context, params);
  if (!domains.ok()) return domains.error();

  std::map<int64_t, int64_t> totals;  // day start -> captures
  for (const std::string& domain : *domains) {
    absl::StatusOr<std::vector<catalog::DailySnapshotCount>> days =
        context.catalog.CountSnapshotsByDay(domain, range->start_ms, range->end_ms);
    if (!days.ok()) return CatalogError(days.status(), "count snapshots of " + domain);
    for (const catalog::DailySnapshotCount& day : *days) totals[day.day_start_ms] += day.count;
  }
  // Every day the range touches, those without a snapshot as 0.
  Json list = Json::array();
  for (int64_t day = range->start_ms / kDayMs * kDayMs; day < range->end_ms; day += kDayMs) {
    const auto total = totals.find(day);
    list.push_back(
        Json{{"Date", DayName(day)}, {"Total", total == totals.end() ? 0 : total->second}});
  }
  Json body;
  body["SnapshotDataInfos"] = {{"SnapshotDataInfo", std::move(list)}};
  return body;
}

}  // namespace livesnap::api::internal
