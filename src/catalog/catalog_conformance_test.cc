// The contract of catalog.h, held against every backend: each test runs on a
// fresh SQLite file and on a fresh database of a real PostgreSQL server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

#include "catalog/catalog.h"
#include "catalog/testing/status_matchers.h"
#include "catalog/testing/test_database.h"

namespace livesnap::catalog {
namespace {

using testing::Backend;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using testing::IsOk;
using testing::IsOkAndHolds;
using testing::StatusIs;
using testing::TestDatabase;

constexpr auto kNotFound = absl::StatusCode::kNotFound;
constexpr auto kAlreadyExists = absl::StatusCode::kAlreadyExists;
constexpr auto kFailedPrecondition = absl::StatusCode::kFailedPrecondition;
constexpr auto kInvalidArgument = absl::StatusCode::kInvalidArgument;
constexpr auto kUnavailable = absl::StatusCode::kUnavailable;

Domain MakeDomain(std::string name, int64_t created_ms = 1'700'000'000'000) {
  return Domain{.name = std::move(name), .region = "cn-shanghai", .created_ms = created_ms};
}

Bucket MakeBucket(std::string name) {
  return Bucket{.name = std::move(name),
                .region = "cn-shanghai",
                .endpoint = "oss-cn-shanghai.aliyuncs.com",
                .kind = "s3"};
}

SnapshotTemplate MakeTemplate(std::string domain, std::string app, int64_t created_ms = 1000) {
  return SnapshotTemplate{.domain = std::move(domain),
                          .app = std::move(app),
                          .interval_s = 5,
                          .endpoint = "oss-cn-shanghai.aliyuncs.com",
                          .bucket = "snapshots",
                          .overwrite_pattern = "{AppName}/{StreamName}.jpg",
                          .sequence_pattern = "{AppName}/{StreamName}/{Sequence}.jpg",
                          .callback = "http://hooks.example.com/snapshot",
                          .width = 640,
                          .height = 360,
                          .created_ms = created_ms,
                          .updated_ms = created_ms};
}

SnapshotRecord MakeRecord(std::string stream, int64_t capture_ms, int64_t sequence = -1) {
  return SnapshotRecord{.domain = "push.example.com",
                        .app = "live",
                        .stream = std::move(stream),
                        .endpoint = "oss-cn-shanghai.aliyuncs.com",
                        .bucket = "snapshots",
                        .object_key = "live/s/" + std::to_string(capture_ms) + ".jpg",
                        .overlay = sequence < 0,
                        .sequence = sequence,
                        .capture_ms = capture_ms,
                        .size_bytes = 40'000 + capture_ms % 1000,
                        .width = 1280,
                        .height = 720};
}

std::vector<int64_t> Captures(const std::vector<SnapshotRecord>& records) {
  std::vector<int64_t> captures;
  for (const SnapshotRecord& record : records) captures.push_back(record.capture_ms);
  return captures;
}

std::vector<std::string> Apps(const std::vector<SnapshotTemplate>& templates) {
  std::vector<std::string> apps;
  for (const SnapshotTemplate& tmpl : templates) apps.push_back(tmpl.app);
  return apps;
}

void ExpectSameTemplate(const SnapshotTemplate& got, const SnapshotTemplate& want) {
  EXPECT_EQ(got.domain, want.domain);
  EXPECT_EQ(got.app, want.app);
  EXPECT_EQ(got.interval_s, want.interval_s);
  EXPECT_EQ(got.endpoint, want.endpoint);
  EXPECT_EQ(got.bucket, want.bucket);
  EXPECT_EQ(got.overwrite_pattern, want.overwrite_pattern);
  EXPECT_EQ(got.sequence_pattern, want.sequence_pattern);
  EXPECT_EQ(got.callback, want.callback);
  EXPECT_EQ(got.width, want.width);
  EXPECT_EQ(got.height, want.height);
  EXPECT_EQ(got.created_ms, want.created_ms);
  EXPECT_EQ(got.updated_ms, want.updated_ms);
}

class CatalogConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestDatabase>> database = TestDatabase::Create(GetParam());
    ASSERT_THAT(database, IsOk());
    database_ = std::move(*database);
    Reopen();
  }

  // Closes the catalog and opens the same database again, as a restart does.
  void Reopen() {
    catalog_.reset();
    absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog(database_->url());
    ASSERT_THAT(catalog, IsOk());
    catalog_ = std::move(*catalog);
  }

  // The domain push.example.com and the bucket "snapshots" every template test uses.
  void AddDomainAndBucket() {
    ASSERT_THAT(catalog_->AddDomain(MakeDomain("push.example.com")), IsOk());
    ASSERT_THAT(catalog_->UpsertBucket(MakeBucket("snapshots")), IsOk());
  }

  Catalog& catalog() { return *catalog_; }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Catalog> catalog_;  // closed before the database is removed
};

TEST_P(CatalogConformanceTest, DomainsRoundTripAndListInNameOrder) {
  ASSERT_THAT(catalog().AddDomain(MakeDomain("b.example.com", 2000)), IsOk());
  ASSERT_THAT(catalog().AddDomain(MakeDomain("a.example.com", 1000)), IsOk());

  absl::StatusOr<Domain> domain = catalog().GetDomain("b.example.com");
  ASSERT_THAT(domain, IsOk());
  EXPECT_EQ(domain->name, "b.example.com");
  EXPECT_EQ(domain->region, "cn-shanghai");
  EXPECT_EQ(domain->created_ms, 2000);

  absl::StatusOr<std::vector<Domain>> domains = catalog().ListDomains();
  ASSERT_THAT(domains, IsOk());
  EXPECT_THAT(*domains, ElementsAre(Field(&Domain::name, "a.example.com"),
                                    Field(&Domain::name, "b.example.com")));
}

TEST_P(CatalogConformanceTest, DomainErrors) {
  ASSERT_THAT(catalog().AddDomain(MakeDomain("push.example.com")), IsOk());
  EXPECT_THAT(catalog().AddDomain(MakeDomain("push.example.com")),
              StatusIs(kAlreadyExists, "\"push.example.com\""));
  EXPECT_THAT(catalog().GetDomain("other.example.com"),
              StatusIs(kNotFound, "\"other.example.com\""));
  EXPECT_THAT(catalog().DeleteDomain("other.example.com"),
              StatusIs(kNotFound, "\"other.example.com\""));
  EXPECT_THAT(catalog().AddDomain(MakeDomain("")), StatusIs(kInvalidArgument, "empty"));
  EXPECT_THAT(catalog().AddDomain(MakeDomain(std::string("a\0b", 3))),
              StatusIs(kInvalidArgument, "NUL"));
  EXPECT_THAT(catalog().AddDomain(MakeDomain("bad\xff.example.com")),
              StatusIs(kInvalidArgument, "UTF-8"));
  EXPECT_THAT(catalog().GetDomain("push.example.com"), IsOk());
}

