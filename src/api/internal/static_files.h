// File: api/internal/static_files.h
//
// Serving the console's files from a directory: the MIME type of a file by
// its extension, and a request path resolved under the root without ever
// leaving it (no "..", "." or empty segments, no backslash or NUL, and no
// symbolic link pointing outside).
//
//   auto file = ResolveUnderRoot(console_dir, "js/app.js");
//
// Thread-safety: pure functions (ResolveUnderRoot reads the file system).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace livesnap::api::internal {

// "text/html; charset=utf-8" for .html, ...; application/octet-stream for
// unknown extensions.
std::string_view MimeTypeForPath(std::string_view path);

// True when every '/'-separated segment of `relative` is a plain name.
// "" (the root itself) is valid.
bool IsSafeRelativePath(std::string_view relative);

enum class ResolvedKind { kFile, kDirectory };
struct ResolvedPath {
  std::filesystem::path path;
  ResolvedKind kind;
};

// The file or directory `relative` names under `root`, or nullopt when it
// does not exist, is not safe, or resolves outside root.
std::optional<ResolvedPath> ResolveUnderRoot(const std::filesystem::path& root,
                                             std::string_view relative);

}  // namespace livesnap::api::internal
