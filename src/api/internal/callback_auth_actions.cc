// Signing of the snapshot Callback of a domain's templates:
// SetSnapshotCallbackAuth, DeleteSnapshotCallbackAuth and
// QuerySnapshotCallbackAuth. The setting lives on the domain in the catalog,
// so every node sharing it signs alike; a stream follows the setting its
// publish started with (notify/callback_signature.h has the scheme).
#include "absl/strings/str_cat.h"
#include "api/internal/actions.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {

namespace {

// Shown in place of a key to a caller that did not authenticate.
constexpr std::string_view kHiddenKey = "******";
constexpr size_t kMaxCallbackKeyChars = 128;

// CallbackAuthKey: 1..128 printable ASCII characters without spaces
// (Alibaba documents no rule; the key goes into an MD5 input as it is).
std::optional<ApiError> CheckCallbackKey(std::string_view key) {
  bool ok = !key.empty() && key.size() <= kMaxCallbackKeyChars;
  for (char c : key) ok = ok && c > ' ' && c < 0x7f;
  if (ok) return std::nullopt;
  return Fail(codes::kMalformedParam,
              absl::StrCat("CallbackAuthKey must be 1 to ", kMaxCallbackKeyChars,
                           " printable ASCII characters without spaces"));
}

ApiResult<Json> StoreCallbackAuth(const ActionContext& context, const std::string& domain,
                                  const catalog::CallbackAuth& auth) {
  const absl::Status set = context.catalog.SetCallbackAuth(domain, auth);
  if (absl::IsNotFound(set)) {
    return Fail(codes::kInvalidDomainNotFound,
                absl::StrCat("The domain \"", domain, "\" is not registered (AddLiveDomain)."));
  }
  if (!set.ok()) return CatalogError(set, "set callback auth of " + domain);
  return Json::object();
}

}  // namespace

ApiResult<Json> SetSnapshotCallbackAuth(const ActionContext& context, const RequestParams& params) {
  ApiResult<std::string> name = RequireDomainName(params);
  if (!name.ok()) return name.error();
  ApiResult<std::string> req_auth = params.Require("CallbackReqAuth", codes::kMissingParam);
  if (!req_auth.ok()) {
    return Fail(codes::kMissingParam, "The parameter CallbackReqAuth is required.");
  }
  if (*req_auth != "yes" && *req_auth != "no") {
    return Fail(codes::kMalformedParam,
                absl::StrCat("CallbackReqAuth \"", *req_auth, "\" is not yes or no"));
  }
  ApiResult<std::string> key = params.Require("CallbackAuthKey", codes::kMissingParam);
  if (!key.ok()) return Fail(codes::kMissingParam, "The parameter CallbackAuthKey is required.");
  if (auto error = CheckCallbackKey(*key)) return *error;
  ApiResult<catalog::Domain> domain = LookupDomain(context, *name);
  if (!domain.ok()) return domain.error();
  return StoreCallbackAuth(context, domain->name,
                           {.req_auth = *req_auth == "yes", .auth_key = *key});
}

ApiResult<Json> DeleteSnapshotCallbackAuth(const ActionContext& context,
                                           const RequestParams& params) {
  ApiResult<catalog::Domain> domain = RequireDomain(context, params);
  if (!domain.ok()) return domain.error();
  return StoreCallbackAuth(context, domain->name, {});
}

ApiResult<Json> QuerySnapshotCallbackAuth(const ActionContext& context,
                                          const RequestParams& params) {
  ApiResult<catalog::Domain> domain = RequireDomain(context, params);
  if (!domain.ok()) return domain.error();
  const std::string& key = domain->callback_auth.auth_key;
  Json body;
  body["DomainName"] = domain->name;
  body["CallbackReqAuth"] = domain->callback_auth.req_auth ? "yes" : "no";
  body["CallbackAuthKey"] = context.authenticated || key.empty() ? key : std::string(kHiddenKey);
  return body;
}

}  // namespace livesnap::api::internal
