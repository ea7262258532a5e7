#include "snapshot/template_rules.h"

#include "absl/strings/str_cat.h"
#include "snapshot/object_naming.h"

namespace livesnap::snapshot {

absl::Status ValidateInterval(int64_t interval_s) {
  if (interval_s >= kMinIntervalS && interval_s <= kMaxIntervalS) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(interval_s, " s is not ", kMinIntervalS, "..", kMaxIntervalS, " seconds"));
}

absl::Status ValidateOutputDimension(int64_t pixels) {
  if (pixels >= 0 && pixels <= kMaxOutputDimension) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(pixels, " is not 0..", kMaxOutputDimension, " pixels (0 = the source's size)"));
}

absl::Status ValidateBucketRegion(const catalog::Bucket& bucket, const catalog::Domain& domain) {
  if (bucket.region == domain.region) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("bucket ", bucket.name, " is in region ",
                                                 bucket.region, " but domain ", domain.name,
                                                 " is in region ", domain.region));
}

std::optional<TemplateViolation> ValidateTemplate(const catalog::SnapshotTemplate& tmpl,
                                                  const catalog::Bucket* bucket,
                                                  const catalog::Domain* domain) {
  auto violation = [](TemplateField field, const absl::Status& status) {
    return std::optional<TemplateViolation>(
        TemplateViolation{field, std::string(status.message())});
  };
  if (absl::Status status = ValidateInterval(tmpl.interval_s); !status.ok()) {
    return violation(TemplateField::kInterval, status);
  }
  struct Pattern {
    TemplateField field;
    const std::string& pattern;
    PatternKind kind;
  };
  for (const Pattern& p :
       {Pattern{TemplateField::kOverwritePattern, tmpl.overwrite_pattern, PatternKind::kOverwrite},
        Pattern{TemplateField::kSequencePattern, tmpl.sequence_pattern, PatternKind::kSequence}}) {
    if (p.pattern.empty()) continue;
    if (absl::Status status = ValidateObjectPattern(p.pattern, p.kind); !status.ok()) {
      return violation(p.field, status);
    }
  }
  if (tmpl.overwrite_pattern.empty() && tmpl.sequence_pattern.empty()) {
    return TemplateViolation{TemplateField::kStorageModes,
                             "neither an overwrite nor a sequence pattern is set"};
  }
  if (absl::Status status = ValidateOutputDimension(tmpl.width); !status.ok()) {
    return violation(TemplateField::kWidth, status);
  }
  if (absl::Status status = ValidateOutputDimension(tmpl.height); !status.ok()) {
    return violation(TemplateField::kHeight, status);
  }
  if (bucket != nullptr && domain != nullptr) {
    if (absl::Status status = ValidateBucketRegion(*bucket, *domain); !status.ok()) {
      return violation(TemplateField::kBucketRegion, status);
    }
  }
  return std::nullopt;
}

}  // namespace livesnap::snapshot
