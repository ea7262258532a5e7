#include "catalog/internal/contract.h"

#include <cstdint>
#include <string>

#include "base/status.h"

namespace livesnap::catalog::internal {
namespace {

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Length of the UTF-8 sequence starting at text[i], or 0 when it is invalid
// (overlong forms, surrogates and code points above U+10FFFF included).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint32_t min = 0;
  uint32_t code = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2, min = 0x80, code = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, min = 0x800, code = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

absl::Status CheckText(std::string_view field, std::string_view value) {
  for (size_t i = 0; i < value.size();) {
    if (value[i] == '\0') {
      return absl::InvalidArgumentError(std::string(field) + " contains a NUL byte at offset " +
                                        std::to_string(i));
    }
    size_t length = Utf8SequenceLength(value, i);
    if (length == 0) {
      return absl::InvalidArgumentError(std::string(field) + " is not valid UTF-8 at offset " +
                                        std::to_string(i));
    }
    i += length;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckKey(std::string_view field, std::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError(std::string(field) + " is empty");
  return CheckText(field, value);
}

absl::Status CheckDomain(const Domain& domain) {
  LS_RETURN_IF_ERROR(CheckKey("domain name", domain.name), "");
  LS_RETURN_IF_ERROR(CheckText("region", domain.region), "");
  if (domain.live_domain_type != kLiveVideo && domain.live_domain_type != kLiveEdge) {
    return absl::InvalidArgumentError("live domain type " + Quoted(domain.live_domain_type) +
                                      " is not " + kLiveVideo + " or " + kLiveEdge);
  }
  return CheckCallbackAuth(domain.callback_auth);
}

absl::Status CheckCallbackAuth(const CallbackAuth& auth) {
  LS_RETURN_IF_ERROR(CheckText("callback auth key", auth.auth_key), "");
  if (auth.req_auth && auth.auth_key.empty()) {
    return absl::InvalidArgumentError("callback auth is on without a callback auth key");
  }
  return absl::OkStatus();
}

absl::Status CheckBucket(const Bucket& bucket) {
  LS_RETURN_IF_ERROR(CheckKey("bucket name", bucket.name), "");
  LS_RETURN_IF_ERROR(CheckText("region", bucket.region), "");
  LS_RETURN_IF_ERROR(CheckText("endpoint", bucket.endpoint), "");
  return CheckText("kind", bucket.kind);
}

absl::Status CheckTemplate(const SnapshotTemplate& tmpl) {
  LS_RETURN_IF_ERROR(CheckKey("domain name", tmpl.domain), "");
  LS_RETURN_IF_ERROR(CheckKey("AppName", tmpl.app), "");
  LS_RETURN_IF_ERROR(CheckKey("bucket", tmpl.bucket), "");
  LS_RETURN_IF_ERROR(CheckText("endpoint", tmpl.endpoint), "");
  LS_RETURN_IF_ERROR(CheckText("overwrite pattern", tmpl.overwrite_pattern), "");
  LS_RETURN_IF_ERROR(CheckText("sequence pattern", tmpl.sequence_pattern), "");
  return CheckText("callback", tmpl.callback);
}

absl::Status CheckNotifyConfig(const NotifyConfig& config) {
  LS_RETURN_IF_ERROR(CheckKey("domain name", config.domain), "");
  LS_RETURN_IF_ERROR(CheckText("notify URL", config.notify_url), "");
  return CheckText("auth key", config.auth_key);
}

absl::Status CheckRecord(const SnapshotRecord& record) {
  LS_RETURN_IF_ERROR(CheckKey("domain name", record.domain), "");
  LS_RETURN_IF_ERROR(CheckKey("AppName", record.app), "");
  LS_RETURN_IF_ERROR(CheckKey("stream name", record.stream), "");
  LS_RETURN_IF_ERROR(CheckText("endpoint", record.endpoint), "");
  LS_RETURN_IF_ERROR(CheckText("bucket", record.bucket), "");
  return CheckText("object key", record.object_key);
}

absl::Status CheckTemplateQuery(const TemplateQuery& query) {
  LS_RETURN_IF_ERROR(CheckKey("domain name", query.domain), "");
  if (query.app) LS_RETURN_IF_ERROR(CheckKey("AppName", *query.app), "");
  if (query.offset < 0) {
    return absl::InvalidArgumentError("offset " + std::to_string(query.offset) + " is negative");
  }
  if (query.limit < 0) {
    return absl::InvalidArgumentError("limit " + std::to_string(query.limit) + " is negative");
  }
  return absl::OkStatus();
}

absl::Status CheckRecordQuery(const RecordQuery& query) {
  LS_RETURN_IF_ERROR(CheckKey("domain name", query.domain), "");
  LS_RETURN_IF_ERROR(CheckKey("AppName", query.app), "");
  LS_RETURN_IF_ERROR(CheckKey("stream name", query.stream), "");
  if (query.limit < 0) {
    return absl::InvalidArgumentError("limit " + std::to_string(query.limit) + " is negative");
  }
  return absl::OkStatus();
}

absl::Status CheckPruneLimit(int64_t limit) {
  if (limit < 0) {
    return absl::InvalidArgumentError("limit " + std::to_string(limit) + " is negative");
  }
  return absl::OkStatus();
}

absl::Status CheckRecordDelete(std::string_view domain, std::string_view app,
                               std::string_view stream, const std::vector<int64_t>& capture_ms) {
  LS_RETURN_IF_ERROR(CheckKey("domain name", domain), "");
  LS_RETURN_IF_ERROR(CheckKey("AppName", app), "");
  LS_RETURN_IF_ERROR(CheckKey("stream name", stream), "");
  if (capture_ms.size() > kMaxRecordDeleteBatch) {
    return absl::InvalidArgumentError(std::to_string(capture_ms.size()) +
                                      " capture times, more than " +
                                      std::to_string(kMaxRecordDeleteBatch) + " at once");
  }
  return absl::OkStatus();
}

absl::Status DomainNotFound(std::string_view name) {
  return absl::NotFoundError("domain " + Quoted(name) + " not found");
}

absl::Status DomainExists(std::string_view name) {
  return absl::AlreadyExistsError("domain " + Quoted(name) + " already exists");
}

absl::Status BucketNotFound(std::string_view name) {
  return absl::NotFoundError("bucket " + Quoted(name) + " not found");
}

absl::Status TemplateNotFound(std::string_view domain, std::string_view app) {
  return absl::NotFoundError("no snapshot template for domain " + Quoted(domain) + " and app " +
                             Quoted(app));
}

absl::Status TemplateExists(std::string_view domain, std::string_view app) {
  return absl::AlreadyExistsError("a snapshot template for domain " + Quoted(domain) + " and app " +
                                  Quoted(app) + " already exists");
}

absl::Status CheckPushAuth(const PushAuth& auth) {
  LS_RETURN_IF_ERROR(CheckKey("domain name", auth.domain), "");
  LS_RETURN_IF_ERROR(CheckKey("auth type", auth.auth_type), "");
  LS_RETURN_IF_ERROR(CheckKey("auth key", auth.auth_key1), "");
  LS_RETURN_IF_ERROR(CheckText("auth key", auth.auth_key2), "");
  if (auth.delta_s < 1) {
    return absl::InvalidArgumentError("auth delta " + std::to_string(auth.delta_s) +
                                      " s is not positive");
  }
  return absl::OkStatus();
}

absl::Status PushAuthNotFound(std::string_view domain) {
  return absl::NotFoundError("no push URL signing for domain " + Quoted(domain));
}

absl::Status NotifyConfigNotFound(std::string_view domain) {
  return absl::NotFoundError("no snapshot notify config for domain " + Quoted(domain));
}

absl::Status MissingDomain(std::string_view name) {
  return absl::FailedPreconditionError("domain " + Quoted(name) + " does not exist");
}

absl::Status MissingBucket(std::string_view name) {
  return absl::FailedPreconditionError("bucket " + Quoted(name) + " does not exist");
}

}  // namespace livesnap::catalog::internal
