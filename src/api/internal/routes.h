// File: api/internal/routes.h
//
// The API's routes by family, each answering one request over the server's
// parts (RouteContext); api_server.cc matches paths, checks who may call
// each route and times them:
//   rpc_routes.cc       /?Action=...  (and the cross-origin guard with auth off)
//   snapshot_routes.cc  /snapshots/latest/..., /snapshots/object/...
//   console_routes.cc   /console/...
//   status_routes.cc    /healthz, /metrics
//
//   Outcome outcome = HandleHealth(context, request, response);
//
// Thread-safety: the handlers are reentrant; the context's parts are
// thread-safe.
#pragma once

#include <string>

#include "api/api_server.h"
#include "api/internal/actions.h"
#include "api/internal/api_error.h"
#include "api/internal/http_message.h"
#include "api/internal/rpc_auth.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace livesnap::api::internal {

inline constexpr char kJsonType[] = "application/json;charset=utf-8";

// What one request answered, for the metrics and the log.
struct Outcome {
  std::string action;  // the RPC action, or "http:<route>"
  std::string code = "OK";
};

struct RouteContext {
  const ApiOptions& options;
  catalog::Catalog& catalog;
  const media::MediaHub* hub;
  prometheus::Registry& registry;
  const Clock& clock;
  const SnapshotSources& sources;
  RpcAuthenticator& auth;
};

// A random UUID (version 4), uppercase, as the reference's RequestIds look.
std::string NewRequestId();
// JSON text; invalid UTF-8 (messages quote what the caller sent) replaced.
std::string Dump(const Json& json);
// The error body {RequestId, HostId, Code, Message} plus the fields of
// `extra` (an object); `host` is the request's Host. Returns the code.
std::string SendError(const std::string& host, HttpResponse& response, const ApiError& error,
                      const Json& extra = Json::object());
std::string SendError(const RouteContext& context, const HttpRequest& request,
                      HttpResponse& response, const ApiError& error,
                      const Json& extra = Json::object());

// rpc_routes.cc: GET or POST /: the signature checked with auth on, the
// cross-site guard applied to changes with auth off.
Outcome HandleRpc(const RouteContext& context, const HttpRequest& request, HttpResponse& response);
// Why a request that changes state must be refused with auth off because
// a page of another web origin may have sent it, or nullopt.
std::optional<std::string> CrossSiteReason(const HttpRequest& request);

// snapshot_routes.cc; matches [1..3] domain, app, stream / [1..2] bucket, key.
Outcome HandleLatest(const RouteContext& context, const HttpRequest& request,
                     HttpResponse& response);
Outcome HandleObject(const RouteContext& context, const HttpRequest& request,
                     HttpResponse& response);

// console_routes.cc; matches[1] is the part after /console ("" or "/...").
Outcome HandleConsole(const RouteContext& context, const HttpRequest& request,
                      HttpResponse& response);
bool HasConsole(const ApiOptions& options);

// status_routes.cc.
Outcome HandleHealth(const RouteContext& context, const HttpRequest& request,
                     HttpResponse& response);
Outcome HandleMetrics(const RouteContext& context, HttpResponse& response);

}  // namespace livesnap::api::internal
