#include "server/catalog_seed.h"

#include <gtest/gtest.h>

#include "catalog/testing/status_matchers.h"
#include "catalog/testing/test_database.h"

namespace livesnap::server {
namespace {

using catalog::testing::IsOk;
using catalog::testing::StatusIs;

class CatalogSeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = catalog::testing::TestDatabase::Create(catalog::testing::Backend::kSqlite);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto opened = catalog::OpenCatalog(db_->url());
    ASSERT_TRUE(opened.ok()) << opened.status();
    catalog_ = *std::move(opened);
  }

  std::unique_ptr<catalog::testing::TestDatabase> db_;
  std::unique_ptr<catalog::Catalog> catalog_;
  FakeClock clock_;
};

TEST_F(CatalogSeedTest, EmbeddedDefaultsAreSeededOnce) {
  const Config config = EmbeddedDefaults();
  ASSERT_THAT(SeedCatalog(config, *catalog_, clock_), IsOk());
  auto tmpl = catalog_->GetTemplate("127.0.0.1", "*");
  ASSERT_TRUE(tmpl.ok()) << tmpl.status();
  EXPECT_EQ(tmpl->interval_s, 5);
  EXPECT_EQ(tmpl->endpoint, "file.local");
  // A second start keeps what is there.
  EXPECT_THAT(SeedCatalog(config, *catalog_, clock_), IsOk());
}

TEST_F(CatalogSeedTest, ADomainIsSeededWithItsType) {
  Config config = EmbeddedDefaults();
  config.seed_domains[1].live_domain_type = catalog::kLiveEdge;
  ASSERT_THAT(SeedCatalog(config, *catalog_, clock_), IsOk());
  auto video = catalog_->GetDomain("127.0.0.1");
  ASSERT_TRUE(video.ok()) << video.status();
  EXPECT_EQ(video->live_domain_type, "liveVideo");
  auto edge = catalog_->GetDomain("localhost");
  ASSERT_TRUE(edge.ok()) << edge.status();
  EXPECT_EQ(edge->live_domain_type, "liveEdge");
}

// The config file checks the region when it declares the domain; a domain
// the catalog already holds (added through the API) is checked here.
TEST_F(CatalogSeedTest, TemplateOfADomainInAnotherRegionIsRefused) {
  catalog::Domain domain;
  domain.name = "push.example.com";
  domain.region = "cn-beijing";
  domain.created_ms = 1;
  ASSERT_THAT(catalog_->AddDomain(domain), IsOk());
  Config config = EmbeddedDefaults();
  config.seed_domains.clear();
  config.seed_templates.resize(1);
  config.seed_templates[0].domain = "push.example.com";
  EXPECT_THAT(SeedCatalog(config, *catalog_, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "template push.example.com/*: bucket snapshots is in region local but "
                       "domain push.example.com is in region cn-beijing"));
  EXPECT_FALSE(catalog_->GetTemplate("push.example.com", "*").ok());
}

TEST_F(CatalogSeedTest, TemplateBreakingARuleIsRefused) {
  Config config = EmbeddedDefaults();
  config.seed_templates[0].interval_s = 0;
  EXPECT_THAT(SeedCatalog(config, *catalog_, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, "template 127.0.0.1/*: 0 s is not"));
  config = EmbeddedDefaults();
  config.seed_templates[0].width = 99999;
  EXPECT_THAT(SeedCatalog(config, *catalog_, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, "99999 is not 0..4096"));
}

}  // namespace
}  // namespace livesnap::server
