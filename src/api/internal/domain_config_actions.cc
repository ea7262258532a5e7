// Domain functions, as the cloud service configures them:
// BatchSetLiveDomainConfigs / DescribeLiveDomainConfigs /
// DeleteLiveSpecificConfig. livesnap knows one function, "aliauth" (push URL
// signing), with the args auth_type, auth_key1, auth_key2 and ali_auth_delta.
// Its keys are shown only to a caller that authenticated (api.auth = "on").
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/internal/actions.h"
#include "api/internal/validation.h"
#include "snapshot/push_auth.h"

namespace livesnap::api::internal {

namespace {

constexpr std::string_view kAliAuth = "aliauth";
constexpr std::string_view kHiddenKey = "******";

// A stable ConfigId for a domain's aliauth (FNV-1a, 31 bits): the same on
// every node sharing the catalog, without a stored counter.
int64_t AliAuthConfigId(std::string_view domain) {
  uint32_t hash = 2166136261u;
  for (char c : std::string(kAliAuth) + "/" + std::string(domain)) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  }
  return static_cast<int64_t>(hash & 0x7fffffff) + 1;
}

ApiError MalformedFunctions(std::string message) {
  return Fail(codes::kInvalidFunctionsMalformed, std::move(message));
}

// The aliauth settings a Functions JSON array gives, applied over `auth`.
std::optional<ApiError> ParseAliAuth(std::string_view functions, snapshot::PushAuthConfig& auth) {
  const Json parsed = Json::parse(functions, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array() || parsed.empty()) {
    return MalformedFunctions("Functions must be a JSON array of {functionName, functionArgs}.");
  }
  for (const Json& function : parsed) {
    if (!function.is_object() || !function.contains("functionName") ||
        !function["functionName"].is_string()) {
      return MalformedFunctions("Every function needs a functionName.");
    }
    const std::string name = function["functionName"];
    if (name != kAliAuth) {
      return MalformedFunctions(absl::StrCat("The function \"", name.substr(0, 100),
                                             "\" is not supported (only aliauth)."));
    }
    const Json args = function.value("functionArgs", Json::array());
    if (!args.is_array()) return MalformedFunctions("functionArgs must be an array.");
    for (const Json& arg : args) {
      if (!arg.is_object() || !arg.value("argName", Json()).is_string() ||
          !arg.value("argValue", Json()).is_string()) {
        return MalformedFunctions("Every functionArg needs a string argName and argValue.");
      }
      const std::string arg_name = arg["argName"];
      const std::string value = arg["argValue"];
      if (arg_name == "auth_type") {
        auth.auth_type = value;
      } else if (arg_name == "auth_key1") {
        auth.auth_key1 = value;
      } else if (arg_name == "auth_key2") {
        auth.auth_key2 = value;
      } else if (arg_name == "ali_auth_delta") {
        int64_t delta = 0;
        if (!absl::SimpleAtoi(value, &delta)) {
          return MalformedFunctions("ali_auth_delta must be a number of seconds.");
        }
        auth.delta_s = delta;
      } else {
        return MalformedFunctions(
            absl::StrCat("aliauth has no argument \"", arg_name.substr(0, 100), "\"."));
      }
    }
  }
  if (absl::Status valid = snapshot::ValidatePushAuthConfig(auth); !valid.ok()) {
    return MalformedFunctions(std::string(valid.message()));
  }
  return std::nullopt;
}

Json Arg(std::string_view name, std::string value) {
  return Json{{"ArgName", name}, {"ArgValue", std::move(value)}};
}

}  // namespace

