#include "snapshot/template_rules.h"

#include <gtest/gtest.h>

namespace livesnap::snapshot {
namespace {

catalog::SnapshotTemplate ValidTemplate() {
  catalog::SnapshotTemplate tmpl;
  tmpl.domain = "push.example.com";
  tmpl.app = "live";
  tmpl.interval_s = 5;
  tmpl.bucket = "shots";
  tmpl.overwrite_pattern = "{AppName}/{StreamName}.jpg";
  tmpl.sequence_pattern = "{AppName}/{StreamName}/{Sequence}.jpg";
  return tmpl;
}

TemplateField FieldOf(const catalog::SnapshotTemplate& tmpl) {
  std::optional<TemplateViolation> violation = ValidateTemplate(tmpl);
  EXPECT_TRUE(violation.has_value());
  return violation ? violation->field : TemplateField::kBucketRegion;
}

TEST(TemplateRulesTest, AcceptsAValidTemplate) {
  EXPECT_EQ(ValidateTemplate(ValidTemplate()), std::nullopt);
  catalog::SnapshotTemplate edges = ValidTemplate();
  edges.interval_s = kMaxIntervalS;
  edges.width = kMaxOutputDimension;
  edges.height = 0;
  edges.overwrite_pattern.clear();
  EXPECT_EQ(ValidateTemplate(edges), std::nullopt);
}

TEST(TemplateRulesTest, IntervalIsFiveToThreeThousandSixHundredSeconds) {
  EXPECT_TRUE(ValidateInterval(5).ok());
  EXPECT_TRUE(ValidateInterval(3600).ok());
  EXPECT_FALSE(ValidateInterval(4).ok());
  EXPECT_FALSE(ValidateInterval(3601).ok());
  catalog::SnapshotTemplate tmpl = ValidTemplate();
  tmpl.interval_s = 0;
  std::optional<TemplateViolation> violation = ValidateTemplate(tmpl);
  ASSERT_TRUE(violation.has_value());
  EXPECT_EQ(violation->field, TemplateField::kInterval);
  EXPECT_EQ(violation->message, "0 s is not 5..3600 seconds");
}

TEST(TemplateRulesTest, OutputDimensionIsAtMost4096) {
  EXPECT_EQ(kMaxOutputDimension, 4096);
  EXPECT_TRUE(ValidateOutputDimension(0).ok());
  EXPECT_TRUE(ValidateOutputDimension(4096).ok());
  EXPECT_FALSE(ValidateOutputDimension(4097).ok());
  EXPECT_FALSE(ValidateOutputDimension(-1).ok());
  catalog::SnapshotTemplate wide = ValidTemplate();
  wide.width = 99999;
  EXPECT_EQ(FieldOf(wide), TemplateField::kWidth);
  catalog::SnapshotTemplate tall = ValidTemplate();
  tall.height = 4097;
  EXPECT_EQ(FieldOf(tall), TemplateField::kHeight);
}

TEST(TemplateRulesTest, PatternsFollowValidateObjectPattern) {
  catalog::SnapshotTemplate no_sequence = ValidTemplate();
  no_sequence.sequence_pattern = "{AppName}/{StreamName}.jpg";
  EXPECT_EQ(FieldOf(no_sequence), TemplateField::kSequencePattern);
  catalog::SnapshotTemplate timestamped_overwrite = ValidTemplate();
  timestamped_overwrite.overwrite_pattern = "{AppName}/{UnixTimestamp}.jpg";
  EXPECT_EQ(FieldOf(timestamped_overwrite), TemplateField::kOverwritePattern);
  catalog::SnapshotTemplate neither = ValidTemplate();
  neither.overwrite_pattern.clear();
  neither.sequence_pattern.clear();
  EXPECT_EQ(FieldOf(neither), TemplateField::kStorageModes);
}

TEST(TemplateRulesTest, BucketMustBeInTheDomainsRegion) {
  const catalog::Bucket bucket{"shots", "cn-beijing", "oss.example.com", "s3"};
  catalog::Domain domain;
  domain.name = "push.example.com";
  domain.region = "cn-shanghai";
  std::optional<TemplateViolation> violation = ValidateTemplate(ValidTemplate(), &bucket, &domain);
  ASSERT_TRUE(violation.has_value());
  EXPECT_EQ(violation->field, TemplateField::kBucketRegion);
  EXPECT_EQ(violation->message,
            "bucket shots is in region cn-beijing but domain push.example.com is in region "
            "cn-shanghai");
  domain.region = "cn-beijing";
  EXPECT_EQ(ValidateTemplate(ValidTemplate(), &bucket, &domain), std::nullopt);
}

}  // namespace
}  // namespace livesnap::snapshot
