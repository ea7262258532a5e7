#include "server/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace livesnap::server {
namespace {

class ConfigFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("livesnap_config_test_" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path_) << text;
    return path_.string();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::filesystem::path path_;
};

TEST(ConfigTest, EmbeddedDefaultsServeTheQuickStart) {
  Config config = EmbeddedDefaults();
  ASSERT_TRUE(FinalizeConfig(config).ok());
  EXPECT_EQ(config.rtmp_listen.port, 1935);
  EXPECT_EQ(config.api_listen.port, 8080);
  EXPECT_EQ(config.api_listen.host, "127.0.0.1");  // no authentication: this machine only
  EXPECT_FALSE(config.api_auth);
  EXPECT_EQ(config.catalog_url.rfind("sqlite://", 0), 0u);
  ASSERT_EQ(config.storages.size(), 1u);
  EXPECT_EQ(config.storages[0].bucket.kind, "file");
  EXPECT_TRUE(std::filesystem::path(config.storages[0].root).is_absolute());
  ASSERT_EQ(config.seed_domains.size(), 2u);
  EXPECT_EQ(config.seed_domains[0].name, "127.0.0.1");
  ASSERT_EQ(config.seed_templates.size(), 2u);
  EXPECT_EQ(config.seed_templates[0].app, "*");
  EXPECT_EQ(config.seed_templates[0].interval_s, 5);
  EXPECT_FALSE(config.seed_templates[0].overwrite_pattern.empty());
  EXPECT_FALSE(config.seed_templates[0].sequence_pattern.empty());
}

TEST(ConfigTest, ParsesListenAddresses) {
  EXPECT_EQ(ParseListenAddress("127.0.0.1:1935")->host, "127.0.0.1");
  EXPECT_EQ(ParseListenAddress(":8080")->host, "0.0.0.0");
  EXPECT_EQ(ParseListenAddress(":8080")->port, 8080);
  EXPECT_EQ(ParseListenAddress("[::1]:99")->host, "::1");
  EXPECT_FALSE(ParseListenAddress("localhost").ok());
  EXPECT_FALSE(ParseListenAddress("a:70000").ok());
  EXPECT_FALSE(ParseListenAddress("a:12x").ok());
}

