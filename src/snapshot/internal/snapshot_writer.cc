#include "snapshot/internal/snapshot_writer.h"

#include <spdlog/spdlog.h>

#include "base/status.h"
#include "snapshot/internal/snapshot_note.h"
#include "snapshot/object_naming.h"

namespace livesnap::snapshot::internal {

WriteOutcome SnapshotWriter::Write(const CaptureJob& job, const CapturedImage& image) {
  WriteOutcome outcome;
  // Sequence first: its number orders the history, and the overwrite object
  // of the same capture then lands after it in the stream's upload lane.
  for (bool overlay : {false, true}) {
    if (overlay ? !job.overwrite : !job.sequence) continue;
    absl::Status status = Queue(job, image, overlay);
    if (status.ok()) {
      ++outcome.objects_queued;
    } else {
      ++outcome.objects_failed;
      spdlog::error("{} {} snapshot at {} ms not stored: {}", job.binding->tag,
                    overlay ? "overwrite" : "sequence", job.dts_ms, status.ToString());
    }
  }
  return outcome;
}

absl::Status SnapshotWriter::Queue(const CaptureJob& job, const CapturedImage& image,
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

  SnapshotNote note;
  catalog::SnapshotRecord& record = note.record;
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
  note.callback_url = b.tmpl.callback;
  note.notify = b.notify;
  return Annotate(b.uploader->Enqueue({.lane = b.key.ToString(),
                                       .key = object_key,
                                       .data = image.jpeg,
                                       .coalesce = overlay,
                                       .metadata = EncodeSnapshotNote(note)}),
                  "queue " + object_key);
}

}  // namespace livesnap::snapshot::internal
