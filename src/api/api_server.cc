#include "api/api_server.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/internal/api_metrics.h"
#include "api/internal/http_listener.h"
#include "api/internal/routes.h"
#include "api/internal/rpc_auth.h"
#include "api/signature.h"
#include "base/log_limiter.h"
#include "base/status.h"

namespace livesnap::api {

namespace {

using internal::ApiError;
using internal::Fail;
using internal::HttpRequest;
using internal::HttpResponse;
using internal::Outcome;

constexpr size_t kMaxRequestBodyBytes = 64 * 1024;

// The GET routes besides "/", by the whole decoded path.
enum class Family { kHealth, kMetrics, kLatest, kObject, kConsole };

// The family serving `path`, with the path's parts in `matches`
// ([0] the path; latest: domain, app, stream; object: bucket, key;
// console: "" or "/..." after /console), or nullopt.
std::optional<Family> MatchRoute(const std::string& path, std::vector<std::string>& matches) {
  matches = {path};
  if (path == "/healthz") return Family::kHealth;
  if (path == "/metrics") return Family::kMetrics;
  if (path == "/console" || path.starts_with("/console/")) {
    matches.push_back(path.substr(8));
    return Family::kConsole;
  }
  constexpr std::string_view kLatest = "/snapshots/latest/";
  constexpr std::string_view kObject = "/snapshots/object/";
  if (path.starts_with(kLatest)) {
    const std::vector<std::string> parts = absl::StrSplit(path.substr(kLatest.size()), '/');
    if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].size() <= 4 ||
        !parts[2].ends_with(".jpg")) {
      return std::nullopt;
    }
    matches.insert(matches.end(), {parts[0], parts[1], parts[2].substr(0, parts[2].size() - 4)});
    return Family::kLatest;
  }
  if (path.starts_with(kObject)) {
    const std::string rest = path.substr(kObject.size());
    const size_t slash = rest.find('/');
    if (slash == 0 || slash == std::string::npos || slash + 1 == rest.size()) {
      return std::nullopt;
    }
    matches.emplace_back(rest.substr(0, slash));
    matches.emplace_back(rest.substr(slash + 1));
    return Family::kObject;
  }
  return std::nullopt;
}

internal::HttpListenerOptions ListenerOptions(const ApiOptions& options) {
  internal::HttpListenerOptions listener;
  listener.host = options.listen_host;
  listener.port = options.port;
  listener.worker_threads = options.worker_threads;
  listener.request_timeout_ms = options.request_timeout_ms;
  listener.max_body_bytes = kMaxRequestBodyBytes;
  listener.max_connections_per_ip = options.max_connections_per_ip;
  return listener;
}

class ApiServerImpl final : public ApiServer {
 public:
  ApiServerImpl(ApiOptions options, catalog::Catalog& catalog, const media::MediaHub* hub,
                prometheus::Registry& registry, const Clock& clock, SnapshotSources sources)
      : options_(std::move(options)),
        sources_(std::move(sources)),
        metrics_(registry),
        auth_(options_.access_keys, clock),
        cut_log_(clock, kCutLinesPerMinute),
        context_{options_, catalog, hub, registry, clock, sources_, auth_},
        listener_(
            ListenerOptions(options_),
            [this](const HttpRequest& request, HttpResponse& response) {
              Serve(request, response);
            },
            [this](int status, std::string_view message) { return ErrorBody(status, message); },
            [this](std::string_view reason, const std::string& ip) {
              metrics_.Cut(reason);
              uint64_t dropped = 0;
              if (!cut_log_.Allow(reason, dropped)) return;
              spdlog::warn("API: cut a client from {}: {}{}", ip, reason,
                           dropped == 0 ? "" : absl::StrCat(" (and ", dropped, " more)"));
            }) {}

  ~ApiServerImpl() override { Stop(); }

  absl::Status Bind() {
    LS_RETURN_IF_ERROR(listener_.Bind(), "API");
    port_ = listener_.port();
    return absl::OkStatus();
  }
  absl::Status Start() override;
  void Stop() override { listener_.Stop(); }
  int port() const override { return port_; }

 private:
  void Serve(const HttpRequest& request, HttpResponse& response);
  Outcome Dispatch(HttpRequest& request, HttpResponse& response);
  Outcome ServeRoute(Family family, const HttpRequest& request, HttpResponse& response);
  // Who may call a route with auth on (see api_server.h); nullopt: allowed.
  std::optional<ApiError> CheckRouteAuth(Family family, const HttpRequest& request);
  HttpResponse ErrorBody(int status, std::string_view message);

  const ApiOptions options_;
  const SnapshotSources sources_;
  internal::ApiMetrics metrics_;
  internal::RpcAuthenticator auth_;
  // A flood of slow clients must not flood the log: a few lines a minute
  // per reason, the lines left out counted in the next one.
  static constexpr int kCutLinesPerMinute = 10;
  LogLimiter cut_log_;
  const internal::RouteContext context_;
  internal::HttpListener listener_;
  int port_ = 0;
  bool started_ = false;  // controlling thread only
};

