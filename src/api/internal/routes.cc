#include "api/internal/routes.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <random>

namespace livesnap::api::internal {

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

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string SendError(const std::string& host, HttpResponse& response, const ApiError& error,
                      const Json& extra) {
  Json body;
  body["RequestId"] = NewRequestId();
  body["HostId"] = host;
  body["Code"] = error.code->code;
  body["Message"] = error.message;
  for (const auto& [key, value] : extra.items()) body[key] = value;
  response.status = error.code->http_status;
  response.SetHeader("Cache-Control", "no-store");
  response.SetContent(Dump(body), kJsonType);
  return std::string(error.code->code);
}

std::string SendError(const RouteContext& context, const HttpRequest& request,
                      HttpResponse& response, const ApiError& error, const Json& extra) {
  std::string host = request.Header("Host");
  if (host.empty()) host = context.options.listen_host;
  if (error.code->http_status >= 500) {
    spdlog::warn("API: {} {} -> {} {}: {}", request.method, request.path, error.code->http_status,
                 error.code->code, error.message);
  }
  return SendError(host, response, error, extra);
}

}  // namespace livesnap::api::internal
