#include "api/api_server.h"

#include <httplib.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "api/internal/actions.h"
#include "api/internal/api_metrics.h"
#include "api/internal/health.h"
#include "api/internal/request_params.h"
#include "api/internal/rpc_auth.h"
#include "api/internal/static_files.h"
#include "api/internal/validation.h"
#include "base/status.h"

namespace livesnap::api {

namespace {

using internal::ApiError;
using internal::Fail;
using internal::Json;

constexpr std::string_view kApiVersion = "2016-11-01";
constexpr char kJsonType[] = "application/json;charset=utf-8";
constexpr size_t kMaxRequestBodyBytes = 64 * 1024;

// A random UUID (version 4), uppercase, as the reference's RequestIds look.
std::string NewRequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t high = (random() & 0xFFFFFFFFFFFF0FFFull) | 0x4000ull;
  const uint64_t low = (random() & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char text[37];
  std::snprintf(text, sizeof(text), "%08X-%04X-%04X-%04X-%012llX",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xFFFF),
                static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFull));
  return text;
}

// A browser navigating to a page (not a script, style or image load): the
// console answers its index.html for such paths, so client-side routes load.
bool IsPageRequest(const httplib::Request& request) {
  return request.get_header_value("Accept").find("text/html") != std::string::npos;
}

