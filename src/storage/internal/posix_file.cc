#include "storage/internal/posix_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "storage/store_failure.h"

namespace livesnap::storage::internal {
namespace {

absl::StatusCode CodeForErrno(int error_number) {
  switch (error_number) {
    case ENOENT:
      return absl::StatusCode::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::StatusCode::kPermissionDenied;
    case ENOTDIR:
    case EISDIR:
    case EEXIST:
    case ENOTEMPTY:
    case ELOOP:
      // A path component is not what the key needs it to be (a file where a
      // directory should be): retrying will not help.
      return absl::StatusCode::kFailedPrecondition;
    case ENAMETOOLONG:
      return absl::StatusCode::kInvalidArgument;
    default:
      // EIO, ENOSPC, EDQUOT, EMFILE, ENFILE, ENOMEM, EAGAIN, EINTR, ESTALE...:
      // the disk or the system may recover.
      return absl::StatusCode::kUnavailable;
  }
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status UniqueFd::Close(const std::filesystem::path& path) {
  // Linux releases the descriptor even when close fails, so never retry it.
  if (fd_ < 0) return absl::OkStatus();
  const int result = ::close(release());
  if (result != 0) return ErrnoStatus(errno, "close", path);
  return absl::OkStatus();
}

absl::Status ErrnoStatus(int error_number, std::string_view operation,
                         const std::filesystem::path& path) {
  return WithErrno(absl::Status(CodeForErrno(error_number),
                                absl::StrCat(std::string(operation), " ", path.string(), ": ",
                                             strerror(error_number))),
                   error_number);
}

absl::Status ErrorCodeStatus(const std::error_code& error, std::string_view operation,
                             const std::filesystem::path& path) {
  if (error.category() == std::generic_category() || error.category() == std::system_category()) {
    return ErrnoStatus(error.value(), operation, path);
  }
  return absl::UnavailableError(
      absl::StrCat(std::string(operation), " ", path.string(), ": ", error.message()));
}

absl::StatusOr<UniqueFd> OpenForRead(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  return UniqueFd(fd);
}

absl::StatusOr<UniqueFd> CreateUniqueFile(std::string& path_template) {
  const int fd = ::mkostemp(path_template.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "create", path_template);
  UniqueFd file(fd);
  // mkostemp creates 0600; objects are meant to be served, like any file.
  if (::fchmod(fd, 0644) != 0) {
    const int error_number = errno;
    ::unlink(path_template.c_str());
    return ErrnoStatus(error_number, "chmod", path_template);
  }
  return file;
}

absl::StatusOr<std::vector<uint8_t>> ReadAll(int fd, const std::filesystem::path& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return ErrnoStatus(errno, "stat", path);
  if (!S_ISREG(info.st_mode)) {
    return absl::NotFoundError(absl::StrCat("read ", path.string(), ": not a regular file"));
  }
  std::vector<uint8_t> data;
  data.reserve(static_cast<size_t>(info.st_size));
  uint8_t buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read", path);
    }
    if (n == 0) return data;
    data.insert(data.end(), buffer, buffer + n);
  }
}

absl::Status WriteAll(int fd, std::span<const uint8_t> data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write", path);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status Fsync(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) return ErrnoStatus(errno, "fsync", path);
  return absl::OkStatus();
}

absl::Status FsyncDirectory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open directory", directory);
  UniqueFd dir(fd);
  if (absl::Status status = Fsync(dir.get(), directory); !status.ok()) return status;
  return dir.Close(directory);
}

}  // namespace livesnap::storage::internal