TEST_P(CatalogConformanceTest, DomainTypeAndCallbackAuthRoundTrip) {
  ASSERT_THAT(catalog().AddDomain(MakeDomain("video.example.com")), IsOk());
  Domain edge = MakeDomain(".edge.example.com");
  edge.live_domain_type = kLiveEdge;
  edge.callback_auth = {.req_auth = true, .auth_key = "callbackKey1234567"};
  ASSERT_THAT(catalog().AddDomain(edge), IsOk());

  absl::StatusOr<Domain> video = catalog().GetDomain("video.example.com");
  ASSERT_THAT(video, IsOk());
  EXPECT_EQ(video->live_domain_type, "liveVideo");
  EXPECT_FALSE(video->callback_auth.req_auth);
  EXPECT_EQ(video->callback_auth.auth_key, "");
  absl::StatusOr<std::vector<Domain>> domains = catalog().ListDomains();
  ASSERT_THAT(domains, IsOk());
  ASSERT_EQ(domains->size(), 2u);
  EXPECT_EQ((*domains)[0].name, ".edge.example.com");
  EXPECT_EQ((*domains)[0].live_domain_type, "liveEdge");
  EXPECT_TRUE((*domains)[0].callback_auth.req_auth);
  EXPECT_EQ((*domains)[0].callback_auth.auth_key, "callbackKey1234567");

  // Replaced, then turned off; the rest of the domain stays.
  ASSERT_THAT(catalog().SetCallbackAuth("video.example.com",
                                        {.req_auth = true, .auth_key = "otherKey1234567890"}),
              IsOk());
  video = catalog().GetDomain("video.example.com");
  ASSERT_THAT(video, IsOk());
  EXPECT_TRUE(video->callback_auth.req_auth);
  EXPECT_EQ(video->callback_auth.auth_key, "otherKey1234567890");
  ASSERT_THAT(catalog().SetCallbackAuth(".edge.example.com", {}), IsOk());
  absl::StatusOr<Domain> got = catalog().GetDomain(".edge.example.com");
  ASSERT_THAT(got, IsOk());
  EXPECT_FALSE(got->callback_auth.req_auth);
  EXPECT_EQ(got->callback_auth.auth_key, "");
  EXPECT_EQ(got->live_domain_type, "liveEdge");
  EXPECT_EQ(got->region, "cn-shanghai");
  Reopen();
  video = catalog().GetDomain("video.example.com");
  ASSERT_THAT(video, IsOk());
  EXPECT_EQ(video->callback_auth.auth_key, "otherKey1234567890");

  EXPECT_THAT(catalog().SetCallbackAuth("none.example.com", {}),
              StatusIs(kNotFound, "\"none.example.com\""));
  EXPECT_THAT(catalog().SetCallbackAuth("video.example.com", {.req_auth = true}),
              StatusIs(kInvalidArgument, "key"));
  Domain bad = MakeDomain("bad.example.com");
  bad.live_domain_type = "liveAudio";
  EXPECT_THAT(catalog().AddDomain(bad), StatusIs(kInvalidArgument, "liveAudio"));
  EXPECT_THAT(catalog().GetDomain("bad.example.com"), StatusIs(kNotFound, ""));
}

// Domains written before schema version 5 read as streaming domains without
// callback signing.
TEST_P(CatalogConformanceTest, DomainsOfAnOlderSchemaAreStreamingDomainsWithoutSigning) {
  catalog_.reset();
  for (const char* column : {"live_domain_type", "callback_req_auth", "callback_auth_key"}) {
    ASSERT_THAT(database_->Exec(std::string("ALTER TABLE domains DROP COLUMN ") + column), IsOk());
  }
  // Nor what version 6 added to the registry's live streams.
  for (const char* column : {"video_codec", "audio_codec", "width", "height", "frame_rate_milli",
                             "bytes", "video_frames", "keyframes", "audio_frames", "bitrate_kbps",
                             "video_bitrate_kbps", "audio_bitrate_kbps", "reported_ms"}) {
    ASSERT_THAT(database_->Exec(std::string("ALTER TABLE live_streams DROP COLUMN ") + column),
                IsOk());
  }
  ASSERT_THAT(database_->Exec("DELETE FROM schema_version WHERE version >= 5"), IsOk());
  ASSERT_THAT(database_->Exec("INSERT INTO domains (name, region, created_ms)"
                              " VALUES ('old.example.com', 'cn-shanghai', 1000)"),
              IsOk());
  Reopen();
  absl::StatusOr<Domain> domain = catalog().GetDomain("old.example.com");
  ASSERT_THAT(domain, IsOk());
  EXPECT_EQ(domain->live_domain_type, "liveVideo");
  EXPECT_FALSE(domain->callback_auth.req_auth);
  EXPECT_EQ(domain->callback_auth.auth_key, "");
  EXPECT_EQ(domain->created_ms, 1000);
}

TEST_P(CatalogConformanceTest, TextRoundTripsUnchanged) {
  Domain domain = MakeDomain("例子.example.com");
  domain.region = "it's \"quoted\"; DROP TABLE domains; --";
  ASSERT_THAT(catalog().AddDomain(domain), IsOk());
  absl::StatusOr<Domain> got = catalog().GetDomain("例子.example.com");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->region, domain.region);
  EXPECT_THAT(catalog().ListDomains(), IsOk());
}

TEST_P(CatalogConformanceTest, BucketsAreUpsertedByName) {
  ASSERT_THAT(catalog().UpsertBucket(MakeBucket("snapshots")), IsOk());
  Bucket changed = MakeBucket("snapshots");
  changed.region = "cn-beijing";
  changed.endpoint = "file.local";
  changed.kind = "file";
  ASSERT_THAT(catalog().UpsertBucket(changed), IsOk());
  ASSERT_THAT(catalog().UpsertBucket(MakeBucket("archive")), IsOk());

  absl::StatusOr<Bucket> bucket = catalog().GetBucket("snapshots");
  ASSERT_THAT(bucket, IsOk());
  EXPECT_EQ(bucket->region, "cn-beijing");
  EXPECT_EQ(bucket->endpoint, "file.local");
  EXPECT_EQ(bucket->kind, "file");

  absl::StatusOr<std::vector<Bucket>> buckets = catalog().ListBuckets();
  ASSERT_THAT(buckets, IsOk());
  EXPECT_THAT(*buckets,
              ElementsAre(Field(&Bucket::name, "archive"), Field(&Bucket::name, "snapshots")));
  EXPECT_THAT(catalog().GetBucket("missing"), StatusIs(kNotFound, "\"missing\""));
}

TEST_P(CatalogConformanceTest, TemplateRoundTripsEveryField) {
  AddDomainAndBucket();
  SnapshotTemplate tmpl = MakeTemplate("push.example.com", "live", 1234);
  tmpl.updated_ms = 5678;
  ASSERT_THAT(catalog().AddTemplate(tmpl), IsOk());
  absl::StatusOr<SnapshotTemplate> got = catalog().GetTemplate("push.example.com", "live");
  ASSERT_THAT(got, IsOk());
  ExpectSameTemplate(*got, tmpl);
}

