#include "api/internal/actions.h"

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "api/internal/validation.h"
#include "catalog/domain_match.h"

namespace livesnap::api::internal {

namespace {

// One action: its handler and whether it changes state. An action changes
// state unless marked kReadOnly, so a new action is guarded by default.
enum Effect { kMutates, kReadOnly };
struct Action {
  Action(ActionHandler h, Effect e = kMutates) : handler(h), effect(e) {}  // NOLINT: implicit
  ActionHandler handler;
  Effect effect;
};

const std::map<std::string_view, Action>& Table() {
  static const auto* table = new std::map<std::string_view, Action>{
      {"AddLiveAppSnapshotConfig", &AddLiveAppSnapshotConfig},
      {"UpdateLiveAppSnapshotConfig", &UpdateLiveAppSnapshotConfig},
      {"DeleteLiveAppSnapshotConfig", &DeleteLiveAppSnapshotConfig},
      {"DescribeLiveSnapshotConfig", {&DescribeLiveSnapshotConfig, kReadOnly}},
      {"DescribeLiveStreamSnapshotInfo", {&DescribeLiveStreamSnapshotInfo, kReadOnly}},
      {"AddLiveSnapshotNotifyConfig", &AddLiveSnapshotNotifyConfig},
      {"UpdateLiveSnapshotNotifyConfig", &UpdateLiveSnapshotNotifyConfig},
      {"DeleteLiveSnapshotNotifyConfig", &DeleteLiveSnapshotNotifyConfig},
      {"DescribeLiveSnapshotNotifyConfig", {&DescribeLiveSnapshotNotifyConfig, kReadOnly}},
      {"AddLiveDomain", &AddLiveDomain},
      {"DeleteLiveDomain", &DeleteLiveDomain},
      {"DescribeLiveUserDomains", {&DescribeLiveUserDomains, kReadOnly}},
      {"DescribeLiveSnapshotStorages", {&DescribeLiveSnapshotStorages, kReadOnly}},
      {"DescribeLiveStreamsOnlineList", {&DescribeLiveStreamsOnlineList, kReadOnly}},
      {"DescribeLivesnapNodes", {&DescribeLivesnapNodes, kReadOnly}},
      {"BatchSetLiveDomainConfigs", &BatchSetLiveDomainConfigs},
      {"DescribeLiveDomainConfigs", {&DescribeLiveDomainConfigs, kReadOnly}},
      {"DeleteLiveSpecificConfig", &DeleteLiveSpecificConfig},
      {"SetSnapshotCallbackAuth", &SetSnapshotCallbackAuth},
      {"DeleteSnapshotCallbackAuth", &DeleteSnapshotCallbackAuth},
      {"QuerySnapshotCallbackAuth", {&QuerySnapshotCallbackAuth, kReadOnly}},
      {"DeleteSnapshotFiles", &DeleteSnapshotFiles},
      {"DescribeLiveDomainSnapshotData", {&DescribeLiveDomainSnapshotData, kReadOnly}},
  };
  return *table;
}

}  // namespace

const ActionHandler* FindAction(std::string_view action) {
  const auto& table = Table();
  const auto it = table.find(action);
  return it == table.end() ? nullptr : &it->second.handler;
}

bool ActionMutates(std::string_view action) {
  const auto& table = Table();
  const auto it = table.find(action);
  return it == table.end() || it->second.effect == kMutates;
}

std::vector<std::string_view> ActionNames() {
  std::vector<std::string_view> names;
  for (const auto& [name, handler] : Table()) names.push_back(name);
  return names;
}

ApiError CatalogError(const absl::Status& status, std::string_view doing) {
  const std::string message = absl::StrCat(std::string(doing), ": ", std::string(status.message()));
  if (absl::IsUnavailable(status)) return Fail(codes::kServiceUnavailable, message);
  return Fail(codes::kInternalError, message);
}

ApiResult<std::string> RequireDomainName(const RequestParams& params) {
  ApiResult<std::string> name = params.Require("DomainName", codes::kMissingDomainName);
  if (!name.ok()) return name;
  if (auto error = CheckDomainName(*name)) return *error;
  return name;
}

ApiResult<StreamNames> RequireStreamNames(const RequestParams& params) {
  ApiResult<std::string> app = params.Require("AppName", codes::kMissingAppName);
  if (!app.ok()) return app.error();
  if (auto error = CheckAppName(*app)) return *error;
  ApiResult<std::string> stream = params.Require("StreamName", codes::kMissingStreamName);
  if (!stream.ok()) return stream.error();
  if (auto error = CheckStreamName(*stream)) return *error;
  return StreamNames{*std::move(app), *std::move(stream)};
}

ApiResult<catalog::Domain> LookupDomain(const ActionContext& context, const std::string& name) {
  absl::StatusOr<catalog::Domain> domain = context.catalog.GetDomain(name);
  if (absl::IsNotFound(domain.status())) {
    return Fail(codes::kInvalidDomainNotFound,
                absl::StrCat("The domain \"", name, "\" is not registered (AddLiveDomain)."));
  }
  if (!domain.ok()) return CatalogError(domain.status(), "look up domain " + name);
  return *std::move(domain);
}

ApiResult<catalog::Domain> RequireDomain(const ActionContext& context,
                                         const RequestParams& params) {
  ApiResult<std::string> name = RequireDomainName(params);
  if (!name.ok()) return name.error();
  return LookupDomain(context, *name);
}

ApiResult<catalog::Domain> LookupServingDomain(const ActionContext& context,
                                               const std::string& host) {
  std::vector<std::string> names = catalog::ServingDomainCandidates(host);
  if (names.empty()) names.push_back(host);  // a wildcard domain's own name
  for (const std::string& name : names) {
    absl::StatusOr<catalog::Domain> domain = context.catalog.GetDomain(name);
    if (domain.ok()) return *std::move(domain);
    if (!absl::IsNotFound(domain.status())) {
      return CatalogError(domain.status(), "look up domain " + name);
    }
  }
  return Fail(codes::kInvalidDomainNotFound,
              absl::StrCat("No registered domain serves \"", host, "\" (AddLiveDomain)."));
}

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

ApiResult<TimeRange> RequireTimeRange(const RequestParams& params) {
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
  return TimeRange{*start_ms, *end_ms};
}

int64_t TotalPages(int64_t total, int64_t page_size) {
  return page_size <= 0 ? 0 : (total + page_size - 1) / page_size;
}

}  // namespace livesnap::api::internal
