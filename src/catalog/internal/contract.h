// File: catalog/internal/contract.h
//
// What both catalog backends check and say alike: argument validation (keys
// non-empty, text valid UTF-8 without NUL, which PostgreSQL could not store,
// paging bounds) and the messages of NotFound/AlreadyExists/
// FailedPrecondition errors, so the conformance suite holds them to one
// behaviour.
//
//   LS_RETURN_IF_ERROR(CheckTemplate(tmpl), "add template");
//   return TemplateNotFound(domain, app);
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "catalog/catalog.h"

namespace livesnap::catalog::internal {

absl::Status CheckDomain(const Domain& domain);
absl::Status CheckCallbackAuth(const CallbackAuth& auth);
absl::Status CheckBucket(const Bucket& bucket);
absl::Status CheckTemplate(const SnapshotTemplate& tmpl);
absl::Status CheckNotifyConfig(const NotifyConfig& config);
absl::Status CheckRecord(const SnapshotRecord& record);
absl::Status CheckTemplateQuery(const TemplateQuery& query);
absl::Status CheckRecordQuery(const RecordQuery& query);
absl::Status CheckPruneLimit(int64_t limit);
// DeleteSnapshotRecords: the stream's keys, at most kMaxRecordDeleteBatch times.
absl::Status CheckRecordDelete(std::string_view domain, std::string_view app,
                               std::string_view stream, const std::vector<int64_t>& capture_ms);
// A key field (domain name, AppName, stream name): non-empty valid text.
absl::Status CheckKey(std::string_view field, std::string_view value);

absl::Status DomainNotFound(std::string_view name);
absl::Status DomainExists(std::string_view name);
absl::Status BucketNotFound(std::string_view name);
absl::Status TemplateNotFound(std::string_view domain, std::string_view app);
absl::Status TemplateExists(std::string_view domain, std::string_view app);
absl::Status NotifyConfigNotFound(std::string_view domain);
absl::Status CheckPushAuth(const PushAuth& auth);
absl::Status PushAuthNotFound(std::string_view domain);
// FailedPrecondition for a row that names a domain or bucket that is absent.
absl::Status MissingDomain(std::string_view name);
absl::Status MissingBucket(std::string_view name);

}  // namespace livesnap::catalog::internal