TEST_P(CatalogConformanceTest, AddTemplateErrorsNameWhatIsWrong) {
  AddDomainAndBucket();
  ASSERT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "live")), IsOk());
  EXPECT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "live")),
              StatusIs(kAlreadyExists, "\"live\""));
  EXPECT_THAT(catalog().AddTemplate(MakeTemplate("unknown.example.com", "live")),
              StatusIs(kFailedPrecondition, "domain \"unknown.example.com\""));
  SnapshotTemplate no_bucket = MakeTemplate("push.example.com", "other");
  no_bucket.bucket = "nowhere";
  EXPECT_THAT(catalog().AddTemplate(no_bucket),
              StatusIs(kFailedPrecondition, "bucket \"nowhere\""));
  EXPECT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "")),
              StatusIs(kInvalidArgument, "AppName"));
  EXPECT_THAT(catalog().GetTemplate("push.example.com", "other"), StatusIs(kNotFound, "\"other\""));
}

TEST_P(CatalogConformanceTest, UpdateTemplateReplacesAllButCreated) {
  AddDomainAndBucket();
  ASSERT_THAT(catalog().UpsertBucket(MakeBucket("archive")), IsOk());
  ASSERT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "live", 1000)), IsOk());

  SnapshotTemplate update = MakeTemplate("push.example.com", "live", 9999);
  update.interval_s = 60;
  update.bucket = "archive";
  update.endpoint = "file.local";
  update.overwrite_pattern = "";
  update.sequence_pattern = "{AppName}/{StreamName}/{UnixTimestamp}.jpg";
  update.callback = "";
  update.width = 0;
  update.height = 240;
  update.updated_ms = 2000;
  ASSERT_THAT(catalog().UpdateTemplate(update), IsOk());

  absl::StatusOr<SnapshotTemplate> got = catalog().GetTemplate("push.example.com", "live");
  ASSERT_THAT(got, IsOk());
  SnapshotTemplate want = update;
  want.created_ms = 1000;
  ExpectSameTemplate(*got, want);
}

TEST_P(CatalogConformanceTest, UpdateTemplateErrors) {
  AddDomainAndBucket();
  ASSERT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "live")), IsOk());
  EXPECT_THAT(catalog().UpdateTemplate(MakeTemplate("push.example.com", "other")),
              StatusIs(kNotFound, "\"other\""));
  SnapshotTemplate no_bucket = MakeTemplate("push.example.com", "live");
  no_bucket.bucket = "nowhere";
  no_bucket.interval_s = 99;
  EXPECT_THAT(catalog().UpdateTemplate(no_bucket), StatusIs(kFailedPrecondition, "\"nowhere\""));
  absl::StatusOr<SnapshotTemplate> unchanged = catalog().GetTemplate("push.example.com", "live");
  ASSERT_THAT(unchanged, IsOk());
  EXPECT_EQ(unchanged->interval_s, 5);
  EXPECT_EQ(unchanged->bucket, "snapshots");
}

TEST_P(CatalogConformanceTest, DeleteTemplate) {
  AddDomainAndBucket();
  ASSERT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "live")), IsOk());
  ASSERT_THAT(catalog().DeleteTemplate("push.example.com", "live"), IsOk());
  EXPECT_THAT(catalog().GetTemplate("push.example.com", "live"), StatusIs(kNotFound, "\"live\""));
  EXPECT_THAT(catalog().DeleteTemplate("push.example.com", "live"),
              StatusIs(kNotFound, "\"live\""));
  EXPECT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "live")), IsOk());
}

TEST_P(CatalogConformanceTest, ResolveTemplatePrefersExactAppThenStar) {
  AddDomainAndBucket();
  ASSERT_THAT(catalog().AddDomain(MakeDomain("other.example.com")), IsOk());
  SnapshotTemplate star = MakeTemplate("push.example.com", "*");
  star.interval_s = 30;
  SnapshotTemplate live = MakeTemplate("push.example.com", "live");
  live.interval_s = 10;
  ASSERT_THAT(catalog().AddTemplate(star), IsOk());
  ASSERT_THAT(catalog().AddTemplate(live), IsOk());

  absl::StatusOr<std::optional<SnapshotTemplate>> exact =
      catalog().ResolveTemplate("push.example.com", "live");
  ASSERT_THAT(exact, IsOk());
  ASSERT_TRUE(exact->has_value());
  EXPECT_EQ((*exact)->app, "live");
  EXPECT_EQ((*exact)->interval_s, 10);

  absl::StatusOr<std::optional<SnapshotTemplate>> fallback =
      catalog().ResolveTemplate("push.example.com", "sports");
  ASSERT_THAT(fallback, IsOk());
  ASSERT_TRUE(fallback->has_value());
  EXPECT_EQ((*fallback)->app, "*");
  EXPECT_EQ((*fallback)->interval_s, 30);

  // Another domain's "*" never applies, and an unknown domain has none.
  absl::StatusOr<std::optional<SnapshotTemplate>> none =
      catalog().ResolveTemplate("other.example.com", "live");
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
  absl::StatusOr<std::optional<SnapshotTemplate>> unknown =
      catalog().ResolveTemplate("unknown.example.com", "live");
  ASSERT_THAT(unknown, IsOk());
  EXPECT_FALSE(unknown->has_value());

  // The resolved value is a copy: later changes do not reach it.
  ASSERT_THAT(catalog().DeleteTemplate("push.example.com", "live"), IsOk());
  EXPECT_EQ((*exact)->interval_s, 10);
  absl::StatusOr<std::optional<SnapshotTemplate>> after =
      catalog().ResolveTemplate("push.example.com", "live");
  ASSERT_THAT(after, IsOk());
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ((*after)->app, "*");
}