absl::Status ApiServerImpl::Start() {
  if (started_) return absl::FailedPreconditionError("the API server was started already");
  started_ = true;
  listener_.Start();
  spdlog::info("API listening on http://{}:{}/ (auth {})", options_.listen_host, port_,
               options_.auth_enabled ? "on" : "OFF");
  return absl::OkStatus();
}

void ApiServerImpl::Serve(const HttpRequest& request, HttpResponse& response) {
  const auto start = std::chrono::steady_clock::now();
  Outcome outcome;
  HttpRequest routed = request;
  try {
    outcome = Dispatch(routed, response);
  } catch (const std::exception& e) {
    spdlog::error("API: {} {} failed: {}", request.method, request.path, e.what());
    response = HttpResponse();
    outcome.action = "http:exception";
    outcome.code = SendError(context_, request, response, Fail(codes::kInternalError));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.Observe(outcome.action, outcome.code, seconds);
}

Outcome ApiServerImpl::Dispatch(HttpRequest& request, HttpResponse& response) {
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  if (request.path == "/") {
    if (get || method == "POST") return internal::HandleRpc(context_, request, response);
    if (method == "PUT" || method == "DELETE" || method == "PATCH") {
      const ApiError error =
          Fail(codes::kUnsupportedHttpMethod,
               absl::StrCat("HTTP method ", method, " is not supported: use GET or POST."));
      return Outcome{"http:unsupported", SendError(context_, request, response, error)};
    }
  } else if (get) {
    if (const std::optional<Family> family = MatchRoute(request.path, request.matches)) {
      if (auto error = CheckRouteAuth(*family, request)) {
        return Outcome{"http:unauthorized", SendError(context_, request, response, *error)};
      }
      return ServeRoute(*family, request, response);
    }
  }
  const ApiError error =
      Fail(codes::kInvalidPathNotFound, absl::StrCat("Nothing is served at ", request.path, "."));
  return Outcome{"http:other", SendError(context_, request, response, error)};
}

Outcome ApiServerImpl::ServeRoute(Family family, const HttpRequest& request,
                                  HttpResponse& response) {
  switch (family) {
    case Family::kHealth:
      return internal::HandleHealth(context_, request, response);
    case Family::kMetrics:
      return internal::HandleMetrics(context_, response);
    case Family::kLatest:
      return internal::HandleLatest(context_, request, response);
    case Family::kObject:
      return internal::HandleObject(context_, request, response);
    case Family::kConsole:
      return internal::HandleConsole(context_, request, response);
  }
  return Outcome{"http:other"};
}

std::optional<ApiError> ApiServerImpl::CheckRouteAuth(Family family, const HttpRequest& request) {
  if (!options_.auth_enabled) return std::nullopt;
  switch (family) {
    case Family::kHealth:
    case Family::kConsole:
      return std::nullopt;
    case Family::kMetrics: {
      const std::string header = request.Header("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      if (options_.metrics_token.empty()) {
        return Fail(codes::kInvalidBearerToken,
                    "/metrics is closed: auth is on and no api.metrics_token is configured.");
      }
      if (!absl::StartsWithIgnoreCase(header, "Bearer ") ||
          !SignaturesEqual(std::string_view(header).substr(kBearer.size()),
                           options_.metrics_token)) {
        return Fail(codes::kInvalidBearerToken);
      }
      return std::nullopt;
    }
    case Family::kLatest:
    case Family::kObject: {
      if (options_.public_snapshots) return std::nullopt;
      const internal::RequestParams params(
          QueryParams(request.params.begin(), request.params.end()));
      return auth_.Verify("GET", params, request.path);
    }
  }
  return std::nullopt;
}

HttpResponse ApiServerImpl::ErrorBody(int status, std::string_view message) {
  const ErrorCode& code = status == 503   ? codes::kTooManyConnections
                          : status >= 500 ? codes::kInternalError
                                          : codes::kMalformedRequest;
  HttpResponse response;
  (void)SendError(options_.listen_host, response, Fail(code, std::string(message)));
  response.status = status;
  return response;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Create(
    ApiOptions options, catalog::Catalog* catalog, const media::MediaHub* hub,
    prometheus::Registry* metrics, const Clock* clock, SnapshotSources sources) {
  if (catalog == nullptr || metrics == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError("ApiServer needs a catalog, a metrics registry and a clock");
  }
  if (options.auth_enabled && options.access_keys.empty()) {
    return absl::InvalidArgumentError("API authentication is on but no access key is configured");
  }
  for (const auto& [bucket, store] : sources.stores) {
    if (store == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("no store given for bucket ", bucket));
    }
  }
  auto server = std::make_unique<ApiServerImpl>(std::move(options), *catalog, hub, *metrics, *clock,
                                                std::move(sources));
  LS_RETURN_IF_ERROR(server->Bind(), "API server");
  return server;
}

}  // namespace livesnap::api
