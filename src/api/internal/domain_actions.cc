// Streaming domains: AddLiveDomain, DeleteLiveDomain, DescribeLiveUserDomains.
// A domain keeps its LiveDomainType; Scope, CheckUrl and TopLevelDomain are
// checked and not kept (livesnap has no acceleration regions, health checks
// or ownership verification, and no action answers them).
#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/internal/actions.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {

namespace {

// Scope, CheckUrl and TopLevelDomain: optional, checked as Alibaba
// documents their values.
std::optional<ApiError> CheckAcceptedDomainParams(const RequestParams& params) {
  if (auto scope = params.Get("Scope")) {
    if (*scope != "domestic" && *scope != "overseas" && *scope != "global") {
      return Fail(codes::kInvalidScopeMalformed,
                  absl::StrCat("Scope \"", absl::CHexEscape(std::string(*scope)),
                               "\" is not domestic, overseas or global"));
    }
  }
  if (auto url = params.Get("CheckUrl")) {
    if (auto error = CheckHttpUrl(*url, codes::kCheckUrlMalformed, "CheckUrl")) return error;
  }
  if (auto top = params.Get("TopLevelDomain")) {
    if (auto error = CheckDomainName(*top); error || top->starts_with('.')) {
      return Fail(codes::kInvalidTopLevelDomainMalformed,
                  absl::StrCat("TopLevelDomain \"", absl::CHexEscape(std::string(*top)),
                               "\" is not a host name"));
    }
  }
  return std::nullopt;
}

}  // namespace

ApiResult<Json> AddLiveDomain(const ActionContext& context, const RequestParams& params) {
  ApiResult<std::string> name = RequireDomainName(params);
  if (!name.ok()) return name.error();
  ApiResult<std::string> region = params.Require("Region", codes::kMissingRegion);
  if (!region.ok()) return region.error();
  if (auto error = CheckRegion(*region)) return *error;
  ApiResult<std::string> type = params.Require("LiveDomainType", codes::kMissingLiveDomainType);
  if (!type.ok()) return type.error();
  if (*type != catalog::kLiveVideo && *type != catalog::kLiveEdge) {
    return Fail(codes::kInvalidLiveDomainTypeMalformed,
                absl::StrCat("LiveDomainType \"", absl::CHexEscape(*type),
                             "\" is not liveVideo or liveEdge"));
  }
  if (auto error = CheckAcceptedDomainParams(params)) return *error;
  catalog::Domain domain;
  domain.name = *name;
  domain.region = *region;
  domain.created_ms = context.clock.UnixMs();
  domain.live_domain_type = *type;
  const absl::Status added = context.catalog.AddDomain(domain);
  if (absl::IsAlreadyExists(added)) {
    return Fail(codes::kDomainAlreadyExist,
                absl::StrCat("The domain \"", *name, "\" is already registered."));
  }
  if (!added.ok()) return CatalogError(added, "add domain " + *name);
  return Json::object();
}

ApiResult<Json> DeleteLiveDomain(const ActionContext& context, const RequestParams& params) {
  ApiResult<catalog::Domain> domain = RequireDomain(context, params);
  if (!domain.ok()) return domain.error();
  const absl::Status deleted = context.catalog.DeleteDomain(domain->name);
  if (absl::IsNotFound(deleted)) {
    return Fail(codes::kInvalidDomainNotFound,
                absl::StrCat("The domain \"", domain->name, "\" is not registered."));
  }
  if (!deleted.ok()) return CatalogError(deleted, "delete domain " + domain->name);
  return Json::object();
}

namespace {

// Every domain livesnap serves is live.
constexpr std::string_view kDomainStatus = "online";
constexpr int64_t kMaxPageNumber = 100'000;

// DomainSearchType: how the DomainName filter matches (Alibaba's values).
enum class NameMatch { kFuzzy, kPrefix, kSuffix, kFull };

ApiResult<NameMatch> GetNameMatch(const RequestParams& params) {
  const auto text = params.Get("DomainSearchType");
  if (!text || *text == "fuzzy_match") return NameMatch::kFuzzy;
  if (*text == "pre_match") return NameMatch::kPrefix;
  if (*text == "suf_match") return NameMatch::kSuffix;
  if (*text == "full_match") return NameMatch::kFull;
  return Fail(codes::kInvalidDomainSearchTypeMalformed,
              absl::StrCat("DomainSearchType \"", absl::CHexEscape(std::string(*text)),
                           "\" is not fuzzy_match, pre_match, suf_match or full_match"));
}

bool NameMatches(std::string_view name, std::string_view filter, NameMatch match) {
  switch (match) {
    case NameMatch::kFuzzy:
      return name.find(filter) != std::string_view::npos;
    case NameMatch::kPrefix:
      return name.starts_with(filter);
    case NameMatch::kSuffix:
      return name.ends_with(filter);
    case NameMatch::kFull:
      return name == filter;
  }
  return false;
}

Json DomainItem(const catalog::Domain& domain) {
  const std::string created = FormatIso8601Utc(domain.created_ms);
  return Json{{"DomainName", domain.name},
              {"Cname", ""},
              {"Description", ""},
              {"LiveDomainStatus", kDomainStatus},
              {"LiveDomainType", domain.live_domain_type},
              {"RegionName", domain.region},
              {"ResourceGroupId", ""},
              {"GmtCreated", created},
              {"GmtModified", created}};
}

}  // namespace

ApiResult<Json> DescribeLiveUserDomains(const ActionContext& context, const RequestParams& params) {
  ApiResult<Paging> paging = params.GetPaging("PageNumber", "PageSize", 1, 50, 20);
  if (!paging.ok()) return paging.error();
  if (paging->page_num > kMaxPageNumber) {
    return Fail(
        codes::kInvalidPageNumMalformed,
        absl::StrCat("PageNumber ", paging->page_num, " is not from 1 to ", kMaxPageNumber));
  }
  ApiResult<NameMatch> match = GetNameMatch(params);
  if (!match.ok()) return match.error();
  const auto name_filter = params.Get("DomainName");
  const auto region_filter = params.Get("RegionName");
  const auto status_filter = params.Get("DomainStatus");
  const auto type_filter = params.Get("LiveDomainType");
  absl::StatusOr<std::vector<catalog::Domain>> domains = context.catalog.ListDomains();
  if (!domains.ok()) return CatalogError(domains.status(), "list domains");
  std::erase_if(*domains, [&](const catalog::Domain& domain) {
    return (name_filter && !NameMatches(domain.name, *name_filter, *match)) ||
           (region_filter && domain.region != *region_filter) ||
           (status_filter && *status_filter != kDomainStatus) ||
           (type_filter && *type_filter != domain.live_domain_type);
  });
  std::sort(domains->begin(), domains->end(),
            [](const catalog::Domain& a, const catalog::Domain& b) { return a.name < b.name; });
  const int64_t total = static_cast<int64_t>(domains->size());
  const int64_t first = std::min(total, (paging->page_num - 1) * paging->page_size);
  const int64_t last = std::min(total, first + paging->page_size);
  Json list = Json::array();
  for (int64_t i = first; i < last; ++i) list.push_back(DomainItem((*domains)[i]));
  Json body;
  body["PageNumber"] = paging->page_num;
  body["PageSize"] = paging->page_size;
  body["TotalCount"] = total;
  body["Domains"] = {{"PageData", std::move(list)}};
  return body;
}

}  // namespace livesnap::api::internal