TEST_P(CatalogConformanceTest, ListTemplatesPagesInCreatedThenAppOrder) {
  AddDomainAndBucket();
  ASSERT_THAT(catalog().AddDomain(MakeDomain("other.example.com")), IsOk());
  // created_ms 300 for two apps, so AppName breaks the tie.
  for (auto [app, created_ms] : std::vector<std::pair<std::string, int64_t>>{
           {"e", 100}, {"d", 300}, {"c", 300}, {"b", 200}, {"a", 500}}) {
    ASSERT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", app, created_ms)), IsOk());
  }
  ASSERT_THAT(catalog().AddTemplate(MakeTemplate("other.example.com", "z", 50)), IsOk());

  TemplateQuery query{.domain = "push.example.com", .offset = 0, .limit = 10};
  absl::StatusOr<TemplatePage> all = catalog().ListTemplates(query);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->total, 5);
  EXPECT_THAT(Apps(all->items), ElementsAre("e", "b", "c", "d", "a"));

  query.order = SortOrder::kDescending;
  absl::StatusOr<TemplatePage> descending = catalog().ListTemplates(query);
  ASSERT_THAT(descending, IsOk());
  EXPECT_THAT(Apps(descending->items), ElementsAre("a", "d", "c", "b", "e"));

  query.order = SortOrder::kAscending;
  query.limit = 2;
  std::vector<std::string> paged;
  for (query.offset = 0; query.offset < 6; query.offset += 2) {
    absl::StatusOr<TemplatePage> page = catalog().ListTemplates(query);
    ASSERT_THAT(page, IsOk());
    EXPECT_EQ(page->total, 5);
    EXPECT_LE(page->items.size(), 2u);
    for (const std::string& app : Apps(page->items)) paged.push_back(app);
  }
  EXPECT_THAT(paged, ElementsAre("e", "b", "c", "d", "a"));

  query.offset = 10;
  absl::StatusOr<TemplatePage> beyond = catalog().ListTemplates(query);
  ASSERT_THAT(beyond, IsOk());
  EXPECT_THAT(beyond->items, IsEmpty());
  EXPECT_EQ(beyond->total, 5);

  query.offset = 0;
  query.limit = 0;
  absl::StatusOr<TemplatePage> counted = catalog().ListTemplates(query);
  ASSERT_THAT(counted, IsOk());
  EXPECT_THAT(counted->items, IsEmpty());
  EXPECT_EQ(counted->total, 5);
}

TEST_P(CatalogConformanceTest, ListTemplatesFiltersByApp) {
  AddDomainAndBucket();
  ASSERT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "live")), IsOk());
  ASSERT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "*")), IsOk());

  TemplateQuery query{.domain = "push.example.com", .app = "live"};
  absl::StatusOr<TemplatePage> live = catalog().ListTemplates(query);
  ASSERT_THAT(live, IsOk());
  EXPECT_EQ(live->total, 1);
  EXPECT_THAT(Apps(live->items), ElementsAre("live"));

  query.app = "sports";  // a filter, not a resolution: "*" is not returned
  absl::StatusOr<TemplatePage> none = catalog().ListTemplates(query);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->total, 0);
  EXPECT_THAT(none->items, IsEmpty());

  query.app = std::nullopt;
  query.domain = "unknown.example.com";
  absl::StatusOr<TemplatePage> unknown = catalog().ListTemplates(query);
  ASSERT_THAT(unknown, IsOk());
  EXPECT_EQ(unknown->total, 0);
}

TEST_P(CatalogConformanceTest, ListTemplatesRejectsNegativePaging) {
  EXPECT_THAT(catalog().ListTemplates({.domain = "push.example.com", .offset = -1}),
              StatusIs(kInvalidArgument, "offset -1"));
  EXPECT_THAT(catalog().ListTemplates({.domain = "push.example.com", .limit = -5}),
              StatusIs(kInvalidArgument, "limit -5"));
}

TEST_P(CatalogConformanceTest, PushAuthSetReplaceListDelete) {
  AddDomainAndBucket();
  EXPECT_THAT(catalog().GetPushAuth("push.example.com"),
              StatusIs(kNotFound, "\"push.example.com\""));
  PushAuth auth{.domain = "push.example.com",
                .auth_type = "type_a",
                .auth_key1 = "primary1",
                .auth_key2 = "",
                .delta_s = 1800};
  ASSERT_THAT(catalog().SetPushAuth(auth), IsOk());
  auth.auth_key2 = "secondary2";
  auth.delta_s = 600;
  ASSERT_THAT(catalog().SetPushAuth(auth), IsOk());

  absl::StatusOr<PushAuth> got = catalog().GetPushAuth("push.example.com");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->auth_type, "type_a");
  EXPECT_EQ(got->auth_key1, "primary1");
  EXPECT_EQ(got->auth_key2, "secondary2");
  EXPECT_EQ(got->delta_s, 600);
  absl::StatusOr<std::vector<PushAuth>> all = catalog().ListPushAuths();
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].domain, "push.example.com");

  auth.delta_s = 0;
  EXPECT_THAT(catalog().SetPushAuth(auth), StatusIs(kInvalidArgument, "auth delta"));
  auth.delta_s = 60;
  auth.domain = "unknown.example.com";
  EXPECT_THAT(catalog().SetPushAuth(auth),
              StatusIs(kFailedPrecondition, "domain \"unknown.example.com\""));

  ASSERT_THAT(catalog().DeletePushAuth("push.example.com"), IsOk());
  EXPECT_THAT(catalog().GetPushAuth("push.example.com"), StatusIs(kNotFound, ""));
  EXPECT_THAT(catalog().DeletePushAuth("push.example.com"), StatusIs(kNotFound, ""));
  // Deleting the domain deletes its signing settings.
  auth.domain = "push.example.com";
  ASSERT_THAT(catalog().SetPushAuth(auth), IsOk());
  ASSERT_THAT(catalog().DeleteDomain("push.example.com"), IsOk());
  EXPECT_THAT(catalog().ListPushAuths(), IsOkAndHolds(::testing::IsEmpty()));
}

TEST_P(CatalogConformanceTest, NotifyConfigSetReplaceDelete) {
  AddDomainAndBucket();
  EXPECT_THAT(catalog().GetNotifyConfig("push.example.com"),
              StatusIs(kNotFound, "\"push.example.com\""));
  NotifyConfig config{.domain = "push.example.com",
                      .notify_url = "http://hooks.example.com/a",
                      .req_auth = true,
                      .auth_key = "secret-1"};
  ASSERT_THAT(catalog().SetNotifyConfig(config), IsOk());
  config.notify_url = "http://hooks.example.com/b";
  config.req_auth = false;
  config.auth_key = "";
  ASSERT_THAT(catalog().SetNotifyConfig(config), IsOk());

  absl::StatusOr<NotifyConfig> got = catalog().GetNotifyConfig("push.example.com");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->domain, "push.example.com");
  EXPECT_EQ(got->notify_url, "http://hooks.example.com/b");
  EXPECT_FALSE(got->req_auth);
  EXPECT_EQ(got->auth_key, "");

  ASSERT_THAT(catalog().DeleteNotifyConfig("push.example.com"), IsOk());
  EXPECT_THAT(catalog().GetNotifyConfig("push.example.com"), StatusIs(kNotFound, ""));
  EXPECT_THAT(catalog().DeleteNotifyConfig("push.example.com"),
              StatusIs(kNotFound, "\"push.example.com\""));
  config.domain = "unknown.example.com";
  EXPECT_THAT(catalog().SetNotifyConfig(config),
              StatusIs(kFailedPrecondition, "domain \"unknown.example.com\""));
}

