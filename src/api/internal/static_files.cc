#include "api/internal/static_files.h"

#include <array>
#include <system_error>
#include <utility>

namespace livesnap::api::internal {

namespace fs = std::filesystem;

std::string_view MimeTypeForPath(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 19> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
      {".webmanifest", "application/manifest+json"},
  }};
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string extension(name.substr(dot));
    for (char& c : extension) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const auto& [ext, type] : kTypes) {
      if (ext == extension) return type;
    }
  }
  return "application/octet-stream";
}

bool IsSafeRelativePath(std::string_view relative) {
  if (relative.empty()) return true;
  size_t start = 0;
  while (true) {
    const size_t slash = relative.find('/', start);
    const std::string_view segment = relative.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (char c : segment) {
      if (c == '\\' || c == '\0') return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::optional<ResolvedPath> ResolveUnderRoot(const fs::path& root, std::string_view relative) {
  if (!IsSafeRelativePath(relative)) return std::nullopt;
  std::error_code error;
  const fs::path canonical_root = fs::canonical(root, error);
  if (error) return std::nullopt;
  const fs::path candidate = fs::canonical(canonical_root / fs::path(relative), error);
  if (error) return std::nullopt;
  // A symbolic link may point anywhere: the target must still be under root.
  const auto [root_end, unused] = std::mismatch(canonical_root.begin(), canonical_root.end(),
                                                candidate.begin(), candidate.end());
  if (root_end != canonical_root.end()) return std::nullopt;
  const fs::file_status status = fs::status(candidate, error);
  if (error) return std::nullopt;
  if (fs::is_regular_file(status)) return ResolvedPath{candidate, ResolvedKind::kFile};
  if (fs::is_directory(status)) return ResolvedPath{candidate, ResolvedKind::kDirectory};
  return std::nullopt;
}

}  // namespace livesnap::api::internal
