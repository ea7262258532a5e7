// File: storage/internal/posix_file.h
//
// The POSIX calls FileStore is built on, each turning errno into an
// absl::Status that names the operation and the path:
//
//   LS_ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path), "get live/demo.jpg");
//
// Status codes follow the ObjectStore contract: ENOENT is NotFound; errors a
// retry may cure (EIO, ENOSPC, EMFILE, ...) are Unavailable; permissions and
// a path that cannot hold the object are permanent.
// Thread-safety: free functions over caller-owned descriptors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap::storage::internal {

// Owns a file descriptor; closes it (ignoring errors) unless Close() was
// called, which reports them.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // close(2) with its error, for writers: a failed close can mean lost data.
  absl::Status Close(const std::filesystem::path& path);

 private:
  int fd_ = -1;
};

// The Status for `error_number` from `operation` on `path`:
// "<operation> <path>: <strerror>", marked WithErrno (storage/store_failure.h).
absl::Status ErrnoStatus(int error_number, std::string_view operation,
                         const std::filesystem::path& path);
// The same for a std::error_code from std::filesystem.
absl::Status ErrorCodeStatus(const std::error_code& error, std::string_view operation,
                             const std::filesystem::path& path);

absl::StatusOr<UniqueFd> OpenForRead(const std::filesystem::path& path);
// Creates a new file with a unique name from `path_template` (ending in
// "XXXXXX", replaced in place) and mode 0644.
absl::StatusOr<UniqueFd> CreateUniqueFile(std::string& path_template);
// Reads a regular file to its end; a directory is NotFound (no object there).
absl::StatusOr<std::vector<uint8_t>> ReadAll(int fd, const std::filesystem::path& path);
absl::Status WriteAll(int fd, std::span<const uint8_t> data, const std::filesystem::path& path);
absl::Status Fsync(int fd, const std::filesystem::path& path);
// Makes a rename or unlink in `directory` durable.
absl::Status FsyncDirectory(const std::filesystem::path& directory);

}  // namespace livesnap::storage::internal
