// File: storage/file_store.h
//
// The embedded default ObjectStore: a bucket is a directory and a key is a
// path under it ("live/demo/12.jpg" -> <root>/live/demo/12.jpg).
//
//   LS_ASSIGN_OR_RETURN(auto store, FileStore::Create("/var/lib/livesnap/snapshots"),
//                       "open snapshot store");
//
// Put writes a temp file in the key's directory, fsyncs it, renames it over
// the key and fsyncs the directory, so a reader never sees a partial JPEG and
// a crash never leaves a torn one. Parent directories are created as needed
// and stay when their objects are deleted. Temp file names contain a
// backslash, which no valid key does, so List can never mistake one for an
// object; Create removes those left by a crash, so one process at a time
// should own a root. The content type is not stored. Errors name the path.
//
// Thread-safety: thread-safe; the file system orders concurrent Puts of one
// key (the last rename wins) and a Get opens whichever file the key names.
#pragma once

#include <filesystem>
#include <memory>

#include "storage/object_store.h"

namespace livesnap::storage {

class FileStore final : public ObjectStore {
 public:
  // Creates `root` if needed and removes leftover temp files. Fails if root
  // is not a directory or a file cannot be created in it.
  static absl::StatusOr<std::unique_ptr<FileStore>> Create(std::filesystem::path root);

  absl::Status Put(std::string_view key, std::span<const uint8_t> data,
                   std::string_view content_type) override;
  absl::StatusOr<std::vector<uint8_t>> Get(std::string_view key) override;
  absl::Status Delete(std::string_view key) override;
  absl::StatusOr<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  std::string Describe() const override;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit FileStore(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path PathOf(std::string_view key) const;

  const std::filesystem::path root_;  // absolute
};

}  // namespace livesnap::storage
