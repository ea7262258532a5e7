// Snapshot callbacks per domain: Add/Update/Delete/DescribeLiveSnapshotNotifyConfig.
#include "absl/strings/str_cat.h"
#include "api/internal/actions.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {

namespace {

// Applies NotifyUrl, NotifyReqAuth and NotifyAuthKey to `config`; an Add
// must give NotifyUrl. NotifyReqAuth takes Alibaba's default, "no", when a
// call leaves it out, an Update too. A NotifyAuthKey given is kept even while
// signing is off, and an Update that turns signing on without one signs with
// the key kept.
std::optional<ApiError> ApplyNotifyParams(const RequestParams& params, bool is_update,
                                          catalog::NotifyConfig& config) {
  if (auto url = params.Get("NotifyUrl")) {
    if (auto error = CheckHttpUrl(*url, codes::kMalformedParam, "NotifyUrl")) return error;
    config.notify_url = std::string(*url);
  } else if (!is_update) {
    return Fail(codes::kMissingNotifyUrl, "The parameter NotifyUrl is required.");
  }
  if (auto auth = params.Get("NotifyReqAuth")) {
    if (*auth != "yes" && *auth != "no") {
      return Fail(codes::kMalformedParam,
                  absl::StrCat("NotifyReqAuth \"", std::string(*auth), "\" is not yes or no"));
    }
    config.req_auth = *auth == "yes";
  } else {
    config.req_auth = false;
  }
  if (auto key = params.Get("NotifyAuthKey")) {
    bool ok = key->size() >= 16 && key->size() <= 32;
    for (char c : *key) {
      ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    }
    if (!ok) {
      return Fail(codes::kMalformedParam, "NotifyAuthKey must be 16 to 32 letters and digits");
    }
    config.auth_key = std::string(*key);
  }
  if (config.req_auth && config.auth_key.empty()) {
    return Fail(codes::kMissingParam,
                "The parameter NotifyAuthKey is required when NotifyReqAuth is yes.");
  }
  return std::nullopt;
}

ApiError NotifyNotFound(const std::string& domain) {
  return Fail(codes::kConfigNotFound,
              absl::StrCat("No snapshot notify config for domain ", domain, "."));
}

}  // namespace

ApiResult<Json> AddLiveSnapshotNotifyConfig(const ActionContext& context,
                                            const RequestParams& params) {
  ApiResult<std::string> name = RequireDomainName(params);
  if (!name.ok()) return name.error();
  catalog::NotifyConfig config;
  config.domain = *name;
  if (auto error = ApplyNotifyParams(params, /*is_update=*/false, config)) return *error;
  ApiResult<catalog::Domain> domain = LookupDomain(context, *name);
  if (!domain.ok()) return domain.error();
  absl::StatusOr<catalog::NotifyConfig> current = context.catalog.GetNotifyConfig(*name);
  if (current.ok()) {
    return Fail(codes::kConfigAlreadyExists,
                absl::StrCat("Domain ", *name,
                             " has a snapshot notify config already "
                             "(UpdateLiveSnapshotNotifyConfig changes it)."));
  }
  if (!absl::IsNotFound(current.status())) {
    return CatalogError(current.status(), "look up notify config");
  }
  const absl::Status set = context.catalog.SetNotifyConfig(config);
  if (!set.ok()) return CatalogError(set, "add notify config");
  return Json::object();
}

ApiResult<Json> UpdateLiveSnapshotNotifyConfig(const ActionContext& context,
                                               const RequestParams& params) {
  ApiResult<catalog::Domain> domain = RequireDomain(context, params);
  if (!domain.ok()) return domain.error();
  absl::StatusOr<catalog::NotifyConfig> current = context.catalog.GetNotifyConfig(domain->name);
  if (absl::IsNotFound(current.status())) return NotifyNotFound(domain->name);
  if (!current.ok()) return CatalogError(current.status(), "look up notify config");
  catalog::NotifyConfig config = *std::move(current);
  if (auto error = ApplyNotifyParams(params, /*is_update=*/true, config)) return *error;
  const absl::Status set = context.catalog.SetNotifyConfig(config);
  if (!set.ok()) return CatalogError(set, "update notify config");
  return Json::object();
}

ApiResult<Json> DeleteLiveSnapshotNotifyConfig(const ActionContext& context,
                                               const RequestParams& params) {
  ApiResult<catalog::Domain> domain = RequireDomain(context, params);
  if (!domain.ok()) return domain.error();
  const absl::Status deleted = context.catalog.DeleteNotifyConfig(domain->name);
  if (absl::IsNotFound(deleted)) return NotifyNotFound(domain->name);
  if (!deleted.ok()) return CatalogError(deleted, "delete notify config");
  return Json::object();
}

ApiResult<Json> DescribeLiveSnapshotNotifyConfig(const ActionContext& context,
                                                 const RequestParams& params) {
  ApiResult<catalog::Domain> domain = RequireDomain(context, params);
  if (!domain.ok()) return domain.error();
  absl::StatusOr<catalog::NotifyConfig> config = context.catalog.GetNotifyConfig(domain->name);
  if (absl::IsNotFound(config.status())) return NotifyNotFound(domain->name);
  if (!config.ok()) return CatalogError(config.status(), "look up notify config");
  Json body;
  body["DomainName"] = config->domain;
  body["NotifyUrl"] = config->notify_url;
  body["NotifyReqAuth"] = config->req_auth ? "yes" : "no";
  body["NotifyAuthKey"] = config->auth_key;
  return body;
}

}  // namespace livesnap::api::internal
