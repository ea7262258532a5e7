// File: storage/internal/upload_spool.h
//
// Uploads waiting on disk, one file per upload in a directory that belongs to
// one ReliableUploader (data_dir/spool/<bucket>), so that an outage longer
// than memory allows, or a restart, loses nothing:
//
//   LS_ASSIGN_OR_RETURN(UploadSpool spool, UploadSpool::Open(dir), "spool");
//   LS_RETURN_IF_ERROR(spool.Write(upload, jpeg), "spill");
//   ... after a restart:
//   for (const SpooledUpload& header : spool.Scan(&problems)) ...   // data not loaded
//   LS_ASSIGN_OR_RETURN(SpooledUpload full, spool.Read(header.id), "deliver");
//
// A file is "<id, 20 digits>.upload": a magic, the id, the fields and the
// data (big-endian lengths). It is written to a temp file, fsynced and
// renamed, so a crash leaves a whole file or none; Open removes leftover
// temp files. The id gives the delivery order after a restart.
//
// Thread-safety: Write, Read and Remove of different ids may run
// concurrently; Open and Scan before any of them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace livesnap::storage::internal {

struct SpooledUpload {
  uint64_t id = 0;
  std::string lane;
  std::string key;
  std::string content_type;
  std::string metadata;
  bool coalesce = false;
  int64_t enqueued_unix_ms = 0;
  int64_t size_bytes = 0;
  std::vector<uint8_t> data{};  // empty in Scan results
};

class UploadSpool {
 public:
  // Creates `directory` if needed and removes leftover temp files.
  static absl::StatusOr<UploadSpool> Open(std::filesystem::path directory);

  // Writes `upload` with `data` (upload.data is ignored). Durable once it
  // returns OK (file and directory fsynced).
  absl::Status Write(const SpooledUpload& upload, std::span<const uint8_t> data) const;
  // DataLoss for a file that is not a whole spooled upload; NotFound if gone.
  absl::StatusOr<SpooledUpload> Read(uint64_t id) const;
  // OK if the file is gone already.
  absl::Status Remove(uint64_t id) const;
  // Every spooled upload without its data, sorted by id. A file that cannot
  // be read is renamed to "<name>.corrupt" (kept for the operator, never
  // retried) and described in `problems`.
  absl::StatusOr<std::vector<SpooledUpload>> Scan(std::vector<std::string>* problems) const;

  std::filesystem::path PathOf(uint64_t id) const;
  const std::filesystem::path& directory() const { return directory_; }

 private:
  explicit UploadSpool(std::filesystem::path directory) : directory_(std::move(directory)) {}

  std::filesystem::path directory_;
};

// The file bytes for `upload`, and back; exposed for tests.
std::vector<uint8_t> EncodeSpooledUpload(const SpooledUpload& upload,
                                         std::span<const uint8_t> data);
absl::StatusOr<SpooledUpload> DecodeSpooledUpload(std::span<const uint8_t> bytes, bool with_data);

}  // namespace livesnap::storage::internal