TEST_P(CatalogConformanceTest, DeleteDomainRemovesItsTemplatesAndNotifyConfig) {
  AddDomainAndBucket();
  ASSERT_THAT(catalog().AddDomain(MakeDomain("other.example.com")), IsOk());
  for (const char* domain : {"push.example.com", "other.example.com"}) {
    ASSERT_THAT(catalog().AddTemplate(MakeTemplate(domain, "live")), IsOk());
    ASSERT_THAT(catalog().AddTemplate(MakeTemplate(domain, "*")), IsOk());
    ASSERT_THAT(catalog().SetNotifyConfig({.domain = domain, .notify_url = "http://h/"}), IsOk());
  }
  ASSERT_THAT(catalog().NextSequence("push.example.com", "live", "s"), IsOk());
  ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("s", 1000)), IsOk());

  ASSERT_THAT(catalog().DeleteDomain("push.example.com"), IsOk());
  EXPECT_THAT(catalog().GetDomain("push.example.com"), StatusIs(kNotFound, ""));
  EXPECT_THAT(catalog().GetTemplate("push.example.com", "live"), StatusIs(kNotFound, ""));
  EXPECT_THAT(catalog().GetNotifyConfig("push.example.com"), StatusIs(kNotFound, ""));

  // Re-adding the domain brings none of it back...
  ASSERT_THAT(catalog().AddDomain(MakeDomain("push.example.com")), IsOk());
  absl::StatusOr<TemplatePage> page = catalog().ListTemplates({.domain = "push.example.com"});
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->total, 0);
  EXPECT_THAT(catalog().GetNotifyConfig("push.example.com"), StatusIs(kNotFound, ""));
  // ...but history stays, and sequence numbers continue rather than repeat.
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "s"), IsOkAndHolds(1));
  absl::StatusOr<std::vector<SnapshotRecord>> records = catalog().QuerySnapshotRecords(
      {.domain = "push.example.com", .app = "live", .stream = "s", .end_ms = 10'000});
  ASSERT_THAT(records, IsOk());
  EXPECT_EQ(records->size(), 1u);

  // The other domain is untouched.
  EXPECT_THAT(catalog().GetTemplate("other.example.com", "live"), IsOk());
  EXPECT_THAT(catalog().GetTemplate("other.example.com", "*"), IsOk());
  EXPECT_THAT(catalog().GetNotifyConfig("other.example.com"), IsOk());
}

TEST_P(CatalogConformanceTest, SequencesStartAtZeroPerStream) {
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "a"), IsOkAndHolds(0));
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "a"), IsOkAndHolds(1));
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "a"), IsOkAndHolds(2));
  // Every part of (domain, app, stream) makes a different counter.
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "b"), IsOkAndHolds(0));
  EXPECT_THAT(catalog().NextSequence("push.example.com", "game", "a"), IsOkAndHolds(0));
  EXPECT_THAT(catalog().NextSequence("pull.example.com", "live", "a"), IsOkAndHolds(0));
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "a"), IsOkAndHolds(3));
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", ""),
              StatusIs(kInvalidArgument, "stream name"));
}

TEST_P(CatalogConformanceTest, SequencesContinueAfterReopen) {
  for (int64_t want = 0; want < 5; ++want) {
    EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "s"), IsOkAndHolds(want));
  }
  Reopen();
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "s"), IsOkAndHolds(5));
  Reopen();
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "s"), IsOkAndHolds(6));
  EXPECT_THAT(catalog().NextSequence("push.example.com", "live", "t"), IsOkAndHolds(0));
}

TEST_P(CatalogConformanceTest, SequencesFromManyThreadsNeitherRepeatNorSkip) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  const std::vector<std::string> streams = {"a", "b", "c"};
  std::mutex mu;
  std::map<std::string, std::vector<int64_t>> got;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string& stream = streams[(t + i) % streams.size()];
        absl::StatusOr<int64_t> n = catalog().NextSequence("push.example.com", "live", stream);
        std::lock_guard lock(mu);
        if (n.ok()) {
          got[stream].push_back(*n);
        } else {
          errors.push_back(n.status().ToString());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(errors, IsEmpty());
  for (const std::string& stream : streams) {
    std::vector<int64_t> numbers = got[stream];
    std::sort(numbers.begin(), numbers.end());
    std::vector<int64_t> want(kThreads * kPerThread / streams.size());
    std::iota(want.begin(), want.end(), 0);
    EXPECT_EQ(numbers, want) << "stream " << stream;
  }
}

TEST_P(CatalogConformanceTest, SnapshotRecordsRoundTripEveryField) {
  SnapshotRecord overwrite = MakeRecord("s", 1000);
  SnapshotRecord sequence = MakeRecord("s", 2000, 7);
  sequence.object_key = "live/s/7.jpg";
  sequence.size_bytes = 5'000'000'000;  // beyond 32 bits
  ASSERT_THAT(catalog().AddSnapshotRecord(overwrite), IsOk());
  ASSERT_THAT(catalog().AddSnapshotRecord(sequence), IsOk());

  absl::StatusOr<std::vector<SnapshotRecord>> records = catalog().QuerySnapshotRecords(
      {.domain = "push.example.com", .app = "live", .stream = "s", .end_ms = 3000});
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const SnapshotRecord& got = (*records)[i];
    const SnapshotRecord& want = i == 0 ? overwrite : sequence;
    EXPECT_EQ(got.domain, want.domain);
    EXPECT_EQ(got.app, want.app);
    EXPECT_EQ(got.stream, want.stream);
    EXPECT_EQ(got.endpoint, want.endpoint);
    EXPECT_EQ(got.bucket, want.bucket);
    EXPECT_EQ(got.object_key, want.object_key);
    EXPECT_EQ(got.overlay, want.overlay);
    EXPECT_EQ(got.sequence, want.sequence);
    EXPECT_EQ(got.capture_ms, want.capture_ms);
    EXPECT_EQ(got.size_bytes, want.size_bytes);
    EXPECT_EQ(got.width, want.width);
    EXPECT_EQ(got.height, want.height);
  }
}

TEST_P(CatalogConformanceTest, QuerySnapshotRecordsRangeLimitAndOrder) {
  for (int64_t capture_ms : {5000, 1000, 3000, 2000, 4000, 6000}) {
    ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("s", capture_ms)), IsOk());
  }
  // Other streams, apps and domains never leak in.
  ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("t", 3500)), IsOk());
  SnapshotRecord other_app = MakeRecord("s", 3500);
  other_app.app = "game";
  ASSERT_THAT(catalog().AddSnapshotRecord(other_app), IsOk());
  SnapshotRecord other_domain = MakeRecord("s", 3500);
  other_domain.domain = "other.example.com";
  ASSERT_THAT(catalog().AddSnapshotRecord(other_domain), IsOk());

  RecordQuery query{.domain = "push.example.com",
                    .app = "live",
                    .stream = "s",
                    .start_ms = 2000,  // inclusive
                    .end_ms = 5000,    // exclusive
                    .limit = 10};
  absl::StatusOr<std::vector<SnapshotRecord>> ascending = catalog().QuerySnapshotRecords(query);
  ASSERT_THAT(ascending, IsOk());
  EXPECT_THAT(Captures(*ascending), ElementsAre(2000, 3000, 4000));

  query.order = SortOrder::kDescending;
  absl::StatusOr<std::vector<SnapshotRecord>> descending = catalog().QuerySnapshotRecords(query);
  ASSERT_THAT(descending, IsOk());
  EXPECT_THAT(Captures(*descending), ElementsAre(4000, 3000, 2000));

  // The API pages by asking for one more than it shows: the extra record's
  // capture time is the next page's start.
  query.order = SortOrder::kAscending;
  query.start_ms = 0;
  query.end_ms = 10'000;
  query.limit = 3;
  absl::StatusOr<std::vector<SnapshotRecord>> first = catalog().QuerySnapshotRecords(query);
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(Captures(*first), ElementsAre(1000, 2000, 3000));
  query.start_ms = 4000;
  absl::StatusOr<std::vector<SnapshotRecord>> second = catalog().QuerySnapshotRecords(query);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(Captures(*second), ElementsAre(4000, 5000, 6000));

  query.limit = 0;
  absl::StatusOr<std::vector<SnapshotRecord>> none = catalog().QuerySnapshotRecords(query);
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, IsEmpty());
  query.limit = -1;
  EXPECT_THAT(catalog().QuerySnapshotRecords(query), StatusIs(kInvalidArgument, "limit -1"));
}

