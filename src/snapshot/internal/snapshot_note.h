// File: snapshot/internal/snapshot_note.h
//
// What a snapshot's upload carries to its completion (the metadata that
// ReliableUploader keeps opaque, in memory and in its spool): the catalog
// record of the snapshot and where its callbacks go. Everything the
// completion needs is in it, so a snapshot spooled before a restart is still
// recorded and announced by the next process.
//
//   upload.metadata = EncodeSnapshotNote(note);
//   ... in the completion:
//   absl::StatusOr<SnapshotNote> note = DecodeSnapshotNote(result.metadata);
//
// The encoding is JSON with a version number; a note of another version or
// shape is refused with DataLoss, never guessed at. callback_auth_key came
// later within version 1: a note without it is unsigned.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "catalog/catalog.h"

namespace livesnap::snapshot::internal {

struct SnapshotNote {
  catalog::SnapshotRecord record;
  std::string callback_url;                     // the template's Callback; empty: none
  std::string callback_auth_key;                // signs callback_url; empty: unsigned
  std::optional<catalog::NotifyConfig> notify;  // the domain's notify config, if any
};

std::string EncodeSnapshotNote(const SnapshotNote& note);
absl::StatusOr<SnapshotNote> DecodeSnapshotNote(std::string_view text);

}  // namespace livesnap::snapshot::internal