TEST_F(ConfigFileTest, FileOverridesKeysAndReplacesSeeds) {
  auto config = LoadConfigFile(Write(R"(
[rtmp]
listen = "127.0.0.1:19350"
idle_timeout_ms = 5000
[api]
listen = ":18080"
auth = "on"
access_keys = [{ id = "key1", secret = "s3cret" }]
console_dir = "/srv/livesnap/console"
[[storage]]
name = "shots"
region = "cn-shanghai"
kind = "file"
root = "/tmp/shots"
[[domain]]
name = "push.example.com"
region = "cn-shanghai"
[[template]]
domain = "push.example.com"
app = "live"
interval = 10
bucket = "shots"
overwrite = "{AppName}/{StreamName}.jpg"
)"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->rtmp_listen.port, 19350);
  EXPECT_EQ(config->rtmp_idle_timeout_ms, 5000);
  EXPECT_EQ(config->api_listen.port, 18080);
  EXPECT_TRUE(config->api_auth);
  EXPECT_EQ(config->access_keys.at("key1"), "s3cret");
  EXPECT_EQ(config->api_console_dir, "/srv/livesnap/console");
  ASSERT_EQ(config->storages.size(), 1u);
  EXPECT_EQ(config->storages[0].bucket.region, "cn-shanghai");
  ASSERT_EQ(config->seed_domains.size(), 1u);
  ASSERT_EQ(config->seed_templates.size(), 1u);
  EXPECT_EQ(config->seed_templates[0].interval_s, 10);
  EXPECT_TRUE(FinalizeConfig(*config).ok());
  EXPECT_EQ(config->storages[0].root, "/tmp/shots");
}

TEST_F(ConfigFileTest, StorageSettingsMayBeIntegersAndBooleans) {
  auto config = LoadConfigFile(Write(R"(
[[storage]]
name = "shots"
region = "us-east-1"
kind = "s3"
url = "http://127.0.0.1:9000"
timeout_ms = 2000
max_idle_connections = 0
verify_tls = false
)"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->storages.size(), 1u);
  const std::map<std::string, std::string>& settings = config->storages[0].settings;
  EXPECT_EQ(settings.at("url"), "http://127.0.0.1:9000");
  EXPECT_EQ(settings.at("timeout_ms"), "2000");
  EXPECT_EQ(settings.at("max_idle_connections"), "0");
  EXPECT_EQ(settings.at("verify_tls"), "false");
  EXPECT_EQ(config->storages[0].bucket.kind, "s3");

  auto table =
      LoadConfigFile(Write("[[storage]]\nname = \"s\"\nregion = \"r\"\nresolve = [\"a:1:b\"]\n"));
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("storage.resolve"), std::string::npos)
      << table.status().message();
}

TEST_F(ConfigFileTest, RtmpsNeedsACertificateAndAKey) {
  EXPECT_FALSE(EmbeddedDefaults().rtmp_tls_listen.has_value());
  auto config = LoadConfigFile(
      Write("[rtmp]\ntls_listen = \"127.0.0.1:1936\"\ntls_cert_file = \"/etc/livesnap/cert.pem\"\n"
            "tls_key_file = \"/etc/livesnap/key.pem\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->rtmp_tls_listen.has_value());
  EXPECT_EQ(config->rtmp_tls_listen->host, "127.0.0.1");
  EXPECT_EQ(config->rtmp_tls_listen->port, 1936);
  EXPECT_EQ(config->rtmp_tls_cert_file, "/etc/livesnap/cert.pem");
  EXPECT_EQ(config->rtmp_tls_key_file, "/etc/livesnap/key.pem");
  auto keyless = LoadConfigFile(
      Write("[rtmp]\ntls_listen = \":1936\"\ntls_cert_file = \"/etc/livesnap/cert.pem\"\n"));
  ASSERT_FALSE(keyless.ok());
  EXPECT_NE(keyless.status().message().find("rtmp.tls_key_file"), std::string::npos)
      << keyless.status();
}

TEST_F(ConfigFileTest, CatalogRecordRetention) {
  auto config = LoadConfigFile(Write("[catalog]\nrecord_retention_days = 7\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->record_retention_days, 7);
  EXPECT_EQ(EmbeddedDefaults().record_retention_days, 30);
  config->record_retention_days = -1;
  absl::Status status = FinalizeConfig(*config);
  EXPECT_NE(status.message().find("catalog.record_retention_days"), std::string::npos) << status;
}

TEST_F(ConfigFileTest, SrtSectionIsOffUntilListenIsSet) {
  auto defaults = LoadConfigFile(Write("[server]\nlog_level = \"info\"\n"));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->srt_listen.port, 0);
  auto config = LoadConfigFile(
      Write("[srt]\nlisten = \"127.0.0.1:10080\"\ndefault_domain = \"a.com\"\n"
            "passphrase = \"0123456789\"\nlatency_ms = 200\nmax_connections = 10\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->srt_listen.host, "127.0.0.1");
  EXPECT_EQ(config->srt_listen.port, 10080);
  EXPECT_EQ(config->srt_default_domain, "a.com");
  EXPECT_EQ(config->srt_passphrase, "0123456789");
  EXPECT_EQ(config->srt_latency_ms, 200);
  EXPECT_EQ(config->srt_max_connections, 10);
  EXPECT_EQ(config->srt_max_connections_per_ip, 128);
  EXPECT_EQ(config->srt_idle_timeout_ms, 30'000);
  EXPECT_EQ(config->srt_pes_budget_bytes, int64_t{256} << 20);
  EXPECT_EQ(config->srt_read_batch_ms, 20);
  auto limits =
      LoadConfigFile(Write("[srt]\nmax_connections_per_ip = 3\npublishes_per_second_per_ip = 2\n"
                           "idle_timeout_ms = 4000\npes_budget_bytes = 2097152\nread_batch_ms = 0\n"));
  ASSERT_TRUE(limits.ok()) << limits.status();
  EXPECT_EQ(limits->srt_max_connections_per_ip, 3);
  EXPECT_EQ(limits->srt_publishes_per_second_per_ip, 2);
  EXPECT_EQ(limits->srt_idle_timeout_ms, 4000);
  EXPECT_EQ(limits->srt_pes_budget_bytes, int64_t{2} << 20);
  EXPECT_EQ(limits->srt_read_batch_ms, 0);
  auto slow = LoadConfigFile(Write("[srt]\nread_batch_ms = 500\n"));
  ASSERT_FALSE(slow.ok());
  EXPECT_NE(slow.status().message().find("srt.read_batch_ms"), std::string::npos);
  auto small = LoadConfigFile(Write("[srt]\npes_budget_bytes = 65536\n"));
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.status().message().find("srt.pes_budget_bytes"), std::string::npos);
  EXPECT_FALSE(LoadConfigFile(Write("[srt]\nmax_connections_per_ip = 0\n")).ok());
  EXPECT_FALSE(LoadConfigFile(Write("[srt]\nidle_timeout_ms = 100\n")).ok());  // < latency
  EXPECT_FALSE(LoadConfigFile(Write("[srt]\npassphrase = \"short\"\n")).ok());
  EXPECT_FALSE(LoadConfigFile(Write("[srt]\nlatency_ms = 5\n")).ok());
  EXPECT_FALSE(LoadConfigFile(Write("[srt]\nport = 1\n")).ok());
  EXPECT_FALSE(LoadConfigFile(Write("[srt]\npassphrase_env = \"LIVESNAP_NO_SUCH_VAR\"\n")).ok());
}

TEST_F(ConfigFileTest, ClusterSectionNamesTheNodeAndItsLease) {
  auto config = LoadConfigFile(
      Write("[cluster]\nnode_id = \"snap-1\"\nadvertise_rtmp = \"10.0.0.11:1935\"\n"
            "advertise_api = \"10.0.0.11:8080\"\nlease_ms = 9000\nheartbeat_ms = 3000\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->cluster_node_id, "snap-1");
  EXPECT_EQ(config->cluster_advertise_rtmp, "10.0.0.11:1935");
  EXPECT_EQ(config->cluster_advertise_api, "10.0.0.11:8080");
  EXPECT_EQ(config->cluster_lease_ms, 9000);
  EXPECT_EQ(config->cluster_heartbeat_ms, 3000);
  EXPECT_TRUE(FinalizeConfig(*config).ok());
  EXPECT_EQ(EmbeddedDefaults().cluster_lease_ms, 15'000);
  EXPECT_EQ(EmbeddedDefaults().cluster_node_id, "");
  // A lease shorter than two heartbeats would lapse between them.
  config->cluster_lease_ms = 5000;
  absl::Status status = FinalizeConfig(*config);
  EXPECT_NE(status.message().find("cluster.lease_ms"), std::string::npos) << status;
  EXPECT_FALSE(LoadConfigFile(Write("[cluster]\nlease = 1\n")).ok());
}

TEST_F(ConfigFileTest, AnySeedSectionReplacesAllEmbeddedSeeds) {
  auto config = LoadConfigFile(Write("[[domain]]\nname = \"push.example.com\"\nregion = \"r\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->seed_domains.size(), 1u);
  EXPECT_TRUE(config->seed_templates.empty());
  EXPECT_TRUE(config->storages.empty());
}

TEST_F(ConfigFileTest, ADomainIsAStreamingDomainUnlessItSaysOtherwise) {
  auto config =
      LoadConfigFile(Write("[[domain]]\nname = \"push.example.com\"\nregion = \"r\"\n"
                           "[[domain]]\nname = \".edge.example.com\"\nregion = \"r\"\n"
                           "live_domain_type = \"liveEdge\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->seed_domains.size(), 2u);
  EXPECT_EQ(config->seed_domains[0].live_domain_type, "liveVideo");
  EXPECT_EQ(config->seed_domains[1].name, ".edge.example.com");
  EXPECT_EQ(config->seed_domains[1].live_domain_type, "liveEdge");
  for (const auto& domain : EmbeddedDefaults().seed_domains) {
    EXPECT_EQ(domain.live_domain_type, "liveVideo") << domain.name;
  }

  auto bad =
      LoadConfigFile(Write("[[domain]]\nname = \"a.com\"\nregion = \"r\"\n"
                           "live_domain_type = \"liveAudio\"\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("live_domain_type"), std::string::npos) << bad.status();
  EXPECT_NE(bad.status().message().find("liveAudio"), std::string::npos) << bad.status();
}

TEST_F(ConfigFileTest, UnknownKeysAreErrorsThatNameTheKey) {
  auto config = LoadConfigFile(Write("[rtmp]\nlisn = \":1\"\n"));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("rtmp.lisn"), std::string::npos)
      << config.status().message();
}

TEST_F(ConfigFileTest, WrongTypesAreErrorsThatNameTheKey) {
  auto config = LoadConfigFile(Write("[rtmp]\nio_threads = \"two\"\n"));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("rtmp.io_threads"), std::string::npos)
      << config.status().message();
}

TEST_F(ConfigFileTest, TemplatePatternsThatCannotNameAnObjectAreErrorsThatNameTheKey) {
  const std::string seeds = R"(
[[storage]]
name = "shots"
region = "cn-shanghai"
kind = "file"
[[domain]]
name = "push.example.com"
region = "cn-shanghai"
[[template]]
domain = "push.example.com"
app = "live"
interval = 10
bucket = "shots"
)";
  auto overwrite = LoadConfigFile(Write(seeds + "overwrite = \"a/./{StreamName}.jpg\"\n"));
  ASSERT_FALSE(overwrite.ok());
  EXPECT_NE(overwrite.status().message().find("template.overwrite"), std::string::npos)
      << overwrite.status().message();
  EXPECT_NE(overwrite.status().message().find("\".\" segment"), std::string::npos)
      << overwrite.status().message();
  auto sequence = LoadConfigFile(Write(seeds + "sequence = \"/{StreamName}/{Sequence}.jpg\"\n"));
  ASSERT_FALSE(sequence.ok());
  EXPECT_NE(sequence.status().message().find("template.sequence"), std::string::npos)
      << sequence.status().message();
  EXPECT_TRUE(LoadConfigFile(Write(seeds + "sequence = \"{StreamName}/{Sequence}.jpg\"\n")).ok());
}

// The API's template rules (snapshot::ValidateTemplate) hold for the file's
// templates too; the error names the file, the section and the key.
TEST_F(ConfigFileTest, TemplatesBreakingTheApiRulesAreErrorsThatNameTheKey) {
  const std::string seeds = R"(
[[storage]]
name = "shots"
region = "cn-shanghai"
[[storage]]
name = "beijing"
region = "cn-beijing"
[[domain]]
name = "push.example.com"
region = "cn-shanghai"
[[template]]
domain = "push.example.com"
app = "live"
overwrite = "{AppName}/{StreamName}.jpg"
)";
  struct Case {
    std::string keys;
    std::string key_named;
    std::string rule;
  };
  for (const Case& c : {
           Case{"interval = 0\nbucket = \"shots\"\n", "template.interval", "0 s is not 5..3600"},
           Case{"interval = 5\nbucket = \"beijing\"\n", "template.bucket",
                "bucket beijing is in region cn-beijing but domain push.example.com is in region "
                "cn-shanghai"},
           Case{"interval = 5\nbucket = \"shots\"\nwidth = 99999\n", "template.width",
                "99999 is not 0..4096"},
           Case{"interval = 5\nbucket = \"shots\"\nheight = 4097\n", "template.height",
                "4097 is not 0..4096"},
           Case{"interval = 5\nbucket = \"shots\"\nsequence = \"{AppName}/{StreamName}.jpg\"\n",
                "template.sequence", "neither {UnixTimestamp} nor {Sequence}"},
       }) {
    const std::string path = Write(seeds + c.keys);
    auto config = LoadConfigFile(path);
    ASSERT_FALSE(config.ok()) << c.keys;
    const std::string message(config.status().message());
    EXPECT_NE(message.find("config " + path), std::string::npos) << message;
    EXPECT_NE(message.find("[[template]] push.example.com/live"), std::string::npos) << message;
    EXPECT_NE(message.find(c.key_named + ": "), std::string::npos) << message;
    EXPECT_NE(message.find(c.rule), std::string::npos) << message;
  }
  EXPECT_TRUE(
      LoadConfigFile(Write(seeds + "interval = 3600\nbucket = \"shots\"\nwidth = 4096\n")).ok());
}

TEST_F(ConfigFileTest, UnknownLogLevelsAreErrors) {
  const std::string path = Write("[server]\nlog_level = \"verbose\"\n");
  auto config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_NE(message.find("config " + path + ": server.log_level: \"verbose\" is not one of"),
            std::string::npos)
      << message;
  for (std::string_view level : kLogLevels) EXPECT_TRUE(ValidateLogLevel(level).ok()) << level;
  EXPECT_FALSE(ValidateLogLevel("").ok());
  EXPECT_FALSE(ValidateLogLevel("INFO").ok());
  Config defaults = EmbeddedDefaults();
  defaults.log_level = "verbose";
  EXPECT_NE(FinalizeConfig(defaults).message().find("server.log_level"), std::string::npos);
}

TEST_F(ConfigFileTest, SyntaxErrorsNameTheFile) {
  const std::string path = Write("[rtmp\n");
  auto config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find(path), std::string::npos);
}

TEST_F(ConfigFileTest, SnapshotSectionSetsWorkersAndQuality) {
  auto config = LoadConfigFile(Write("[snapshot]\nworkers = 4\njpeg_quality = 90\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->snapshot_workers, 4);
  EXPECT_EQ(config->jpeg_quality, 90);
  EXPECT_TRUE(FinalizeConfig(*config).ok());
  config->jpeg_quality = 101;
  absl::Status status = FinalizeConfig(*config);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("snapshot.jpeg_quality"), std::string::npos) << status;
}

TEST_F(ConfigFileTest, CaptureQueueBudgetIsReadAndChecked) {
  EXPECT_EQ(EmbeddedDefaults().capture_queue_max_bytes, int64_t{64} << 20);
  auto config = LoadConfigFile(Write("[snapshot]\nqueue_max_bytes = 33554432\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->capture_queue_max_bytes, int64_t{32} << 20);
  EXPECT_TRUE(FinalizeConfig(*config).ok());
  config->capture_queue_max_bytes = 1000;
  absl::Status status = FinalizeConfig(*config);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("snapshot.queue_max_bytes"), std::string::npos) << status;
}

TEST_F(ConfigFileTest, RtmpLimitsAreReadAndChecked) {
  Config defaults = EmbeddedDefaults();
  EXPECT_EQ(defaults.rtmp_max_message_size, 8u << 20);
  EXPECT_EQ(defaults.rtmp_max_connections_per_ip, 128);
  EXPECT_EQ(defaults.rtmp_partial_message_budget_bytes, int64_t{256} << 20);
  auto config = LoadConfigFile(Write(R"(
[rtmp]
max_connections_per_ip = 2000
max_handshakes_in_flight = 64
publishes_per_second_per_ip = 50
partial_message_budget_bytes = 1073741824
max_message_size = 16777216
)"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->rtmp_max_connections_per_ip, 2000);
  EXPECT_EQ(config->rtmp_max_handshakes_in_flight, 64);
  EXPECT_EQ(config->rtmp_publishes_per_second_per_ip, 50);
  EXPECT_EQ(config->rtmp_partial_message_budget_bytes, int64_t{1} << 30);
  EXPECT_TRUE(FinalizeConfig(*config).ok());
  config->rtmp_partial_message_budget_bytes = 16 << 20;  // less than two whole messages
  absl::Status status = FinalizeConfig(*config);
  EXPECT_NE(status.message().find("rtmp.partial_message_budget_bytes"), std::string::npos)
      << status;
  config->rtmp_partial_message_budget_bytes = int64_t{1} << 30;
  config->rtmp_max_connections_per_ip = 0;
  EXPECT_FALSE(FinalizeConfig(*config).ok());
}

TEST_F(ConfigFileTest, ReadBatchingIsReadAndChecked) {
  EXPECT_EQ(EmbeddedDefaults().rtmp_read_batch_bytes, 16384);
  EXPECT_EQ(EmbeddedDefaults().rtmp_read_sweep_ms, 100);
  auto config = LoadConfigFile(Write("[rtmp]\nread_batch_bytes = 0\nread_sweep_ms = 20\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->rtmp_read_batch_bytes, 0);
  EXPECT_EQ(config->rtmp_read_sweep_ms, 20);
  EXPECT_TRUE(FinalizeConfig(*config).ok());
  config->rtmp_read_sweep_ms = 0;
  const absl::Status status = FinalizeConfig(*config);
  EXPECT_NE(status.message().find("rtmp.read_sweep_ms"), std::string::npos) << status;
}

TEST(ConfigTest, FinalizeRejectsOutOfRangeValues) {
  Config config = EmbeddedDefaults();
  config.rtmp_io_threads = 0;
  EXPECT_FALSE(FinalizeConfig(config).ok());
  config = EmbeddedDefaults();
  config.api_auth = true;
  EXPECT_FALSE(FinalizeConfig(config).ok());  // auth on, no keys
  config = EmbeddedDefaults();
  config.min_free_disk_bytes = -1;
  const absl::Status status = FinalizeConfig(config);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("server.min_free_disk_bytes"), std::string::npos) << status;
}

TEST_F(ConfigFileTest, ReadsTheFreeSpaceMinimum) {
  EXPECT_EQ(EmbeddedDefaults().min_free_disk_bytes, int64_t{64} << 20);
  auto config = LoadConfigFile(Write("[server]\nmin_free_disk_bytes = 524288\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->min_free_disk_bytes, 524288);
}

TEST_F(ConfigFileTest, ApiLimitsAndRouteAuthAreReadAndChecked) {
  setenv("LIVESNAP_TEST_METRICS_TOKEN", "from-env", 1);
  auto config = LoadConfigFile(
      Write("[api]\nrequest_timeout_ms = 3000\nmax_connections_per_ip = 8\n"
            "public_snapshots = true\nmetrics_token_env = \"LIVESNAP_TEST_METRICS_TOKEN\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->api_request_timeout_ms, 3000);
  EXPECT_EQ(config->api_max_connections_per_ip, 8);
  EXPECT_TRUE(config->api_public_snapshots);
  EXPECT_EQ(config->api_metrics_token, "from-env");
  EXPECT_FALSE(
      LoadConfigFile(Write("[api]\nmetrics_token_env = \"LIVESNAP_TEST_UNSET_ENV\"\n")).ok());
  config->api_request_timeout_ms = 10;
  const absl::Status status = FinalizeConfig(*config);
  EXPECT_NE(status.message().find("api.request_timeout_ms"), std::string::npos) << status;
  config->api_request_timeout_ms = 3000;
  config->api_max_connections_per_ip = 0;
  EXPECT_FALSE(FinalizeConfig(*config).ok());
}

TEST_F(ConfigFileTest, ApiWithoutAuthListensOnLoopbackUnlessTheConfigSaysOtherwise) {
  absl::StatusOr<Config> config = LoadConfigFile(Write("[api]\nauth = \"off\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(FinalizeConfig(*config).ok());
  EXPECT_EQ(config->api_listen.host, "127.0.0.1");
  EXPECT_EQ(config->api_listen.port, 8080);

  config = LoadConfigFile(Write("[api]\nauth = \"off\"\nlisten = \"0.0.0.0:8080\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(FinalizeConfig(*config).ok());
  EXPECT_EQ(config->api_listen.host, "0.0.0.0");

  config = LoadConfigFile(
      Write("[api]\nauth = \"on\"\naccess_keys = [{ id = \"k\", secret = \"s\" }]\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(FinalizeConfig(*config).ok());
  EXPECT_EQ(config->api_listen.host, "0.0.0.0");
}

}  // namespace
}  // namespace livesnap::server
