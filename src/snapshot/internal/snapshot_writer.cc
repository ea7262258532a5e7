#include "snapshot/internal/snapshot_writer.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "base/status.h"
#include "snapshot/object_naming.h"

namespace livesnap::snapshot::internal {

namespace {

std::string IsoTime(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace

WriteOutcome SnapshotWriter::Write(const CaptureJob& job, const CapturedImage& image) {
  WriteOutcome outcome;
  // Sequence first: it must never be lost, and its number orders the history.
  for (bool overlay : {false, true}) {
    if (overlay ? !job.overwrite : !job.sequence) continue;
    absl::Status status = WriteOne(job, image, overlay);
    if (status.ok()) {
      ++outcome.objects_stored;
    } else {
      ++outcome.objects_failed;
      spdlog::error("{} {} snapshot at {} ms not stored: {}", job.binding->tag,
                    overlay ? "overwrite" : "sequence", job.dts_ms, status.ToString());
    }
  }
  return outcome;
}

absl::Status SnapshotWriter::WriteOne(const CaptureJob& job, const CapturedImage& image,
                                      bool overlay) {
  const StreamBinding& b = *job.binding;
  NamingVariables vars;
  vars.domain = b.key.domain;
  vars.app = b.key.app;
  vars.stream = b.key.stream;
  vars.unix_ms = job.arrival_unix_ms;
  if (!overlay) {
    LS_ASSIGN_OR_RETURN(vars.sequence, catalog_.NextSequence(b.key.domain, b.key.app, b.key.stream),
                        "allocate sequence number");
  }
  const std::string& pattern = overlay ? b.tmpl.overwrite_pattern : b.tmpl.sequence_pattern;
  LS_ASSIGN_OR_RETURN(std::string object_key, ExpandObjectPattern(pattern, vars), "name object");
  LS_RETURN_IF_ERROR(PutWithRetry(*b.store, object_key, image.jpeg),
                     "store " + object_key + " in " + b.store->Describe());

  catalog::SnapshotRecord record;
  record.domain = b.key.domain;
  record.app = b.key.app;
  record.stream = b.key.stream;
  record.endpoint = b.tmpl.endpoint;
  record.bucket = b.tmpl.bucket;
  record.object_key = object_key;
  record.overlay = overlay;
  record.sequence = overlay ? -1 : vars.sequence;
  record.capture_ms = job.arrival_unix_ms;
  record.size_bytes = static_cast<int64_t>(image.jpeg.size());
  record.width = image.width;
  record.height = image.height;
  LS_RETURN_IF_ERROR(catalog_.AddSnapshotRecord(record), "record " + object_key);
  spdlog::debug("{} stored {} ({}x{}, {} bytes)", b.tag, object_key, image.width, image.height,
                image.jpeg.size());
  Notify(job, record);
  return absl::OkStatus();
}

absl::Status SnapshotWriter::PutWithRetry(storage::ObjectStore& store, const std::string& key,
                                          const std::vector<uint8_t>& jpeg) {
  absl::Status status;
  std::chrono::milliseconds backoff(100);
  for (int attempt = 1; attempt <= store_attempts_; ++attempt) {
    status = store.Put(key, jpeg, "image/jpeg");
    if (status.ok() || !absl::IsUnavailable(status)) return status;
    if (attempt < store_attempts_) {
      std::this_thread::sleep_for(backoff);
      backoff *= 4;
    }
  }
  return Annotate(status, "after " + std::to_string(store_attempts_) + " attempts");
}

void SnapshotWriter::Notify(const CaptureJob& job, const catalog::SnapshotRecord& record) {
  if (notifier_ == nullptr) return;
  const StreamBinding& b = *job.binding;
  if (b.tmpl.callback.empty() && !b.notify) return;
  nlohmann::json body = {
      {"domain", record.domain},
      {"app", record.app},
      {"stream", record.stream},
      {"endpoint", record.endpoint},
      {"bucket", record.bucket},
      {"object", record.object_key},
      {"mode", record.overlay ? "overwrite" : "sequence"},
      {"sequence", record.sequence},
      {"capture_time", IsoTime(record.capture_ms)},
      {"capture_timestamp_ms", record.capture_ms},
      {"width", record.width},
      {"height", record.height},
      {"size", record.size_bytes},
  };
  const std::string json = body.dump();
  if (!b.tmpl.callback.empty()) notifier_->Enqueue({b.tmpl.callback, json, ""});
  if (b.notify && !b.notify->notify_url.empty()) {
    notifier_->Enqueue(
        {b.notify->notify_url, json, b.notify->req_auth ? b.notify->auth_key : std::string()});
  }
}

}  // namespace livesnap::snapshot::internal
