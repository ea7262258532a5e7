#include "snapshot/snapshot_recorder.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "base/utc_time.h"
#include "snapshot/internal/snapshot_note.h"

namespace livesnap::snapshot {

namespace {

std::string Tag(const catalog::SnapshotRecord& r) {
  return "[" + r.domain + "/" + r.app + "/" + r.stream + "]";
}

}  // namespace

SnapshotRecorder::SnapshotRecorder(CatalogBacklog& backlog, notify::Notifier* notifier,
                                   prometheus::Registry& metrics, const Clock& clock)
    : backlog_(backlog), notifier_(notifier), clock_(clock) {
  auto& snapshots = prometheus::BuildCounter()
                        .Name("livesnap_snapshots_total")
                        .Help("Snapshot objects, by result")
                        .Register(metrics);
  stored_ = &snapshots.Add({{"result", "stored"}});
  record_failed_ = &snapshots.Add({{"result", "record_failed"}});
  store_failed_ = &snapshots.Add({{"result", "store_failed"}});
  auto& skipped = prometheus::BuildCounter()
                      .Name("livesnap_snapshots_skipped_total")
                      .Help("Snapshot work skipped for newer work or a full capture queue, by kind")
                      .Register(metrics);
  overwrite_coalesced_ = &skipped.Add({{"kind", "overwrite_coalesced"}});
  sequence_dropped_ = &skipped.Add({{"kind", "sequence_dropped"}});
  latency_ = &prometheus::BuildHistogram()
                  .Name("livesnap_snapshot_latency_seconds")
                  .Help("Keyframe arrival to the snapshot stored and recorded")
                  .Register(metrics)
                  .Add({}, prometheus::Histogram::BucketBoundaries{
                               0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300});
}

storage::UploadCallback SnapshotRecorder::Callback() {
  return [this](const storage::UploadResult& result) { OnUploadDone(result); };
}

void SnapshotRecorder::OnUploadDone(const storage::UploadResult& result) {
  if (absl::IsAborted(result.status)) {  // superseded by a newer image of the same object
    overwrite_coalesced_->Increment();
    return;
  }
  absl::StatusOr<internal::SnapshotNote> note = internal::DecodeSnapshotNote(result.metadata);
  if (!note.ok()) {
    (result.status.ok() ? record_failed_ : store_failed_)->Increment();
    spdlog::error("snapshot {} ({}): unreadable upload note, not recorded: {}", result.key,
                  result.lane, note.status().ToString());
    return;
  }
  const catalog::SnapshotRecord& record = note->record;
  if (!result.status.ok()) {  // the uploader logged why
    store_failed_->Increment();
    spdlog::debug("{} {} snapshot {} not stored: {}", Tag(record),
                  record.overlay ? "overwrite" : "sequence", record.object_key,
                  result.status.ToString());
    return;
  }
  auto shared = std::make_shared<const internal::SnapshotNote>(*std::move(note));
  const int attempts = result.attempts;
  backlog_.Submit(CatalogTask{
      .lane = "r:" + result.lane,
      .kind = CatalogWork::kRecord,
      .size_bytes = result.metadata.size() + sizeof(internal::SnapshotNote),
      .run = [this, shared, attempts](catalog::Catalog& catalog) -> absl::Status {
        LS_RETURN_IF_ERROR(catalog.AddSnapshotRecord(shared->record), "record");
        Recorded(*shared, attempts);
        return absl::OkStatus();
      },
      .failed =
          [this, shared](const absl::Status& why) {
            record_failed_->Increment();
            spdlog::error("{} {} stored but not recorded: {}", Tag(shared->record),
                          shared->record.object_key, why.ToString());
          },
  });
}

void SnapshotRecorder::Recorded(const internal::SnapshotNote& note, int attempts) {
  const catalog::SnapshotRecord& record = note.record;
  stored_->Increment();
  latency_->Observe(static_cast<double>(clock_.UnixMs() - record.capture_ms) / 1000.0);
  spdlog::debug("{} stored {} ({}x{}, {} bytes, {} attempt(s))", Tag(record), record.object_key,
                record.width, record.height, record.size_bytes, attempts);
  Notify(note);
}

void SnapshotRecorder::Notify(const internal::SnapshotNote& note) {
  if (notifier_ == nullptr) return;
  const bool notify_domain = note.notify && !note.notify->notify_url.empty();
  if (note.callback_url.empty() && !notify_domain) return;
  const catalog::SnapshotRecord& record = note.record;
  const std::string json =
      nlohmann::json{
          {"domain", record.domain},
          {"app", record.app},
          {"stream", record.stream},
          {"endpoint", record.endpoint},
          {"bucket", record.bucket},
          {"object", record.object_key},
          {"mode", record.overlay ? "overwrite" : "sequence"},
          {"sequence", record.sequence},
          {"capture_time", FormatIso8601Utc(record.capture_ms)},
          {"capture_timestamp_ms", record.capture_ms},
          {"width", record.width},
          {"height", record.height},
          {"size", record.size_bytes},
      }
          .dump();
  if (!note.callback_url.empty()) {
    notifier_->Enqueue({note.callback_url, json, note.callback_auth_key});
  }
  if (notify_domain) {
    notifier_->Enqueue({note.notify->notify_url, json,
                        note.notify->req_auth ? note.notify->auth_key : std::string()});
  }
}

void SnapshotRecorder::CountNotStored(int objects) { store_failed_->Increment(objects); }

void SnapshotRecorder::CountOverwritesCoalesced(int objects) {
  overwrite_coalesced_->Increment(objects);
}

void SnapshotRecorder::CountSequenceDropped(int captures) {
  sequence_dropped_->Increment(captures);
}

}  // namespace livesnap::snapshot
