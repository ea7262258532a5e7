#include "storage/file_store.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "storage/internal/posix_file.h"

namespace livesnap::storage {
namespace {

namespace fs = std::filesystem;
using internal::UniqueFd;

// The backslash makes a temp file's name an impossible key segment.
constexpr std::string_view kTempPrefix = ".livesnap\\tmp.";

bool IsTempFile(const fs::path& path) { return path.filename().string().starts_with(kTempPrefix); }

std::string TempTemplate(const fs::path& directory) {
  return (directory / (std::string(kTempPrefix) + "XXXXXX")).string();
}

std::string Quoted(std::string_view key) { return "\"" + std::string(key) + "\""; }

// Deletes a temp file unless its rename over the key succeeded.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard() {
    if (!committed_) ::unlink(path_.c_str());
  }
  void Commit() { committed_ = true; }

 private:
  std::string path_;
  bool committed_ = false;
};

absl::Status RemoveTempFiles(const fs::path& root) {
  std::error_code error;
  fs::recursive_directory_iterator it(root, error), end;
  if (error) return internal::ErrorCodeStatus(error, "scan", root);
  while (it != end) {
    if (IsTempFile(it->path())) {
      std::error_code remove_error;
      if (!fs::remove(it->path(), remove_error) && remove_error) {
        return internal::ErrorCodeStatus(remove_error, "remove leftover temp file", it->path());
      }
    }
    it.increment(error);
    if (error) return internal::ErrorCodeStatus(error, "scan", root);
  }
  return absl::OkStatus();
}

// Creates and removes a temp file, so an unusable root fails at startup
// rather than at the first snapshot.
absl::Status ProbeWritable(const fs::path& root) {
  std::string probe = TempTemplate(root);
  LS_ASSIGN_OR_RETURN(UniqueFd fd, internal::CreateUniqueFile(probe), "probe");
  TempFileGuard remove(probe);
  return fd.Close(probe);
}

int64_t ModifiedUnixMs(const struct stat& info) {
  return static_cast<int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1'000'000;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileStore>> FileStore::Create(fs::path root) {
  std::error_code error;
  fs::path absolute_root = fs::absolute(root, error);
  if (error) return internal::ErrorCodeStatus(error, "file store: resolve root", root);
  const std::string context = absl::StrCat("file store at ", absolute_root.string());
  const bool exists = fs::exists(absolute_root, error);
  if (exists && !fs::is_directory(absolute_root, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat(context, ": root ", absolute_root.string(), " is not a directory"));
  }
  if (!exists) {
    fs::create_directories(absolute_root, error);
    if (error) {
      return Annotate(internal::ErrorCodeStatus(error, "create root directory", absolute_root),
                      context);
    }
  }
  LS_RETURN_IF_ERROR(RemoveTempFiles(absolute_root), context);
  LS_RETURN_IF_ERROR(ProbeWritable(absolute_root), context);
  return std::unique_ptr<FileStore>(new FileStore(std::move(absolute_root)));
}

fs::path FileStore::PathOf(std::string_view key) const { return root_ / fs::path(key); }

absl::Status FileStore::Put(std::string_view key, std::span<const uint8_t> data,
                            std::string_view /*content_type*/) {
  LS_RETURN_IF_ERROR(ValidateObjectKey(key), "put");
  const std::string context = absl::StrCat("put ", Quoted(key));
  const fs::path path = PathOf(key);
  const fs::path directory = path.parent_path();
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) {
    return Annotate(internal::ErrorCodeStatus(error, "create directory", directory), context);
  }
  std::string temp_path = TempTemplate(directory);
  LS_ASSIGN_OR_RETURN(UniqueFd fd, internal::CreateUniqueFile(temp_path), context);
  TempFileGuard temp(temp_path);
  LS_RETURN_IF_ERROR(internal::WriteAll(fd.get(), data, temp_path), context);
  LS_RETURN_IF_ERROR(internal::Fsync(fd.get(), temp_path), context);
  LS_RETURN_IF_ERROR(fd.Close(temp_path), context);
  if (::rename(temp_path.c_str(), path.c_str()) != 0) {
    return Annotate(internal::ErrnoStatus(errno, absl::StrCat("rename ", temp_path, " to"), path),
                    context);
  }
  temp.Commit();
  return Annotate(internal::FsyncDirectory(directory), context);
}

absl::StatusOr<std::vector<uint8_t>> FileStore::Get(std::string_view key) {
  LS_RETURN_IF_ERROR(ValidateObjectKey(key), "get");
  const std::string context = absl::StrCat("get ", Quoted(key));
  const fs::path path = PathOf(key);
  LS_ASSIGN_OR_RETURN(UniqueFd fd, internal::OpenForRead(path), context);
  LS_ASSIGN_OR_RETURN(std::vector<uint8_t> data, internal::ReadAll(fd.get(), path), context);
  return data;
}

absl::Status FileStore::Delete(std::string_view key) {
  LS_RETURN_IF_ERROR(ValidateObjectKey(key), "delete");
  const std::string context = absl::StrCat("delete ", Quoted(key));
  const fs::path path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    // unlink(2) refuses a directory with EISDIR: there is no object there.
    const int error_number = errno == EISDIR ? ENOENT : errno;
    return Annotate(internal::ErrnoStatus(error_number, "unlink", path), context);
  }
  return Annotate(internal::FsyncDirectory(path.parent_path()), context);
}

absl::StatusOr<std::vector<ObjectInfo>> FileStore::List(std::string_view prefix) {
  LS_RETURN_IF_ERROR(ValidateObjectKeyPrefix(prefix), "list");
  const std::string context = absl::StrCat("list ", Quoted(prefix));
  // Only the directory the prefix is certainly inside needs walking.
  const size_t last_slash = prefix.rfind('/');
  const fs::path start =
      last_slash == std::string_view::npos ? root_ : PathOf(prefix.substr(0, last_slash));
  std::vector<ObjectInfo> objects;
  std::error_code error;
  fs::recursive_directory_iterator it(start, error), end;
  if (error) {
    if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory) {
      return objects;
    }
    return Annotate(internal::ErrorCodeStatus(error, "scan", start), context);
  }
  while (it != end) {
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (key.starts_with(prefix) && ValidateObjectKey(key).ok()) {
      struct stat info {};
      if (::stat(it->path().c_str(), &info) == 0) {
        if (S_ISREG(info.st_mode)) {
          objects.push_back(ObjectInfo{.key = std::move(key),
                                       .size_bytes = static_cast<int64_t>(info.st_size),
                                       .modified_unix_ms = ModifiedUnixMs(info)});
        }
      } else if (errno != ENOENT) {  // ENOENT: deleted while we walked
        return Annotate(internal::ErrnoStatus(errno, "stat", it->path()), context);
      }
    }
    it.increment(error);
    if (error) return Annotate(internal::ErrorCodeStatus(error, "scan", start), context);
  }
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

std::string FileStore::Describe() const { return absl::StrCat("file:", root_.string()); }

}  // namespace livesnap::storage