TEST_P(CatalogConformanceTest, RecordsWithEqualCaptureTimesKeepInsertionOrder) {
  for (int64_t sequence = 0; sequence < 4; ++sequence) {
    ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("s", 1000, sequence)), IsOk());
  }
  RecordQuery query{
      .domain = "push.example.com", .app = "live", .stream = "s", .end_ms = 2000, .limit = 10};
  absl::StatusOr<std::vector<SnapshotRecord>> ascending = catalog().QuerySnapshotRecords(query);
  ASSERT_THAT(ascending, IsOk());
  EXPECT_THAT(
      *ascending,
      ElementsAre(Field(&SnapshotRecord::sequence, 0), Field(&SnapshotRecord::sequence, 1),
                  Field(&SnapshotRecord::sequence, 2), Field(&SnapshotRecord::sequence, 3)));
  query.order = SortOrder::kDescending;
  absl::StatusOr<std::vector<SnapshotRecord>> descending = catalog().QuerySnapshotRecords(query);
  ASSERT_THAT(descending, IsOk());
  EXPECT_THAT(
      *descending,
      ElementsAre(Field(&SnapshotRecord::sequence, 3), Field(&SnapshotRecord::sequence, 2),
                  Field(&SnapshotRecord::sequence, 1), Field(&SnapshotRecord::sequence, 0)));
}

// A record write retried after its reply was lost (the first one went
// through) leaves one record; a record that differs in anything that names
// the snapshot is a record of its own.
TEST_P(CatalogConformanceTest, ASequenceRecordWrittenTwiceIsKeptOnce) {
  const SnapshotRecord record = MakeRecord("s", 1000, 7);
  ASSERT_THAT(catalog().AddSnapshotRecord(record), IsOk());
  ASSERT_THAT(catalog().AddSnapshotRecord(record), IsOk());
  SnapshotRecord later = record;
  later.capture_ms = 1001;
  ASSERT_THAT(catalog().AddSnapshotRecord(later), IsOk());
  SnapshotRecord renumbered = record;
  renumbered.sequence = 8;
  ASSERT_THAT(catalog().AddSnapshotRecord(renumbered), IsOk());
  SnapshotRecord elsewhere = record;
  elsewhere.bucket = "archive";
  ASSERT_THAT(catalog().AddSnapshotRecord(elsewhere), IsOk());
  absl::StatusOr<std::vector<SnapshotRecord>> records = catalog().QuerySnapshotRecords(
      {.domain = "push.example.com", .app = "live", .stream = "s", .end_ms = 10'000});
  ASSERT_THAT(records, IsOk());
  EXPECT_THAT(Captures(*records), ElementsAre(1000, 1000, 1000, 1001));
}

TEST_P(CatalogConformanceTest, OverlayRecordReplacesTheOneOfTheSameObject) {
  auto overlay = [](std::string stream, int64_t capture_ms, std::string bucket = "snapshots") {
    SnapshotRecord record = MakeRecord(std::move(stream), capture_ms);
    record.object_key = "live/" + record.stream + ".jpg";
    record.bucket = std::move(bucket);
    return record;
  };
  for (int64_t capture_ms : {1000, 2000, 3000}) {
    ASSERT_THAT(catalog().AddSnapshotRecord(overlay("s", capture_ms)), IsOk());
  }
  SnapshotRecord newest = overlay("s", 4000);
  newest.size_bytes = 123;
  newest.width = 640;
  newest.height = 360;
  ASSERT_THAT(catalog().AddSnapshotRecord(newest), IsOk());
  // Sequence records, another stream's object and another bucket's object
  // of the same key are records of their own.
  SnapshotRecord sequence = overlay("s", 5000);
  sequence.overlay = false;
  sequence.sequence = 0;
  ASSERT_THAT(catalog().AddSnapshotRecord(sequence), IsOk());
  ASSERT_THAT(catalog().AddSnapshotRecord(overlay("t", 1500)), IsOk());
  ASSERT_THAT(catalog().AddSnapshotRecord(overlay("s", 2500, "archive")), IsOk());

  absl::StatusOr<std::vector<SnapshotRecord>> records = catalog().QuerySnapshotRecords(
      {.domain = "push.example.com", .app = "live", .stream = "s", .end_ms = 10'000});
  ASSERT_THAT(records, IsOk());
  ASSERT_THAT(Captures(*records), ElementsAre(2500, 4000, 5000));
  EXPECT_EQ((*records)[0].bucket, "archive");
  const SnapshotRecord& got = (*records)[1];
  EXPECT_TRUE(got.overlay);
  EXPECT_EQ(got.object_key, "live/s.jpg");
  EXPECT_EQ(got.size_bytes, 123);
  EXPECT_EQ(got.width, 640);
  EXPECT_EQ(got.height, 360);
  EXPECT_FALSE((*records)[2].overlay);
  absl::StatusOr<std::vector<SnapshotRecord>> other = catalog().QuerySnapshotRecords(
      {.domain = "push.example.com", .app = "live", .stream = "t", .end_ms = 10'000});
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT(Captures(*other), ElementsAre(1500));
}

TEST_P(CatalogConformanceTest, PruneRemovesOldSequenceRecordsInBatches) {
  for (int64_t capture_ms = 1000; capture_ms <= 8000; capture_ms += 1000) {
    ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("s", capture_ms, capture_ms / 1000)),
                IsOk());
  }
  ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("t", 2500, 0)), IsOk());
  ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("s", 500)), IsOk());  // overlay, kept

  // Before 5000: 1000, 2000, 2500 (stream t), 3000, 4000, oldest first.
  EXPECT_THAT(catalog().PruneSequenceRecords(5000, 2), IsOkAndHolds(2));
  auto captures = [&](const std::string& stream) {
    absl::StatusOr<std::vector<SnapshotRecord>> records =
        catalog().QuerySnapshotRecords({.domain = "push.example.com",
                                        .app = "live",
                                        .stream = stream,
                                        .end_ms = 10'000,
                                        .limit = 100});
    EXPECT_THAT(records, IsOk());
    return records.ok() ? Captures(*records) : std::vector<int64_t>{};
  };
  EXPECT_THAT(captures("s"), ElementsAre(500, 3000, 4000, 5000, 6000, 7000, 8000));
  EXPECT_THAT(captures("t"), ElementsAre(2500));
  EXPECT_THAT(catalog().PruneSequenceRecords(5000, 2), IsOkAndHolds(2));
  EXPECT_THAT(catalog().PruneSequenceRecords(5000, 2), IsOkAndHolds(1));
  EXPECT_THAT(catalog().PruneSequenceRecords(5000, 2), IsOkAndHolds(0));
  EXPECT_THAT(captures("s"), ElementsAre(500, 5000, 6000, 7000, 8000));
  EXPECT_THAT(captures("t"), IsEmpty());
  EXPECT_THAT(catalog().PruneSequenceRecords(5000, -1), StatusIs(kInvalidArgument, "limit -1"));
}

