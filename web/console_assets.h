// File: web/console_assets.h
//
// The console's files (web/app plus the npm library), embedded in the
// binary at build time so that livesnapd serves its console without any
// file beside it. Paths are relative to /console/: "index.html",
// "js/app.js", "vendor/preact-htm.js". The ETag is strong (a content hash):
// equal tags mean equal bytes.
//
//   if (auto asset = FindConsoleAsset("index.html")) {
//     response.set_content(std::string(asset->content), std::string(asset->mime_type));
//   }
//
// Built with -DLIVESNAP_CONSOLE=OFF the table is empty.
//
// Thread-safety: immutable static data.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace livesnap::console {

struct ConsoleAsset {
  std::string_view path;       // "js/app.js"
  std::string_view content;    // the file's bytes
  std::string_view mime_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;       // quoted, strong: "\"9f86d081884c7d65...\""
};

// The asset served at /console/<path>, or nullopt. No leading slash; ""
// and "/"-terminated paths name nothing (the server maps them to index.html).
std::optional<ConsoleAsset> FindConsoleAsset(std::string_view path);

// Every embedded asset, sorted by path.
std::span<const ConsoleAsset> AllConsoleAssets();

}  // namespace livesnap::console
