// File: storage/object_store.h
//
// Where snapshots go: one bucket of an object store, addressed by keys like
// "live/demo/12.jpg". FileStore keeps a bucket in a directory; an S3-style
// store keeps it behind HTTP. Callers see only this interface:
//
//   LS_RETURN_IF_ERROR(store.Put("live/demo.jpg", jpeg, "image/jpeg"), "store overwrite object");
//
// Errors: InvalidArgument for a key that breaks the rules of ValidateObjectKey;
// NotFound for a missing key; Unavailable for transient failures worth
// retrying (I/O errors, a store that is down) and DeadlineExceeded for a
// store that did not answer in time (also worth retrying); other codes are
// permanent.
// Thread-safety: implementations are thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap::storage {

// Longest key accepted, in bytes (S3's limit).
inline constexpr size_t kMaxObjectKeyBytes = 1024;

struct ObjectInfo {
  std::string key;
  int64_t size_bytes = 0;
  int64_t modified_unix_ms = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `data` under `key`, replacing any previous object atomically: a
  // concurrent Get sees the old object or the new one, never a mix.
  virtual absl::Status Put(std::string_view key, std::span<const uint8_t> data,
                           std::string_view content_type) = 0;
  virtual absl::StatusOr<std::vector<uint8_t>> Get(std::string_view key) = 0;
  // NotFound if there is no object under `key`.
  virtual absl::Status Delete(std::string_view key) = 0;
  // The objects whose keys start with `prefix` (a plain string prefix, so
  // "live/de" matches "live/demo/1.jpg"; "" lists everything), sorted by key.
  virtual absl::StatusOr<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  // Where the bucket is, for logs: "file:/var/lib/livesnap/snapshots".
  virtual std::string Describe() const = 0;
};

// OK if `key` is a relative path of non-empty segments separated by '/': no
// leading '/', no empty, "." or ".." segment, no backslash, no NUL byte, and
// at most kMaxObjectKeyBytes bytes. "." is refused with ".." so that one key
// names one object in every store (a file system would alias "a/./b" and
// "a/b"). Otherwise InvalidArgument naming the key and the broken rule.
absl::Status ValidateObjectKey(std::string_view key);

// OK if `prefix` can start a valid key: "" or a valid key, optionally
// followed by one '/' ("live/"). Otherwise InvalidArgument, as above.
absl::Status ValidateObjectKeyPrefix(std::string_view prefix);

}  // namespace livesnap::storage
