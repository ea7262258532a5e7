// File: snapshot/template_rules.h
//
// The rules a snapshot template must follow, whoever writes it: the API
// (Add/UpdateLiveAppSnapshotConfig), the config file's [[template]] entries
// and the catalog seeding at start. Each caller names the offending field
// its own way (TimeInterval for the API, template.interval for the config).
//
//   if (auto violation = ValidateTemplate(tmpl, &bucket, &domain)) {
//     return absl::InvalidArgumentError(violation->message);
//   }
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "catalog/catalog.h"

namespace livesnap::snapshot {

// TimeInterval, seconds between two snapshots of a stream.
inline constexpr int kMinIntervalS = 5;
inline constexpr int kMaxIntervalS = 3600;
// Largest output width or height in pixels a template may ask for (0 keeps
// the source's size); the picture converter refuses anything larger.
inline constexpr int kMaxOutputDimension = 4096;

// InvalidArgument unless kMinIntervalS <= interval_s <= kMaxIntervalS.
absl::Status ValidateInterval(int64_t interval_s);
// InvalidArgument unless 0 <= pixels <= kMaxOutputDimension.
absl::Status ValidateOutputDimension(int64_t pixels);
// InvalidArgument when the bucket's region is not the domain's: snapshots of
// a domain's streams stay in its region.
absl::Status ValidateBucketRegion(const catalog::Bucket& bucket, const catalog::Domain& domain);

// The template field a violation is about.
enum class TemplateField {
  kInterval,
  kOverwritePattern,
  kSequencePattern,
  kStorageModes,  // neither pattern is set
  kWidth,
  kHeight,
  kBucketRegion,
};

struct TemplateViolation {
  TemplateField field;
  std::string message;  // the value and the rule, without the field's name
};

// The first rule `tmpl` breaks, or nullopt: interval, patterns (by
// ValidateObjectPattern; at least one is set), width and height, and, when
// `bucket` and `domain` are given, their regions. The template's domain, app
// and bucket names are the caller's to check.
std::optional<TemplateViolation> ValidateTemplate(const catalog::SnapshotTemplate& tmpl,
                                                  const catalog::Bucket* bucket = nullptr,
                                                  const catalog::Domain* domain = nullptr);

}  // namespace livesnap::snapshot
