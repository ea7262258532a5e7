// Streaming domains: AddLiveDomain, DeleteLiveDomain, DescribeLiveUserDomains.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "api/internal/actions.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {

ApiResult<Json> AddLiveDomain(const ActionContext& context, const RequestParams& params) {
  ApiResult<std::string> name = RequireDomainName(params);
  if (!name.ok()) return name.error();
  ApiResult<std::string> region = params.Require("Region", codes::kMissingRegion);
  if (!region.ok()) return region.error();
  if (auto error = CheckRegion(*region)) return *error;
  catalog::Domain domain;
  domain.name = *name;
  domain.region = *region;
  domain.created_ms = context.clock.UnixMs();
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

ApiResult<Json> DescribeLiveUserDomains(const ActionContext& context, const RequestParams& params) {
  ApiResult<Paging> paging = params.GetPaging("PageNumber", "PageSize", 1, 50, 20);
  if (!paging.ok()) return paging.error();
  const auto name_filter = params.Get("DomainName");  // fuzzy: a substring of the name
  const auto region_filter = params.Get("RegionName");
  absl::StatusOr<std::vector<catalog::Domain>> domains = context.catalog.ListDomains();
  if (!domains.ok()) return CatalogError(domains.status(), "list domains");
  std::erase_if(*domains, [&](const catalog::Domain& domain) {
    return (name_filter && domain.name.find(*name_filter) == std::string::npos) ||
           (region_filter && domain.region != *region_filter);
  });
  std::sort(domains->begin(), domains->end(),
            [](const catalog::Domain& a, const catalog::Domain& b) { return a.name < b.name; });
  const int64_t total = static_cast<int64_t>(domains->size());
  const int64_t first = std::min(total, (paging->page_num - 1) * paging->page_size);
  const int64_t last = std::min(total, first + paging->page_size);
  Json list = Json::array();
  for (int64_t i = first; i < last; ++i) {
    const catalog::Domain& domain = (*domains)[i];
    list.push_back(Json{{"DomainName", domain.name},
                        {"RegionName", domain.region},
                        {"DomainStatus", "online"},
                        {"LiveDomainType", "liveVideo"},
                        {"GmtCreated", FormatIso8601Utc(domain.created_ms)}});
  }
  Json body;
  body["PageNumber"] = paging->page_num;
  body["PageSize"] = paging->page_size;
  body["TotalCount"] = total;
  body["Domains"] = {{"PageData", std::move(list)}};
  return body;
}

}  // namespace livesnap::api::internal