std::string Dump(const Json& json) {
  // Messages quote what the caller sent, which need not be valid UTF-8.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

class ApiServerImpl final : public ApiServer {
 public:
  ApiServerImpl(ApiOptions options, catalog::Catalog& catalog, const media::MediaHub* hub,
                prometheus::Registry& registry, const Clock& clock, SnapshotSources sources)
      : options_(std::move(options)),
        catalog_(catalog),
        hub_(hub),
        registry_(registry),
        clock_(clock),
        sources_(std::move(sources)),
        metrics_(registry),
        auth_(options_.access_keys, clock) {}

  ~ApiServerImpl() override { Stop(); }

  absl::Status Bind();
  absl::Status Start() override;
  void Stop() override;
  int port() const override { return port_; }

 private:
  // What one request answered, for the metrics and the log.
  struct Outcome {
    std::string action;
    std::string code = "OK";
  };

  void Routes();
  void Timed(const httplib::Request& request, httplib::Response& response,
             const std::function<Outcome(const httplib::Request&, httplib::Response&)>& handler);
  // `extra` (an object) adds fields to the error body.
  // `extra` (an object) adds fields to the error body.
  std::string SendError(const httplib::Request& request, httplib::Response& response,
                        const ApiError& error, const Json& extra = Json::object());

  Outcome HandleRpc(const httplib::Request& request, httplib::Response& response);
  Outcome HandleHealth(const httplib::Request& request, httplib::Response& response);
  Outcome HandleMetrics(httplib::Response& response);
  Outcome HandleLatest(const httplib::Request& request, httplib::Response& response);
  Outcome HandleObject(const httplib::Request& request, httplib::Response& response);
  Outcome HandleConsole(const httplib::Request& request, httplib::Response& response);
  Outcome ServeConsoleFile(const httplib::Request& request, httplib::Response& response,
                           const ConsoleFile& file);
  bool HasConsole() const { return !options_.console_dir.empty() || options_.console_files; }

  const ApiOptions options_;
  catalog::Catalog& catalog_;
  const media::MediaHub* const hub_;
  prometheus::Registry& registry_;
  const Clock& clock_;
  const SnapshotSources sources_;
  internal::ApiMetrics metrics_;
  internal::RpcAuthenticator auth_;

  httplib::Server server_;
  int port_ = 0;
  std::thread listen_thread_;  // touched by the controlling thread only
  std::atomic<bool> listen_returned_{false};
  bool stopped_ = false;  // controlling thread only
};

absl::Status ApiServerImpl::Bind() {
  const int threads = std::max(1, options_.worker_threads);
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_.set_payload_max_length(kMaxRequestBodyBytes);
  // httplib gives each connection a worker for its whole life, so an idle
  // keep-alive connection would hold a worker and queue other clients
  // (SDKs keep connections open): one request per connection.
  server_.set_keep_alive_max_count(1);
  // Headers and body go out in separate writes; without this, Nagle holds
  // the body until the client's delayed ACK (~40 ms per request).
  server_.set_tcp_nodelay(true);
  server_.set_read_timeout(10, 0);
  server_.set_write_timeout(10, 0);
  Routes();
  if (options_.port == 0) {
    port_ = server_.bind_to_any_port(options_.listen_host);
    if (port_ < 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot bind the API to a free port on ", options_.listen_host));
    }
  } else {
    if (!server_.bind_to_port(options_.listen_host, options_.port)) {
      return absl::UnavailableError(absl::StrCat("cannot bind the API to ", options_.listen_host,
                                                 ":", options_.port,
                                                 " (in use, or the address is not local)"));
    }
    port_ = options_.port;
  }
  return absl::OkStatus();
}

absl::Status ApiServerImpl::Start() {
  if (listen_thread_.joinable() || stopped_) {
    return absl::FailedPreconditionError("the API server was started already");
  }
  listen_thread_ = std::thread([this] {
    if (!server_.listen_after_bind())
      spdlog::error("API server on port {} stopped on an error", port_);
    listen_returned_ = true;
  });
  spdlog::info("API listening on http://{}:{}/ (auth {})", options_.listen_host, port_,
               options_.auth_enabled ? "on" : "OFF");
  return absl::OkStatus();
}

void ApiServerImpl::Stop() {
  if (stopped_) return;
  // httplib closes the listening socket only from a running loop: a server
  // that was never started runs one just to end it.
  if (!listen_thread_.joinable()) {
    if (!Start().ok()) return;
  }
  stopped_ = true;
  // stop() before the loop is up would be lost; wait for it (or its failure).
  while (!server_.is_running() && !listen_returned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_.stop();
  listen_thread_.join();
}

void ApiServerImpl::Routes() {
  auto route = [this](auto handler) {
    return [this, handler](const httplib::Request& request, httplib::Response& response) {
      Timed(request, response, handler);
    };
  };
  auto rpc =
      route([this](const httplib::Request& q, httplib::Response& r) { return HandleRpc(q, r); });
  server_.Get("/", rpc);
  server_.Post("/", rpc);
  auto unsupported = route([this](const httplib::Request& q, httplib::Response& r) {
    SendError(q, r,
              Fail(codes::kUnsupportedHttpMethod,
                   absl::StrCat("HTTP method ", q.method, " is not supported: use GET or POST.")));
    return Outcome{"http:unsupported", std::string(codes::kUnsupportedHttpMethod.code)};
  });
  server_.Put("/", unsupported);
  server_.Delete("/", unsupported);
  server_.Patch("/", unsupported);
  server_.Get("/healthz", route([this](const httplib::Request& q, httplib::Response& r) {
                return HandleHealth(q, r);
              }));
  server_.Get("/metrics", route([this](const httplib::Request&, httplib::Response& r) {
                return HandleMetrics(r);
              }));
  server_.Get(R"(/snapshots/latest/([^/]+)/([^/]+)/([^/]+)\.jpg)",
              route([this](const httplib::Request& q, httplib::Response& r) {
                return HandleLatest(q, r);
              }));
  server_.Get(R"(/snapshots/object/([^/]+)/(.+))",
              route([this](const httplib::Request& q, httplib::Response& r) {
                return HandleObject(q, r);
              }));
  server_.Get(R"(/console(/.*)?)", route([this](const httplib::Request& q, httplib::Response& r) {
                return HandleConsole(q, r);
              }));
  // What no route answered (404), or what httplib refused to read (400, 413).
  server_.set_error_handler([this](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    const int status = response.status;
    const ApiError error =
        status == 404 ? Fail(codes::kInvalidPathNotFound,
                             absl::StrCat("Nothing is served at ", request.path, "."))
                      : Fail(codes::kMalformedRequest, absl::StrCat("HTTP status ", status, "."));
    SendError(request, response, error);
    response.status = status;
    metrics_.Observe("http:other", error.code->code, 0);
  });
  server_.set_exception_handler(
      [this](const httplib::Request& request, httplib::Response& response, std::exception_ptr) {
        SendError(request, response, Fail(codes::kInternalError));
      });
}

void ApiServerImpl::Timed(
    const httplib::Request& request, httplib::Response& response,
    const std::function<Outcome(const httplib::Request&, httplib::Response&)>& handler) {
  const auto start = std::chrono::steady_clock::now();
  Outcome outcome;
  try {
    outcome = handler(request, response);
  } catch (const std::exception& e) {
    spdlog::error("API: {} {} failed: {}", request.method, request.path, e.what());
    outcome.action = "http:exception";
    outcome.code = SendError(request, response, Fail(codes::kInternalError));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.Observe(outcome.action, outcome.code, seconds);
}

std::string ApiServerImpl::SendError(const httplib::Request& request, httplib::Response& response,
                                     const ApiError& error, const Json& extra) {
  std::string host = request.get_header_value("Host");
  if (host.empty()) host = options_.listen_host;
  Json body;
  body["RequestId"] = NewRequestId();
  body["HostId"] = host;
  body["Code"] = error.code->code;
  body["Message"] = error.message;
  for (const auto& [key, value] : extra.items()) body[key] = value;
  response.status = error.code->http_status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(Dump(body), kJsonType);
  if (error.code->http_status >= 500) {
    spdlog::warn("API: {} {} -> {} {}: {}", request.method, request.path, error.code->http_status,
                 error.code->code, error.message);
  }
  return std::string(error.code->code);
}

ApiServerImpl::Outcome ApiServerImpl::HandleRpc(const httplib::Request& request,
                                                httplib::Response& response) {
  QueryParams decoded(request.params.begin(), request.params.end());
  const internal::RequestParams params(std::move(decoded));
  Outcome outcome{"unknown"};
  auto fail = [&](const ApiError& error) {
    outcome.code = SendError(request, response, error);
    return outcome;
  };
  if (params.all().empty() && HasConsole()) {
    response.set_redirect("/console/");
    outcome.action = "http:console";
    return outcome;
  }
  const auto action = params.Get("Action");
  if (!action) return fail(Fail(codes::kMissingAction));
  const internal::ActionHandler* handler = internal::FindAction(*action);
  if (handler == nullptr) {
    return fail(Fail(codes::kInvalidActionNotFound,
                     absl::StrCat("Specified api is not found, please check your url and method: "
                                  "Action \"",
                                  std::string(action->substr(0, 100)), "\"")));
  }
  outcome.action = std::string(*action);
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
  if (options_.auth_enabled) {
    if (auto error = auth_.Verify(request.method, params)) return fail(*error);
  }
  const internal::ActionContext context{catalog_,
                                        hub_,
                                        clock_,
                                        options_.registry,
                                        options_.node_id,
                                        options_.lease_ms,
                                        options_.auth_enabled};
  internal::ApiResult<Json> result = (*handler)(context, params);
  if (!result.ok()) return fail(result.error());
  if (options_.config_changed && !outcome.action.starts_with("Describe")) {
    options_.config_changed();
  }
  Json body;
  body["RequestId"] = NewRequestId();
  for (auto& [key, value] : std::move(result).value().items()) body[key] = value;
  response.set_content(Dump(body), kJsonType);
  return outcome;
}

ApiServerImpl::Outcome ApiServerImpl::HandleHealth(const httplib::Request& request,
                                                   httplib::Response& response) {
  Outcome outcome{"http:healthz"};
  const internal::HealthReport report = internal::CheckHealth(catalog_, options_.health);
  const int live_streams = hub_ == nullptr ? 0 : static_cast<int>(hub_->live_count());
  if (!report.problems.empty()) {
    outcome.code = SendError(request, response, Fail(codes::kServiceUnavailable, report.Summary()),
                             {{"Status", "degraded"},
                              {"Problems", report.ProblemsJson()},
                              {"LiveStreams", live_streams}});
    return outcome;
  }
  Json body;
  body["RequestId"] = NewRequestId();
  body["Status"] = "ok";
  body["LiveStreams"] = live_streams;
  response.set_header("Cache-Control", "no-store");
  response.set_content(Dump(body), kJsonType);
  return outcome;
}

ApiServerImpl::Outcome ApiServerImpl::HandleMetrics(httplib::Response& response) {
  if (options_.health) (void)options_.health();  // refreshes the gauges it keeps
  const prometheus::TextSerializer serializer;
  response.set_header("Cache-Control", "no-store");
  std::vector<prometheus::MetricFamily> families = registry_.Collect();
  if (!options_.node_id.empty()) {
    for (prometheus::MetricFamily& family : families) {
      for (prometheus::ClientMetric& metric : family.metric) {
        metric.label.push_back({"node_id", options_.node_id});
      }
    }
  }
  response.set_content(serializer.Serialize(families), "text/plain; version=0.0.4; charset=utf-8");
  return Outcome{"http:metrics"};
}

ApiServerImpl::Outcome ApiServerImpl::HandleLatest(const httplib::Request& request,
                                                   httplib::Response& response) {
  Outcome outcome{"http:snapshots_latest"};
  media::StreamKey key{request.matches[1], request.matches[2], request.matches[3]};
  std::optional<ApiError> invalid = internal::CheckDomainName(key.domain);
  if (!invalid)
    invalid = key.app == "*" ? Fail(codes::kInvalidAppNameMalformed, "AppName * names no stream")
                             : internal::CheckAppName(key.app);
  if (!invalid) invalid = internal::CheckStreamName(key.stream);
  if (invalid) {
    outcome.code =
        SendError(request, response, Fail(codes::kInvalidPathMalformed, invalid->message));
    return outcome;
  }
  std::optional<LatestImage> image;
  if (sources_.latest_image) image = sources_.latest_image(key);
  if (!image || image->jpeg == nullptr || image->jpeg->empty()) {
    outcome.code = SendError(request, response,
                             Fail(codes::kSnapshotNotFound,
                                  absl::StrCat("No snapshot of ", key.ToString(),
                                               " yet: the stream is not live or no keyframe has "
                                               "been captured.")));
    return outcome;
  }
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Snapshot-Width", std::to_string(image->width));
  response.set_header("X-Snapshot-Height", std::to_string(image->height));
  response.set_header("X-Snapshot-Capture-Time",
                      internal::FormatIso8601Utc(image->capture_unix_ms, true));
  response.set_content(reinterpret_cast<const char*>(image->jpeg->data()), image->jpeg->size(),
                       "image/jpeg");
  return outcome;
}

ApiServerImpl::Outcome ApiServerImpl::HandleObject(const httplib::Request& request,
                                                   httplib::Response& response) {
  Outcome outcome{"http:snapshots_object"};
  const std::string bucket = request.matches[1];
  const std::string key = request.matches[2];
  auto fail = [&](const ApiError& error) {
    outcome.code = SendError(request, response, error);
    return outcome;
  };
  if (auto invalid = internal::CheckBucketName(bucket)) {
    return fail(Fail(codes::kInvalidPathMalformed, invalid->message));
  }
  if (absl::Status valid = storage::ValidateObjectKey(key); !valid.ok()) {
    return fail(Fail(codes::kInvalidPathMalformed, std::string(valid.message())));
  }
  const auto store = sources_.stores.find(bucket);
  if (store == sources_.stores.end()) {
    return fail(Fail(codes::kInvalidOssBucketNotFound,
                     absl::StrCat("No storage location is named \"", bucket, "\".")));
  }
  absl::StatusOr<std::vector<uint8_t>> object = store->second->Get(key);
  if (absl::IsNotFound(object.status())) {
    return fail(Fail(codes::kSnapshotNotFound,
                     absl::StrCat("No object \"", key, "\" in bucket ", bucket, ".")));
  }
  if (absl::IsInvalidArgument(object.status())) {
    return fail(Fail(codes::kInvalidPathMalformed, std::string(object.status().message())));
  }
  if (!object.ok()) {
    return fail(Fail(
        absl::IsUnavailable(object.status()) ? codes::kServiceUnavailable : codes::kInternalError,
        absl::StrCat("read ", bucket, "/", key, ": ", std::string(object.status().message()))));
  }
  response.set_header("Cache-Control", "no-cache");
  response.set_content(reinterpret_cast<const char*>(object->data()), object->size(), "image/jpeg");
  return outcome;
}

ApiServerImpl::Outcome ApiServerImpl::HandleConsole(const httplib::Request& request,
                                                    httplib::Response& response) {
  Outcome outcome{"http:console"};
  auto not_found = [&] {
    outcome.code = SendError(request, response,
                             Fail(codes::kInvalidPathNotFound,
                                  absl::StrCat("Nothing is served at ", request.path, ".")));
    return outcome;
  };
  if (!HasConsole()) return not_found();
  const std::string suffix = request.matches[1];
  if (suffix.empty()) {
    response.set_redirect("/console/");
    return outcome;
  }
  std::string relative = suffix.substr(1);
  const bool directory_request = relative.empty() || relative.back() == '/';
  if (directory_request) relative += "index.html";
  if (!internal::IsSafeRelativePath(relative)) {
    outcome.code =
        SendError(request, response,
                  Fail(codes::kInvalidPathMalformed,
                       absl::StrCat("The path ", request.path, " has an empty, . or .. segment.")));
    return outcome;
  }
  // console_dir first; what it lacks comes from console_files, so a
  // development directory of the console's sources can use the embedded library.
  const bool has_dir = !options_.console_dir.empty();
  std::optional<internal::ResolvedPath> resolved;
  if (has_dir) resolved = internal::ResolveUnderRoot(options_.console_dir, relative);
  if (!resolved && options_.console_files) {
    if (auto file = options_.console_files(relative))
      return ServeConsoleFile(request, response, *file);
  }
  if (!resolved && IsPageRequest(request)) {
    if (has_dir) resolved = internal::ResolveUnderRoot(options_.console_dir, "index.html");
    if (!resolved && options_.console_files) {
      if (auto index = options_.console_files("index.html")) {
        return ServeConsoleFile(request, response, *index);
      }
    }
  }
  if (!resolved) return not_found();
  if (resolved->kind == internal::ResolvedKind::kDirectory) {
    response.set_redirect(request.path + "/");
    return outcome;
  }
  std::ifstream file(resolved->path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  if (!file) {
    outcome.code = SendError(
        request, response,
        Fail(codes::kInternalError, absl::StrCat("cannot read ", resolved->path.string())));
    return outcome;
  }
  response.set_header("Cache-Control", "no-cache");
  response.set_content(content.str(),
                       std::string(internal::MimeTypeForPath(resolved->path.string())));
  return outcome;
}

ApiServerImpl::Outcome ApiServerImpl::ServeConsoleFile(const httplib::Request& request,
                                                       httplib::Response& response,
                                                       const ConsoleFile& file) {
  Outcome outcome{"http:console"};
  const std::string etag(file.etag);
  response.set_header("ETag", etag);
  response.set_header("Cache-Control", "no-cache");
  const std::string if_none_match = request.get_header_value("If-None-Match");
  if (!etag.empty() && (if_none_match == "*" || if_none_match.find(etag) != std::string::npos)) {
    response.status = 304;
    return outcome;
  }
  response.set_content(file.content.data(), file.content.size(), std::string(file.mime_type));
  return outcome;
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
