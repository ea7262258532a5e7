#include "storage/store_factory.h"

#include <stdlib.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/file_store.h"

namespace livesnap::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

StoreSpec S3Spec(std::map<std::string, std::string> settings) {
  return StoreSpec{.kind = "s3",
                   .name = "snapshots",
                   .region = "cn-shanghai",
                   .endpoint = "oss-cn-shanghai.aliyuncs.com",
                   .settings = std::move(settings)};
}

TEST(StoreFactoryTest, OpensAFileStore) {
  std::string dir = (fs::temp_directory_path() / "store_factory_test.XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto store = OpenObjectStore(
      {.kind = "file", .name = "local", .settings = {{"root", dir + "/snapshots"}}});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), "file:" + dir + "/snapshots");
  EXPECT_NE(dynamic_cast<FileStore*>(store->get()), nullptr);
  fs::remove_all(dir);
}

TEST(StoreFactoryTest, FileStoreNeedsARootAndKnownKeys) {
  auto no_root = OpenObjectStore({.kind = "file", .name = "local"});
  EXPECT_TRUE(absl::IsInvalidArgument(no_root.status()));
  EXPECT_THAT(no_root.status().message(), HasSubstr("storage \"local\""));
  auto typo = OpenObjectStore({.kind = "file", .name = "local", .settings = {{"rot", "x"}}});
  EXPECT_THAT(typo.status().message(), HasSubstr("unknown setting \"rot\""));
}

TEST(StoreFactoryTest, S3DefaultsComeFromTheLocation) {
  auto options = S3OptionsFromSpec(S3Spec({{"access_key_id", "AK"}, {"secret_access_key", "SK"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->endpoint, "https://oss-cn-shanghai.aliyuncs.com");
  EXPECT_EQ(options->bucket, "snapshots");
  EXPECT_EQ(options->region, "cn-shanghai");
  EXPECT_EQ(options->addressing, S3Addressing::kPath);
  EXPECT_EQ(options->access_key_id, "AK");
  EXPECT_EQ(options->secret_access_key, "SK");
  EXPECT_TRUE(options->verify_tls);
  EXPECT_EQ(options->timeout_ms, 30'000);
}

TEST(StoreFactoryTest, S3SettingsOverrideEverything) {
  auto options = S3OptionsFromSpec(S3Spec({{"url", "http://127.0.0.1:9000"},
                                           {"bucket", "other"},
                                           {"signing_region", "us-east-1"},
                                           {"addressing", "virtual"},
                                           {"resolve", "other.s3.test:9000:127.0.0.1, b:1:2"},
                                           {"connect_timeout_ms", "250"},
                                           {"timeout_ms", "5000"},
                                           {"max_idle_connections", "2"},
                                           {"list_page_size", "10"},
                                           {"verify_tls", "false"},
                                           {"ca_file", "/etc/ca.pem"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(options->bucket, "other");
  EXPECT_EQ(options->region, "us-east-1");
  EXPECT_EQ(options->addressing, S3Addressing::kVirtualHosted);
  EXPECT_THAT(options->resolve, ElementsAre("other.s3.test:9000:127.0.0.1", "b:1:2"));
  EXPECT_EQ(options->connect_timeout_ms, 250);
  EXPECT_EQ(options->timeout_ms, 5000);
  EXPECT_EQ(options->max_idle_connections, 2u);
  EXPECT_EQ(options->list_page_size, 10);
  EXPECT_FALSE(options->verify_tls);
  EXPECT_EQ(options->ca_file, "/etc/ca.pem");
}

TEST(StoreFactoryTest, S3CredentialsFromNamedVariables) {
  ::setenv("LIVESNAP_TEST_S3_ID", "from-env-id", 1);
  ::setenv("LIVESNAP_TEST_S3_SECRET", "from-env-secret", 1);
  auto options = S3OptionsFromSpec(S3Spec({{"access_key_id_env", "LIVESNAP_TEST_S3_ID"},
                                           {"secret_access_key_env", "LIVESNAP_TEST_S3_SECRET"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->access_key_id, "from-env-id");
  EXPECT_EQ(options->secret_access_key, "from-env-secret");

  auto missing = S3OptionsFromSpec(S3Spec({{"secret_access_key_env", "LIVESNAP_TEST_UNSET"}}));
  EXPECT_THAT(missing.status().message(), HasSubstr("LIVESNAP_TEST_UNSET is not set"));
  auto both = S3OptionsFromSpec(
      S3Spec({{"secret_access_key", "x"}, {"secret_access_key_env", "LIVESNAP_TEST_S3_SECRET"}}));
  EXPECT_TRUE(absl::IsInvalidArgument(both.status()));
}

TEST(StoreFactoryTest, S3CredentialsFromTheStandardVariables) {
  ::setenv("AWS_ACCESS_KEY_ID", "standard-id", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "standard-secret", 1);
  auto store = OpenObjectStore(S3Spec({{"url", "http://127.0.0.1:9"}}));
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), "s3:http://127.0.0.1:9/snapshots");

  auto without = OpenObjectStore(S3Spec({{"url", "http://127.0.0.1:9"}}));
  EXPECT_TRUE(absl::IsInvalidArgument(without.status()));
  EXPECT_THAT(without.status().message(), HasSubstr("no credentials"));
}

TEST(StoreFactoryTest, S3RefusesBadValues) {
  const std::map<std::string, std::string> keys = {{"access_key_id", "a"},
                                                   {"secret_access_key", "b"}};
  auto with = [&](std::string key, std::string value) {
    std::map<std::string, std::string> settings = keys;
    settings[key] = value;
    return OpenObjectStore(S3Spec(settings)).status();
  };
  EXPECT_THAT(with("adressing", "path").message(), HasSubstr("unknown setting \"adressing\""));
  EXPECT_THAT(with("addressing", "dns").message(), HasSubstr("addressing"));
  EXPECT_THAT(with("timeout_ms", "5s").message(), HasSubstr("timeout_ms"));
  EXPECT_THAT(with("timeout_ms", "0").message(), HasSubstr("timeouts"));
  EXPECT_THAT(with("list_page_size", "5000").message(), HasSubstr("list_page_size"));
  EXPECT_THAT(with("verify_tls", "yes").message(), HasSubstr("verify_tls"));
  EXPECT_THAT(with("url", "ftp://host").message(), HasSubstr("scheme"));
  EXPECT_THAT(with("signing_region", "us east").message(), HasSubstr("region"));
  for (const auto& status : {with("addressing", "dns"), with("url", "ftp://x")}) {
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
    EXPECT_THAT(status.message(), HasSubstr("storage \"snapshots\""));
  }
}

TEST(StoreFactoryTest, UnknownKind) {
  auto store = OpenObjectStore({.kind = "gcs", .name = "x"});
  EXPECT_TRUE(absl::IsInvalidArgument(store.status()));
  EXPECT_THAT(store.status().message(), HasSubstr("kind \"gcs\""));
}

}  // namespace
}  // namespace livesnap::storage