ApiResult<Json> BatchSetLiveDomainConfigs(const ActionContext& context,
                                          const RequestParams& params) {
  ApiResult<std::string> names = params.Require("DomainNames", codes::kMissingDomainNames);
  if (!names.ok()) return names.error();
  ApiResult<std::string> functions = params.Require("Functions", codes::kMissingFunctions);
  if (!functions.ok()) return functions.error();
  std::vector<catalog::PushAuth> updates;
  const std::vector<std::string> domains = absl::StrSplit(*names, ',', absl::SkipWhitespace());
  for (const std::string& name : domains) {
    const std::string domain(absl::StripAsciiWhitespace(name));
    if (auto error = CheckDomainName(domain)) return *error;
    ApiResult<catalog::Domain> found = LookupDomain(context, domain);
    if (!found.ok()) return found.error();
    // The args a call leaves out keep their values (a key rotation sends one key).
    snapshot::PushAuthConfig auth;
    absl::StatusOr<catalog::PushAuth> current = context.catalog.GetPushAuth(domain);
    if (current.ok()) {
      auth = {current->auth_type, current->auth_key1, current->auth_key2, current->delta_s};
    } else if (!absl::IsNotFound(current.status())) {
      return CatalogError(current.status(), "look up aliauth of " + domain);
    }
    if (auto error = ParseAliAuth(*functions, auth)) return *error;
    updates.push_back({domain, auth.auth_type, auth.auth_key1, auth.auth_key2, auth.delta_s});
  }
  if (updates.empty()) return Fail(codes::kMissingDomainNames);
  for (const catalog::PushAuth& update : updates) {
    const absl::Status done = update.auth_type == "no_auth"
                                  ? context.catalog.DeletePushAuth(update.domain)
                                  : context.catalog.SetPushAuth(update);
    if (!done.ok() && !absl::IsNotFound(done)) {
      return CatalogError(done, "set aliauth of " + update.domain);
    }
  }
  return Json::object();
}

ApiResult<Json> DescribeLiveDomainConfigs(const ActionContext& context,
                                          const RequestParams& params) {
  ApiResult<catalog::Domain> domain = RequireDomain(context, params);
  if (!domain.ok()) return domain.error();
  Json configs = Json::array();
  const std::string wanted(params.Get("FunctionNames").value_or(kAliAuth));
  bool asks_aliauth = false;
  const std::vector<std::string> names = absl::StrSplit(wanted, ',', absl::SkipWhitespace());
  for (const std::string& name : names) {
    asks_aliauth = asks_aliauth || std::string(absl::StripAsciiWhitespace(name)) == kAliAuth;
  }
  absl::StatusOr<catalog::PushAuth> auth = context.catalog.GetPushAuth(domain->name);
  if (!auth.ok() && !absl::IsNotFound(auth.status())) {
    return CatalogError(auth.status(), "look up aliauth of " + domain->name);
  }
  if (asks_aliauth && auth.ok()) {
    const auto key = [&](const std::string& value) {
      return context.authenticated || value.empty() ? value : std::string(kHiddenKey);
    };
    Json args =
        Json::array({Arg("auth_type", auth->auth_type), Arg("auth_key1", key(auth->auth_key1)),
                     Arg("auth_key2", key(auth->auth_key2)),
                     Arg("ali_auth_delta", std::to_string(auth->delta_s))});
    configs.push_back({{"FunctionName", kAliAuth},
                       {"ConfigId", std::to_string(AliAuthConfigId(domain->name))},
                       {"Status", "success"},
                       {"FunctionArgs", {{"FunctionArg", std::move(args)}}}});
  }
  Json body;
  body["DomainConfigs"] = {{"DomainConfig", std::move(configs)}};
  return body;
}

ApiResult<Json> DeleteLiveSpecificConfig(const ActionContext& context,
                                         const RequestParams& params) {
  ApiResult<catalog::Domain> domain = RequireDomain(context, params);
  if (!domain.ok()) return domain.error();
  ApiResult<std::string> config_id = params.Require("ConfigId", codes::kMissingConfigId);
  if (!config_id.ok()) return config_id.error();
  const ApiError not_found =
      Fail(codes::kConfigNotFound,
           absl::StrCat("Domain ", domain->name, " has no config ", config_id->substr(0, 40), "."));
  if (*config_id != std::to_string(AliAuthConfigId(domain->name))) return not_found;
  const absl::Status deleted = context.catalog.DeletePushAuth(domain->name);
  if (absl::IsNotFound(deleted)) return not_found;
  if (!deleted.ok()) return CatalogError(deleted, "delete aliauth of " + domain->name);
  return Json::object();
}

}  // namespace livesnap::api::internal
