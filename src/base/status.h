// File: base/status.h
//
// livesnap reports expected failures with absl::Status / absl::StatusOr<T>.
// Each layer adds what it was doing when a lower layer failed, so one log
// line tells the whole path of a failure:
//
//   LS_RETURN_IF_ERROR(reader.ReadChunk(), "read chunk");
//   -> "read chunk: chunk size 0 out of range 1..16777215"
//
// Thread-safety: free functions and macros only; no shared state.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap {

// Returns `status` with "context: " prefixed to its message, keeping its code
// and payloads.
// An OK status is returned unchanged.
absl::Status Annotate(const absl::Status& status, std::string_view context);

}  // namespace livesnap

#define LS_STATUS_CONCAT_INNER_(a, b) a##b
#define LS_STATUS_CONCAT_(a, b) LS_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK,
// annotating it with `context`.
#define LS_RETURN_IF_ERROR(expr, context)                     \
  do {                                                        \
    if (absl::Status ls_status_ = (expr); !ls_status_.ok()) { \
      return ::livesnap::Annotate(ls_status_, (context));     \
    }                                                         \
  } while (false)

// `lhs = *expr` when `expr` (an absl::StatusOr<T>) holds a value; otherwise
// returns its status annotated with `context`.
#define LS_ASSIGN_OR_RETURN(lhs, expr, context) \
  LS_ASSIGN_OR_RETURN_IMPL_(LS_STATUS_CONCAT_(ls_statusor_, __LINE__), lhs, expr, context)

#define LS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr, context) \
  auto tmp = (expr);                                       \
  if (!tmp.ok()) {                                         \
    return ::livesnap::Annotate(tmp.status(), (context));  \
  }                                                        \
  lhs = std::move(tmp).value()
