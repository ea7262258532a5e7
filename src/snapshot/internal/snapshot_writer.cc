#include "snapshot/internal/snapshot_writer.h"

#include <spdlog/spdlog.h>

#include "base/status.h"
#include "snapshot/internal/snapshot_note.h"
#include "snapshot/object_naming.h"

namespace livesnap::snapshot::internal {

void SnapshotWriter::Write(const CaptureJob& job, CapturedImage image) {
  auto capture = std::make_shared<Capture>(Capture{.binding = job.binding,
                                                   .dts_ms = job.dts_ms,
                                                   .arrival_unix_ms = job.arrival_unix_ms,
                                                   .image = std::move(image)});
  // Sequence first: while the catalog answers, its number orders the
  // history, and the overwrite object of the same capture then lands after
  // it in the stream's upload lane.
  if (job.sequence) WriteSequence(capture);
  if (job.overwrite) {
    if (absl::Status status = Queue(*capture, /*overlay=*/true, -1); !status.ok()) {
      NotStored(*capture, /*overlay=*/true, status);
    }
  }
}

void SnapshotWriter::WriteSequence(std::shared_ptr<const Capture> capture) {
  const media::StreamKey& key = capture->binding->key;
  backlog_.Submit(CatalogTask{
      .lane = "s:" + key.ToString(),
      .kind = CatalogWork::kSequence,
      .size_bytes = capture->image.jpeg.size() + sizeof(Capture),
      .run = [this, capture](catalog::Catalog& catalog) -> absl::Status {
        const media::StreamKey& k = capture->binding->key;
        absl::StatusOr<int64_t> sequence = catalog.NextSequence(k.domain, k.app, k.stream);
        if (!sequence.ok()) return Annotate(sequence.status(), "allocate sequence number");
        // The number is taken: a failure from here on is not the catalog's
        // and must not allocate another one.
        if (absl::Status queued = Queue(*capture, /*overlay=*/false, *sequence); !queued.ok()) {
          NotStored(*capture, /*overlay=*/false, queued);
        }
        return absl::OkStatus();
      },
      .failed = [this,
                 capture](const absl::Status& why) { NotStored(*capture, /*overlay=*/false, why); },
  });
}

void SnapshotWriter::NotStored(const Capture& capture, bool overlay, const absl::Status& why) {
  recorder_.CountNotStored(1);
  spdlog::error("{} {} snapshot at {} ms not stored: {}", capture.binding->tag,
                overlay ? "overwrite" : "sequence", capture.dts_ms, why.ToString());
}

absl::Status SnapshotWriter::Queue(const Capture& capture, bool overlay, int64_t sequence) {
  const StreamBinding& b = *capture.binding;
  NamingVariables vars;
  vars.domain = b.key.domain;
  vars.app = b.key.app;
  vars.stream = b.key.stream;
  vars.unix_ms = capture.arrival_unix_ms;
  if (!overlay) vars.sequence = sequence;
  const std::string& pattern = overlay ? b.tmpl.overwrite_pattern : b.tmpl.sequence_pattern;
  LS_ASSIGN_OR_RETURN(std::string object_key, ExpandObjectPattern(pattern, vars), "name object");

  SnapshotNote note;
  catalog::SnapshotRecord& record = note.record;
  record.domain = b.key.domain;
  record.app = b.key.app;
  record.stream = b.key.stream;
  record.endpoint = b.tmpl.endpoint;
  record.bucket = b.tmpl.bucket;
  record.object_key = object_key;
  record.overlay = overlay;
  record.sequence = overlay ? -1 : sequence;
  record.capture_ms = capture.arrival_unix_ms;
  record.size_bytes = static_cast<int64_t>(capture.image.jpeg.size());
  record.width = capture.image.width;
  record.height = capture.image.height;
  note.callback_url = b.tmpl.callback;
  note.callback_auth_key = b.callback_auth_key;
  note.notify = b.notify;
  return Annotate(b.uploader->Enqueue({.lane = b.key.ToString(),
                                       .key = object_key,
                                       .data = capture.image.jpeg,
                                       .coalesce = overlay,
                                       .metadata = EncodeSnapshotNote(note)}),
                  "queue " + object_key);
}

}  // namespace livesnap::snapshot::internal
