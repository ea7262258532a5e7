#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "api/internal/routes.h"
#include "api/internal/static_files.h"

namespace livesnap::api::internal {

namespace {

// A browser navigating to a page (not a script, style or image load): the
// console answers its index.html for such paths, so client-side routes load.
bool IsPageRequest(const HttpRequest& request) {
  return request.Header("Accept").find("text/html") != std::string::npos;
}

Outcome ServeConsoleFile(const HttpRequest& request, HttpResponse& response,
                         const ConsoleFile& file) {
  Outcome outcome{"http:console"};
  const std::string etag(file.etag);
  response.SetHeader("ETag", etag);
  response.SetHeader("Cache-Control", "no-cache");
  const std::string if_none_match = request.Header("If-None-Match");
  if (!etag.empty() && (if_none_match == "*" || if_none_match.find(etag) != std::string::npos)) {
    response.status = 304;
    return outcome;
  }
  response.SetContent(std::string(file.content), std::string(file.mime_type));
  return outcome;
}

Outcome ServeDirectoryFile(const RouteContext& context, const HttpRequest& request,
                           HttpResponse& response, const ResolvedPath& resolved) {
  Outcome outcome{"http:console"};
  if (resolved.kind == ResolvedKind::kDirectory) {
    response.SetRedirect(request.path + "/");
    return outcome;
  }
  std::ifstream file(resolved.path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  if (!file) {
    outcome.code = SendError(
        context, request, response,
        Fail(codes::kInternalError, absl::StrCat("cannot read ", resolved.path.string())));
    return outcome;
  }
  response.SetHeader("Cache-Control", "no-cache");
  response.SetContent(content.str(), std::string(MimeTypeForPath(resolved.path.string())));
  return outcome;
}

}  // namespace

bool HasConsole(const ApiOptions& options) {
  return !options.console_dir.empty() || static_cast<bool>(options.console_files);
}

Outcome HandleConsole(const RouteContext& context, const HttpRequest& request,
                      HttpResponse& response) {
  Outcome outcome{"http:console"};
  const ApiOptions& options = context.options;
  auto not_found = [&] {
    outcome.code = SendError(context, request, response,
                             Fail(codes::kInvalidPathNotFound,
                                  absl::StrCat("Nothing is served at ", request.path, ".")));
    return outcome;
  };
  if (!HasConsole(options)) return not_found();
  const std::string& suffix = request.matches[1];
  if (suffix.empty()) {
    response.SetRedirect("/console/");
    return outcome;
  }
  std::string relative = suffix.substr(1);
  const bool directory_request = relative.empty() || relative.back() == '/';
  if (directory_request) relative += "index.html";
  if (!IsSafeRelativePath(relative)) {
    outcome.code =
        SendError(context, request, response,
                  Fail(codes::kInvalidPathMalformed,
                       absl::StrCat("The path ", request.path, " has an empty, . or .. segment.")));
    return outcome;
  }
  // console_dir first; what it lacks comes from console_files, so a
  // development directory of the console's sources can use the embedded library.
  const bool has_dir = !options.console_dir.empty();
  std::optional<ResolvedPath> resolved;
  if (has_dir) resolved = ResolveUnderRoot(options.console_dir, relative);
  if (!resolved && options.console_files) {
    if (auto file = options.console_files(relative))
      return ServeConsoleFile(request, response, *file);
  }
  if (!resolved && IsPageRequest(request)) {
    if (has_dir) resolved = ResolveUnderRoot(options.console_dir, "index.html");
    if (!resolved && options.console_files) {
      if (auto index = options.console_files("index.html")) {
        return ServeConsoleFile(request, response, *index);
      }
    }
  }
  if (!resolved) return not_found();
  return ServeDirectoryFile(context, request, response, *resolved);
}

}  // namespace livesnap::api::internal
