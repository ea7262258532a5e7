#include <spdlog/spdlog.h>

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "api/internal/request_params.h"
#include "api/internal/routes.h"

namespace livesnap::api::internal {

namespace {

constexpr std::string_view kApiVersion = "2016-11-01";

// The scheme://host[:port] part of a URL, lowercased ("" for none).
std::string OriginOf(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  const size_t path = url.find('/', scheme_end + 3);
  return absl::AsciiStrToLower(std::string(url.substr(0, path)));
}

bool IsOwnOrigin(std::string_view url, const std::string& own_host) {
  const std::string origin = OriginOf(url);
  return !own_host.empty() && (origin == "http://" + own_host || origin == "https://" + own_host);
}

}  // namespace

// Browsers mark what they send: Sec-Fetch-Site (all current ones), Origin
// (every POST, and cross-origin fetches), Referer (most others). A page of
// another origin can set none of them, nor a header such as
// X-Requested-With (that takes a CORS preflight, which is never granted).
std::optional<std::string> CrossSiteReason(const HttpRequest& request) {
  const std::string own = absl::AsciiStrToLower(request.Header("Host"));
  bool same_origin = false;
  const std::string site = request.Header("Sec-Fetch-Site");
  if (!site.empty()) {
    if (site != "same-origin" && site != "none") {
      return absl::StrCat("Sec-Fetch-Site is ", site.substr(0, 40));
    }
    same_origin = true;
  }
  if (const std::string origin = request.Header("Origin"); !origin.empty()) {
    if (!IsOwnOrigin(origin, own)) {
      return absl::StrCat("Origin ", origin.substr(0, 100), " is not this server's (", own, ")");
    }
    same_origin = true;
  }
  if (const std::string referer = request.Header("Referer"); !referer.empty()) {
    if (!IsOwnOrigin(referer, own)) {
      return absl::StrCat("Referer ", OriginOf(referer.substr(0, 100)), " is not this server's (",
                          own, ")");
    }
    same_origin = true;
  }
  // A link or an <img> sends a GET with no Origin, and older browsers no
  // Sec-Fetch-Site: a GET must show it was not one.
  if (!same_origin && request.method != "POST" && !request.HasParam("Signature") &&
      request.Header("X-Requested-With").empty()) {
    return std::string(
        "a GET that changes the configuration carries no signature and no same-origin marker "
        "(Origin, Sec-Fetch-Site, Referer or X-Requested-With)");
  }
  return std::nullopt;
}

Outcome HandleRpc(const RouteContext& context, const HttpRequest& request, HttpResponse& response) {
  const RequestParams params(QueryParams(request.params.begin(), request.params.end()));
  const ApiOptions& options = context.options;
  Outcome outcome{"unknown"};
  auto fail = [&](const ApiError& error) {
    outcome.code = SendError(context, request, response, error);
    return outcome;
  };
  if (params.all().empty() && HasConsole(options)) {
    response.SetRedirect("/console/");
    outcome.action = "http:console";
    return outcome;
  }
  const auto action = params.Get("Action");
  if (!action) return fail(Fail(codes::kMissingAction));
  const ActionHandler* handler = FindAction(*action);
  if (handler == nullptr) {
    return fail(Fail(codes::kInvalidActionNotFound,
                     absl::StrCat("Specified api is not found, please check your url and method: "
                                  "Action \"",
                                  std::string(action->substr(0, 100)), "\"")));
  }
  outcome.action = std::string(*action);
  const bool mutates = ActionMutates(outcome.action);
  const auto version = params.Get("Version");
  if (!version) return fail(Fail(codes::kMissingVersion));
  if (*version != kApiVersion) {
    return fail(
        Fail(codes::kInvalidVersion,
             absl::StrCat("Specified parameter Version \"", std::string(version->substr(0, 100)),
                          "\" is not valid: use ", std::string(kApiVersion))));
  }
  if (auto format = params.Get("Format"); format && *format != "JSON" && *format != "json") {
    return fail(Fail(codes::kInvalidParameterFormat));
  }
  if (options.auth_enabled) {
    if (auto error = context.auth.Verify(request.method, params)) return fail(*error);
  } else if (mutates) {
    // Without signatures, any page open in an operator's browser could
    // send this (CSRF), even to an API on loopback.
    if (auto reason = CrossSiteReason(request)) {
      spdlog::warn("API: refused {} from {} as cross-site: {}", outcome.action, request.remote_ip,
                   *reason);
      return fail(Fail(codes::kForbiddenCrossOrigin,
                       absl::StrCat("Refused ", outcome.action, ": ", *reason,
                                    ". With auth off, changes are taken from this server's own "
                                    "origin (the console), as POST, or with X-Requested-With.")));
    }
  }
  const ActionContext action_context{
      context.catalog, context.hub,      context.clock,        options.registry,
      options.node_id, options.lease_ms, options.auth_enabled, &context.sources.stores};
  ApiResult<Json> result = (*handler)(action_context, params);
  if (!result.ok()) return fail(result.error());
  if (options.config_changed && mutates) options.config_changed();
  Json body;
  body["RequestId"] = NewRequestId();
  for (auto& [key, value] : std::move(result).value().items()) body[key] = value;
  response.SetContent(Dump(body), kJsonType);
  return outcome;
}

}  // namespace livesnap::api::internal