// DeleteSnapshotFiles: a capture time names every record of the stream
// taken then, the overwrite object's and the sequence object's.
TEST_P(CatalogConformanceTest, DeleteSnapshotRecordsRemovesEveryRecordOfTheGivenCaptures) {
  for (int64_t capture_ms : {1000, 2000, 3000}) {
    ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("s", capture_ms, capture_ms / 1000)),
                IsOk());
  }
  SnapshotRecord overlay = MakeRecord("s", 3000);
  overlay.object_key = "live/s.jpg";
  ASSERT_THAT(catalog().AddSnapshotRecord(overlay), IsOk());
  // The same time in another stream and another app stays.
  ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("t", 2000, 0)), IsOk());
  SnapshotRecord other_app = MakeRecord("s", 2000, 0);
  other_app.app = "game";
  ASSERT_THAT(catalog().AddSnapshotRecord(other_app), IsOk());

  absl::StatusOr<std::vector<SnapshotRecord>> removed =
      catalog().DeleteSnapshotRecords("push.example.com", "live", "s", {3000, 2000, 9999});
  ASSERT_THAT(removed, IsOk());
  EXPECT_THAT(Captures(*removed), ElementsAre(2000, 3000, 3000));
  std::set<std::string> objects;
  for (const SnapshotRecord& record : *removed) objects.insert(record.object_key);
  EXPECT_EQ(objects, (std::set<std::string>{"live/s/2000.jpg", "live/s/3000.jpg", "live/s.jpg"}));
  EXPECT_EQ((*removed)[0].bucket, "snapshots");
  EXPECT_EQ((*removed)[0].sequence, 2);

  auto captures = [&](const std::string& app, const std::string& stream) {
    absl::StatusOr<std::vector<SnapshotRecord>> records = catalog().QuerySnapshotRecords(
        {.domain = "push.example.com", .app = app, .stream = stream, .end_ms = 10'000});
    EXPECT_THAT(records, IsOk());
    return records.ok() ? Captures(*records) : std::vector<int64_t>{};
  };
  EXPECT_THAT(captures("live", "s"), ElementsAre(1000));
  EXPECT_THAT(captures("live", "t"), ElementsAre(2000));
  EXPECT_THAT(captures("game", "s"), ElementsAre(2000));

  // Again: nothing left to remove.
  EXPECT_THAT(catalog().DeleteSnapshotRecords("push.example.com", "live", "s", {2000, 3000}),
              IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(catalog().DeleteSnapshotRecords("push.example.com", "live", "s", {}),
              IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(catalog().DeleteSnapshotRecords("push.example.com", "live", "", {1000}),
              StatusIs(kInvalidArgument, "stream name"));
  EXPECT_THAT(catalog().DeleteSnapshotRecords("push.example.com", "live", "s",
                                              std::vector<int64_t>(kMaxRecordDeleteBatch + 1, 1)),
              StatusIs(kInvalidArgument, "capture times"));
  EXPECT_THAT(captures("live", "s"), ElementsAre(1000));
}

TEST_P(CatalogConformanceTest, CountSnapshotsByDayCountsEachCaptureOncePerUtcDay) {
  constexpr int64_t kDay = 86'400'000;
  constexpr int64_t kDay0 = 1'714'521'600'000;  // 2024-05-01T00:00:00Z
  auto add = [&](std::string stream, int64_t capture_ms, int64_t sequence,
                 std::string domain = "push.example.com") {
    SnapshotRecord record = MakeRecord(std::move(stream), capture_ms, sequence);
    record.domain = std::move(domain);
    if (record.overlay) record.object_key = "live/" + record.stream + ".jpg";
    ASSERT_THAT(catalog().AddSnapshotRecord(record), IsOk());
  };
  // Day 0: stream s captured twice (the first both as overwrite and sequence
  // object: one capture), stream t once.
  add("s", kDay0 + 1000, 0);
  add("s", kDay0 + 1000, -1);
  add("s", kDay0 + 5000, 1);
  add("t", kDay0 + 1000, 0);
  // Stream u captured twice in one millisecond (a push faster than real
  // time): two captures. Stream v only as an overwrite object: one.
  add("u", kDay0 + 7000, 0);
  add("u", kDay0 + 7000, 1);
  add("v", kDay0 + 8000, -1);
  // Day 1: one capture; day 3: one, outside the range; another domain's.
  add("s", kDay0 + kDay + 10, 2);
  add("s", kDay0 + 3 * kDay, 3);
  add("s", kDay0 + 2000, 0, "other.example.com");

  absl::StatusOr<std::vector<DailySnapshotCount>> days =
      catalog().CountSnapshotsByDay("push.example.com", kDay0, kDay0 + 3 * kDay);
  ASSERT_THAT(days, IsOk());
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[0].day_start_ms, kDay0);
  EXPECT_EQ((*days)[0].count, 6);
  EXPECT_EQ((*days)[1].day_start_ms, kDay0 + kDay);
  EXPECT_EQ((*days)[1].count, 1);

  // The range cuts within a day: [start, end) on capture_ms.
  days = catalog().CountSnapshotsByDay("push.example.com", kDay0 + 2000, kDay0 + kDay + 10);
  ASSERT_THAT(days, IsOk());
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].count, 4);
  EXPECT_THAT(catalog().CountSnapshotsByDay("nobody.example.com", kDay0, kDay0 + kDay),
              IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(catalog().CountSnapshotsByDay("", kDay0, kDay0 + kDay),
              StatusIs(kInvalidArgument, "domain name"));
}

TEST_P(CatalogConformanceTest, MigrationKeepsTheNewestOverlayRecordOfEachObject) {
  // A catalog as an older livesnap left it: one overlay record per write.
  catalog_.reset();
  ASSERT_THAT(database_->Exec("DROP INDEX snapshot_records_overlay_object"), IsOk());
  ASSERT_THAT(database_->Exec("DROP INDEX snapshot_records_sequence_by_time"), IsOk());
  // And without what later versions added (the cluster registry of version 3,
  // push signing of version 4, the domain columns of version 5).
  for (const char* column : {"live_domain_type", "callback_req_auth", "callback_auth_key"}) {
    ASSERT_THAT(database_->Exec(std::string("ALTER TABLE domains DROP COLUMN ") + column), IsOk());
  }
  ASSERT_THAT(database_->Exec("DROP TABLE push_auth"), IsOk());
  ASSERT_THAT(database_->Exec("DROP TABLE cluster_nodes"), IsOk());
  ASSERT_THAT(database_->Exec("DROP TABLE live_streams"), IsOk());
  if (GetParam() == Backend::kPostgres) {
    ASSERT_THAT(database_->Exec("DROP FUNCTION livesnap_notify_config_change() CASCADE"), IsOk());
  }
  ASSERT_THAT(database_->Exec("DELETE FROM schema_version WHERE version >= 2"), IsOk());
  const std::string insert =
      "INSERT INTO snapshot_records (domain, app, stream, endpoint, bucket, object_key, overlay,"
      " sequence, capture_ms, size_bytes, width, height) VALUES ('push.example.com', 'live',"
      " 's', 'e', 'snapshots', ";
  const std::string overlay = GetParam() == Backend::kSqlite ? "1" : "true";
  const std::string sequence = GetParam() == Backend::kSqlite ? "0" : "false";
  for (const std::string& values : {"'live/s.jpg', " + overlay + ", -1, 1000, 1, 1, 1)",
                                    "'live/s.jpg', " + overlay + ", -1, 2000, 2, 1, 1)",
                                    "'live/s/0.jpg', " + sequence + ", 0, 2000, 3, 1, 1)",
                                    "'live/s.jpg', " + overlay + ", -1, 3000, 4, 1, 1)"}) {
    ASSERT_THAT(database_->Exec(insert + values), IsOk());
  }
  Reopen();
  absl::StatusOr<std::vector<SnapshotRecord>> records = catalog().QuerySnapshotRecords(
      {.domain = "push.example.com", .app = "live", .stream = "s", .end_ms = 10'000});
  ASSERT_THAT(records, IsOk());
  EXPECT_THAT(Captures(*records), ElementsAre(2000, 3000));
  ASSERT_THAT(catalog().AddSnapshotRecord({.domain = "push.example.com",
                                           .app = "live",
                                           .stream = "s",
                                           .endpoint = "e",
                                           .bucket = "snapshots",
                                           .object_key = "live/s.jpg",
                                           .overlay = true,
                                           .capture_ms = 4000}),
              IsOk());
  records = catalog().QuerySnapshotRecords(
      {.domain = "push.example.com", .app = "live", .stream = "s", .end_ms = 10'000});
  ASSERT_THAT(records, IsOk());
  EXPECT_THAT(Captures(*records), ElementsAre(2000, 4000));
}

TEST_P(CatalogConformanceTest, EverythingSurvivesReopen) {
  AddDomainAndBucket();
  ASSERT_THAT(catalog().AddTemplate(MakeTemplate("push.example.com", "*")), IsOk());
  ASSERT_THAT(catalog().SetNotifyConfig({.domain = "push.example.com", .notify_url = "http://h/"}),
              IsOk());
  ASSERT_THAT(catalog().AddSnapshotRecord(MakeRecord("s", 1000)), IsOk());
  Reopen();
  EXPECT_THAT(catalog().GetDomain("push.example.com"), IsOk());
  EXPECT_THAT(catalog().GetBucket("snapshots"), IsOk());
  EXPECT_THAT(catalog().GetTemplate("push.example.com", "*"), IsOk());
  EXPECT_THAT(catalog().GetNotifyConfig("push.example.com"), IsOk());
  absl::StatusOr<std::vector<SnapshotRecord>> records = catalog().QuerySnapshotRecords(
      {.domain = "push.example.com", .app = "live", .stream = "s", .end_ms = 2000});
  ASSERT_THAT(records, IsOk());
  EXPECT_EQ(records->size(), 1u);
}

TEST_P(CatalogConformanceTest, ConcurrentCallersAllSucceed) {
  AddDomainAndBucket();
  constexpr int kThreads = 6;
  std::mutex mu;
  std::vector<std::string> errors;
  auto check = [&](const absl::Status& status) {
    if (status.ok()) return;
    std::lock_guard lock(mu);
    errors.push_back(status.ToString());
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string app = "app" + std::to_string(t);
      for (int i = 0; i < 20; ++i) {
        SnapshotTemplate tmpl = MakeTemplate("push.example.com", app, i);
        check(i == 0 ? catalog().AddTemplate(tmpl) : catalog().UpdateTemplate(tmpl));
        check(catalog().ResolveTemplate("push.example.com", app).status());
        check(catalog().ListTemplates({.domain = "push.example.com"}).status());
        check(catalog().AddSnapshotRecord(MakeRecord(app, i)));
        check(catalog()
                  .QuerySnapshotRecords(
                      {.domain = "push.example.com", .app = "live", .stream = app, .end_ms = 99})
                  .status());
        check(catalog().NextSequence("push.example.com", "live", app).status());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(errors, IsEmpty());
  absl::StatusOr<TemplatePage> page = catalog().ListTemplates({.domain = "push.example.com"});
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->total, kThreads);
}

TEST_P(CatalogConformanceTest, UnreachableDatabaseIsUnavailable) {
  EXPECT_THAT(OpenCatalog(testing::UnreachableUrl(GetParam())), StatusIs(kUnavailable, ""));
}

TEST_P(CatalogConformanceTest, SchemaIsVersionedAndAppliedOnce) {
  absl::StatusOr<std::vector<std::string>> versions =
      database_->QueryColumn("SELECT version FROM schema_version ORDER BY version");
  ASSERT_THAT(versions, IsOk());
  ASSERT_FALSE(versions->empty());
  Reopen();
  Reopen();
  absl::StatusOr<std::vector<std::string>> again =
      database_->QueryColumn("SELECT version FROM schema_version ORDER BY version");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, *versions);
  std::vector<std::string> want;
  for (size_t v = 1; v <= versions->size(); ++v) want.push_back(std::to_string(v));
  EXPECT_EQ(*versions, want);
}

TEST_P(CatalogConformanceTest, NewerSchemaIsRefused) {
  catalog_.reset();
  ASSERT_THAT(database_->Exec("INSERT INTO schema_version (version, description) "
                              "VALUES (1000, 'from a newer livesnap')"),
              IsOk());
  EXPECT_THAT(OpenCatalog(database_->url()), StatusIs(kFailedPrecondition, "1000"));
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogConformanceTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), ParamName);

}  // namespace
}  // namespace livesnap::catalog
