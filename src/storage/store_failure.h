// File: storage/store_failure.h
//
// Why a store call failed, as one word for metrics and health reports
// (livesnap_upload_failures_total{reason=...}, /healthz):
//
//   metrics.FailureCounter(StoreFailureReason(status)).Increment();
//
//   no_space     the disk (or quota) under a file store is full
//   timeout      DeadlineExceeded
//   denied       PermissionDenied / Unauthenticated (credentials, read-only)
//   unavailable  other transient failures: I/O errors, a store that is down
//   refused      every other failure: the store will not take this object
//
// File stores mark their errno-based failures with WithErrno, which survives
// Annotate (base/status.h), so a full disk is told apart from a flaky one.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace livesnap::storage {

// `status` with `error_number` attached as a payload.
absl::Status WithErrno(absl::Status status, int error_number);
// The errno a failure was marked with, if any.
std::optional<int> ErrnoOf(const absl::Status& status);

// One of the words above; "" for an OK status.
std::string_view StoreFailureReason(const absl::Status& status);

}  // namespace livesnap::storage
