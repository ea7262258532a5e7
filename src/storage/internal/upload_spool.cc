#include "storage/internal/upload_spool.h"

#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <span>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/byte_reader.h"
#include "base/status.h"
#include "storage/internal/posix_file.h"

namespace livesnap::storage::internal {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "LSSPOOL1";
constexpr std::string_view kSuffix = ".upload";
constexpr char kTempPrefix[] = ".tmp.";
constexpr uint8_t kCoalesceFlag = 1;

void PutU64(std::vector<uint8_t>& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}
void PutU32(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}
void PutString(std::vector<uint8_t>& out, std::string_view text) {
  PutU32(out, static_cast<uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

bool ReadString(ByteReader& reader, std::string& out) {
  uint32_t size = 0;
  std::string_view text;
  if (!reader.ReadU32(size) || !reader.ReadString(size, text)) return false;
  out = std::string(text);
  return true;
}

// "00000000000000000042.upload" -> 42.
bool ParseName(const std::string& name, uint64_t& id) {
  if (name.size() != 20 + kSuffix.size() || !name.ends_with(kSuffix)) return false;
  return absl::SimpleAtoi(name.substr(0, 20), &id);
}

absl::StatusOr<std::vector<uint8_t>> ReadWholeFile(const fs::path& path) {
  LS_ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path), "");
  return ReadAll(fd.get(), path);
}

}  // namespace

std::vector<uint8_t> EncodeSpooledUpload(const SpooledUpload& upload,
                                         std::span<const uint8_t> data) {
  std::vector<uint8_t> out(kMagic.begin(), kMagic.end());
  out.reserve(64 + upload.lane.size() + upload.key.size() + upload.content_type.size() +
              upload.metadata.size() + data.size());
  PutU64(out, upload.id);
  out.push_back(upload.coalesce ? kCoalesceFlag : 0);
  PutU64(out, static_cast<uint64_t>(upload.enqueued_unix_ms));
  PutString(out, upload.lane);
  PutString(out, upload.key);
  PutString(out, upload.content_type);
  PutString(out, upload.metadata);
  PutU64(out, data.size());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

absl::StatusOr<SpooledUpload> DecodeSpooledUpload(std::span<const uint8_t> bytes, bool with_data) {
  ByteReader reader(bytes);
  std::string_view magic;
  if (!reader.ReadString(kMagic.size(), magic) || magic != kMagic) {
    return absl::DataLossError("not a spooled upload (bad magic)");
  }
  SpooledUpload upload;
  uint8_t flags = 0;
  uint64_t enqueued = 0;
  uint64_t size = 0;
  if (!reader.ReadU64(upload.id) || !reader.ReadU8(flags) || !reader.ReadU64(enqueued) ||
      !ReadString(reader, upload.lane) || !ReadString(reader, upload.key) ||
      !ReadString(reader, upload.content_type) || !ReadString(reader, upload.metadata) ||
      !reader.ReadU64(size)) {
    return absl::DataLossError("spooled upload cut short in its header");
  }
  if (size != reader.remaining()) {
    return absl::DataLossError(absl::StrCat("spooled upload holds ", reader.remaining(),
                                            " data bytes, its header says ", size));
  }
  upload.coalesce = (flags & kCoalesceFlag) != 0;
  upload.enqueued_unix_ms = static_cast<int64_t>(enqueued);
  upload.size_bytes = static_cast<int64_t>(size);
  if (with_data) upload.data.assign(reader.rest().begin(), reader.rest().end());
  return upload;
}

absl::StatusOr<UploadSpool> UploadSpool::Open(fs::path directory) {
  const std::string context = absl::StrCat("upload spool ", directory.string());
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return Annotate(ErrorCodeStatus(error, "create directory", directory), context);
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    if (it->path().filename().string().starts_with(kTempPrefix)) {
      std::error_code remove_error;
      fs::remove(it->path(), remove_error);
      if (remove_error) {
        return Annotate(ErrorCodeStatus(remove_error, "remove leftover", it->path()), context);
      }
    }
  }
  if (error) return Annotate(ErrorCodeStatus(error, "scan", directory), context);
  return UploadSpool(std::move(directory));
}

fs::path UploadSpool::PathOf(uint64_t id) const {
  return directory_ / absl::StrFormat("%020u%s", id, std::string(kSuffix));
}

absl::Status UploadSpool::Write(const SpooledUpload& upload, std::span<const uint8_t> data) const {
  const fs::path path = PathOf(upload.id);
  const std::string context = absl::StrCat("spool ", path.string());
  std::string temp_path = (directory_ / absl::StrCat(kTempPrefix, "XXXXXX")).string();
  LS_ASSIGN_OR_RETURN(UniqueFd fd, CreateUniqueFile(temp_path), context);
  const std::vector<uint8_t> bytes = EncodeSpooledUpload(upload, data);
  absl::Status status = WriteAll(fd.get(), bytes, temp_path);
  if (status.ok()) status = Fsync(fd.get(), temp_path);
  if (status.ok()) status = fd.Close(temp_path);
  if (status.ok() && ::rename(temp_path.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("rename ", temp_path, " to"), path);
  }
  if (!status.ok()) {
    ::unlink(temp_path.c_str());
    return Annotate(status, context);
  }
  return Annotate(FsyncDirectory(directory_), context);
}

absl::StatusOr<SpooledUpload> UploadSpool::Read(uint64_t id) const {
  const fs::path path = PathOf(id);
  const std::string context = absl::StrCat("read spooled upload ", path.string());
  LS_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadWholeFile(path), context);
  LS_ASSIGN_OR_RETURN(SpooledUpload upload, DecodeSpooledUpload(bytes, true), context);
  if (upload.id != id) {
    return absl::DataLossError(absl::StrCat(context, ": holds upload ", upload.id));
  }
  return upload;
}

absl::Status UploadSpool::Remove(uint64_t id) const {
  const fs::path path = PathOf(id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, "remove spooled upload", path);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SpooledUpload>> UploadSpool::Scan(
    std::vector<std::string>* problems) const {
  std::vector<SpooledUpload> uploads;
  std::error_code error;
  for (fs::directory_iterator it(directory_, error), end; !error && it != end;
       it.increment(error)) {
    uint64_t id = 0;
    if (!ParseName(it->path().filename().string(), id)) continue;
    absl::StatusOr<std::vector<uint8_t>> bytes = ReadWholeFile(it->path());
    absl::StatusOr<SpooledUpload> upload =
        bytes.ok() ? DecodeSpooledUpload(*bytes, false) : bytes.status();
    if (upload.ok() && upload->id != id) {
      upload = absl::DataLossError(absl::StrCat("holds upload ", upload->id));
    }
    if (!upload.ok()) {
      const fs::path aside = it->path().string() + ".corrupt";
      std::error_code rename_error;
      fs::rename(it->path(), aside, rename_error);
      if (problems != nullptr) {
        problems->push_back(absl::StrCat(it->path().string(), ": ", upload.status().message(),
                                         "; moved to ", aside.string()));
      }
      continue;
    }
    uploads.push_back(std::move(*upload));
  }
  if (error) return ErrorCodeStatus(error, "scan upload spool", directory_);
  std::sort(uploads.begin(), uploads.end(),
            [](const SpooledUpload& a, const SpooledUpload& b) { return a.id < b.id; });
  return uploads;
}

}  // namespace livesnap::storage::internal
