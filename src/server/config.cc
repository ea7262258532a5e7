#include "server/config.h"

#include <filesystem>
#include <set>
#include <toml.hpp>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "snapshot/template_rules.h"

namespace livesnap::server {

namespace {

using Table = toml::value;

// A budget smaller than this would close honest streams at their keyframes.
constexpr int64_t kMinSrtPesBudgetBytes = int64_t{1} << 20;

const std::set<std::string> kServerKeys = {"log_level", "data_dir", "min_free_disk_bytes"};
const std::set<std::string> kRtmpKeys = {"listen",
                                         "io_threads",
                                         "max_connections",
                                         "max_connections_per_ip",
                                         "max_handshakes_in_flight",
                                         "publishes_per_second_per_ip",
                                         "partial_message_budget_bytes",
                                         "handshake_timeout_ms",
                                         "idle_timeout_ms",
                                         "read_batch_bytes",
                                         "read_sweep_ms",
                                         "max_message_size",
                                         "max_chunk_size",
                                         "tls_listen",
                                         "tls_cert_file",
                                         "tls_key_file"};
const std::set<std::string> kSrtKeys = {"listen",
                                        "default_domain",
                                        "passphrase",
                                        "passphrase_env",
                                        "latency_ms",
                                        "max_connections",
                                        "max_connections_per_ip",
                                        "publishes_per_second_per_ip",
                                        "idle_timeout_ms",
                                        "pes_budget_bytes",
                                        "read_batch_ms"};
const std::set<std::string> kApiKeys = {"listen",
                                        "auth",
                                        "threads",
                                        "access_keys",
                                        "console_dir",
                                        "request_timeout_ms",
                                        "max_connections_per_ip",
                                        "metrics_token",
                                        "metrics_token_env",
                                        "public_snapshots"};
const std::set<std::string> kCatalogKeys = {"url", "record_retention_days", "backlog_max_bytes"};
const std::set<std::string> kClusterKeys = {"node_id", "advertise_rtmp", "advertise_api",
                                            "lease_ms", "heartbeat_ms"};
const std::set<std::string> kSnapshotKeys = {"workers", "jpeg_quality", "queue_max_bytes"};
const std::set<std::string> kDomainKeys = {
    "name", "region", "live_domain_type", "auth_type", "auth_key1", "auth_key2", "ali_auth_delta"};
const std::set<std::string> kTemplateKeys = {
    "domain", "app", "interval", "bucket", "overwrite", "sequence", "callback", "width", "height"};

absl::Status CheckKeys(const Table& table, const std::string& where,
                       const std::set<std::string>& known) {
  if (!table.is_table()) return absl::InvalidArgumentError(where + " is not a table");
  for (const auto& [key, value] : table.as_table()) {
    if (!known.contains(key)) {
      return absl::InvalidArgumentError("unknown key \"" + where + "." + key + "\"");
    }
  }
  return absl::OkStatus();
}

// toml11 reports type mismatches by exception; they end here.
template <typename T>
absl::Status Read(const Table& table, const std::string& where, const std::string& key, T& out) {
  if (!table.contains(key)) return absl::OkStatus();
  try {
    out = toml::find<T>(table, key);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(where + "." + key + ": " + e.what());
  }
  return absl::OkStatus();
}

absl::Status ReadListen(const Table& table, const std::string& where, ListenAddress& out) {
  std::string text;
  LS_RETURN_IF_ERROR(Read(table, where, "listen", text), "");
  if (text.empty()) return absl::OkStatus();
  LS_ASSIGN_OR_RETURN(out, ParseListenAddress(text), where + ".listen");
  return absl::OkStatus();
}

// RTMPS: a listen address turns it on, and then needs a certificate and a key.
absl::Status ReadRtmps(const Table& t, Config& config) {
  std::string listen;
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "tls_listen", listen), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "tls_cert_file", config.rtmp_tls_cert_file), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "tls_key_file", config.rtmp_tls_key_file), "");
  if (listen.empty()) return absl::OkStatus();
  LS_ASSIGN_OR_RETURN(config.rtmp_tls_listen, ParseListenAddress(listen), "rtmp.tls_listen");
  if (config.rtmp_tls_cert_file.empty() || config.rtmp_tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "rtmp.tls_listen needs rtmp.tls_cert_file and rtmp.tls_key_file (PEM files)");
  }
  return absl::OkStatus();
}

absl::Status ReadServer(const Table& root, Config& config) {
  if (!root.contains("server")) return absl::OkStatus();
  const Table& t = toml::find(root, "server");
  LS_RETURN_IF_ERROR(CheckKeys(t, "server", kServerKeys), "");
  LS_RETURN_IF_ERROR(Read(t, "server", "log_level", config.log_level), "");
  LS_RETURN_IF_ERROR(ValidateLogLevel(config.log_level), "server.log_level");
  LS_RETURN_IF_ERROR(Read(t, "server", "min_free_disk_bytes", config.min_free_disk_bytes), "");
  return Read(t, "server", "data_dir", config.data_dir);
}

absl::Status ReadRtmp(const Table& root, Config& config) {
  if (!root.contains("rtmp")) return absl::OkStatus();
  const Table& t = toml::find(root, "rtmp");
  LS_RETURN_IF_ERROR(CheckKeys(t, "rtmp", kRtmpKeys), "");
  LS_RETURN_IF_ERROR(ReadListen(t, "rtmp", config.rtmp_listen), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "io_threads", config.rtmp_io_threads), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "max_connections", config.rtmp_max_connections), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "max_connections_per_ip", config.rtmp_max_connections_per_ip),
                     "");
  LS_RETURN_IF_ERROR(
      Read(t, "rtmp", "max_handshakes_in_flight", config.rtmp_max_handshakes_in_flight), "");
  LS_RETURN_IF_ERROR(
      Read(t, "rtmp", "publishes_per_second_per_ip", config.rtmp_publishes_per_second_per_ip), "");
  LS_RETURN_IF_ERROR(
      Read(t, "rtmp", "partial_message_budget_bytes", config.rtmp_partial_message_budget_bytes),
      "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "handshake_timeout_ms", config.rtmp_handshake_timeout_ms), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "idle_timeout_ms", config.rtmp_idle_timeout_ms), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "read_batch_bytes", config.rtmp_read_batch_bytes), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "read_sweep_ms", config.rtmp_read_sweep_ms), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "max_message_size", config.rtmp_max_message_size), "");
  LS_RETURN_IF_ERROR(Read(t, "rtmp", "max_chunk_size", config.rtmp_max_chunk_size), "");
  return ReadRtmps(t, config);
}

absl::Status ReadSrt(const Table& root, Config& config) {
  if (!root.contains("srt")) return absl::OkStatus();
  const Table& t = toml::find(root, "srt");
  LS_RETURN_IF_ERROR(CheckKeys(t, "srt", kSrtKeys), "");
  LS_RETURN_IF_ERROR(ReadListen(t, "srt", config.srt_listen), "");
  LS_RETURN_IF_ERROR(Read(t, "srt", "default_domain", config.srt_default_domain), "");
  LS_RETURN_IF_ERROR(Read(t, "srt", "passphrase", config.srt_passphrase), "");
  std::string passphrase_env;
  LS_RETURN_IF_ERROR(Read(t, "srt", "passphrase_env", passphrase_env), "");
  if (!passphrase_env.empty()) {
    const char* value = std::getenv(passphrase_env.c_str());
    if (value == nullptr) {
      return absl::InvalidArgumentError("srt.passphrase_env: " + passphrase_env + " is not set");
    }
    config.srt_passphrase = value;
  }
  LS_RETURN_IF_ERROR(Read(t, "srt", "latency_ms", config.srt_latency_ms), "");
  LS_RETURN_IF_ERROR(Read(t, "srt", "max_connections", config.srt_max_connections), "");
  LS_RETURN_IF_ERROR(Read(t, "srt", "max_connections_per_ip", config.srt_max_connections_per_ip),
                     "");
  LS_RETURN_IF_ERROR(
      Read(t, "srt", "publishes_per_second_per_ip", config.srt_publishes_per_second_per_ip), "");
  LS_RETURN_IF_ERROR(Read(t, "srt", "idle_timeout_ms", config.srt_idle_timeout_ms), "");
  LS_RETURN_IF_ERROR(Read(t, "srt", "pes_budget_bytes", config.srt_pes_budget_bytes), "");
  LS_RETURN_IF_ERROR(Read(t, "srt", "read_batch_ms", config.srt_read_batch_ms), "");
  if (config.srt_read_batch_ms < 0 || config.srt_read_batch_ms > 100) {
    return absl::InvalidArgumentError(absl::StrCat("srt.read_batch_ms ", config.srt_read_batch_ms,
                                                   " is not 0..100 (0: no read batching)"));
  }
  if (config.srt_max_connections_per_ip < 1 || config.srt_publishes_per_second_per_ip < 1) {
    return absl::InvalidArgumentError(
        "srt.max_connections_per_ip and srt.publishes_per_second_per_ip must be at least 1");
  }
  // libsrt delivers data latency_ms after it arrives: a shorter idle timeout
  // would close every caller before its first packet.
  if (config.srt_idle_timeout_ms <= config.srt_latency_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("srt.idle_timeout_ms ", config.srt_idle_timeout_ms,
                     " must be more than srt.latency_ms ", config.srt_latency_ms));
  }
  if (config.srt_pes_budget_bytes < kMinSrtPesBudgetBytes) {
    return absl::InvalidArgumentError(absl::StrCat("srt.pes_budget_bytes ",
                                                   config.srt_pes_budget_bytes, " is under ",
                                                   kMinSrtPesBudgetBytes, " (1 MiB)"));
  }
  if (!config.srt_passphrase.empty() &&
      (config.srt_passphrase.size() < 10 || config.srt_passphrase.size() > 79)) {
    return absl::InvalidArgumentError("srt.passphrase must have 10..79 characters");
  }
  if (config.srt_latency_ms < 20 || config.srt_latency_ms > 10'000 ||
      config.srt_max_connections < 1) {
    return absl::InvalidArgumentError(
        "srt.latency_ms must be 20..10000 and srt.max_connections at least 1");
  }
  return absl::OkStatus();
}

absl::Status ReadApi(const Table& root, Config& config) {
  if (!root.contains("api")) return absl::OkStatus();
  const Table& t = toml::find(root, "api");
  LS_RETURN_IF_ERROR(CheckKeys(t, "api", kApiKeys), "");
  LS_RETURN_IF_ERROR(ReadListen(t, "api", config.api_listen), "");
  config.api_listen_explicit = t.contains("listen");
  LS_RETURN_IF_ERROR(Read(t, "api", "threads", config.api_threads), "");
  LS_RETURN_IF_ERROR(Read(t, "api", "console_dir", config.api_console_dir), "");
  LS_RETURN_IF_ERROR(Read(t, "api", "request_timeout_ms", config.api_request_timeout_ms), "");
  LS_RETURN_IF_ERROR(Read(t, "api", "max_connections_per_ip", config.api_max_connections_per_ip),
                     "");
  LS_RETURN_IF_ERROR(Read(t, "api", "public_snapshots", config.api_public_snapshots), "");
  LS_RETURN_IF_ERROR(Read(t, "api", "metrics_token", config.api_metrics_token), "");
  std::string token_env;
  LS_RETURN_IF_ERROR(Read(t, "api", "metrics_token_env", token_env), "");
  if (!token_env.empty()) {
    const char* value = std::getenv(token_env.c_str());
    if (value == nullptr || *value == '\0') {
      return absl::InvalidArgumentError("api.metrics_token_env: environment variable " + token_env +
                                        " is not set");
    }
    config.api_metrics_token = value;
  }
  std::string auth = config.api_auth ? "on" : "off";
  LS_RETURN_IF_ERROR(Read(t, "api", "auth", auth), "");
  if (auth != "on" && auth != "off") {
    return absl::InvalidArgumentError("api.auth must be \"on\" or \"off\", not \"" + auth + "\"");
  }
  config.api_auth = auth == "on";
  if (!t.contains("access_keys")) return absl::OkStatus();
  const Table& keys = toml::find(t, "access_keys");
  if (!keys.is_array()) return absl::InvalidArgumentError("api.access_keys must be an array");
  for (const Table& key : keys.as_array()) {
    LS_RETURN_IF_ERROR(CheckKeys(key, "api.access_keys[]", {"id", "secret", "secret_env"}), "");
    std::string id, secret, secret_env;
    LS_RETURN_IF_ERROR(Read(key, "api.access_keys[]", "id", id), "");
    LS_RETURN_IF_ERROR(Read(key, "api.access_keys[]", "secret", secret), "");
    LS_RETURN_IF_ERROR(Read(key, "api.access_keys[]", "secret_env", secret_env), "");
    if (!secret_env.empty()) {
      const char* value = std::getenv(secret_env.c_str());
      if (value == nullptr) {
        return absl::InvalidArgumentError("api.access_keys[] \"" + id +
                                          "\": environment variable " + secret_env + " is not set");
      }
      secret = value;
    }
    if (id.empty() || secret.empty()) {
      return absl::InvalidArgumentError("api.access_keys[] needs an id and a secret");
    }
    config.access_keys[id] = secret;
  }
  return absl::OkStatus();
}

// A [[storage]] value as text: a string as it is, an integer or a boolean
// as TOML writes it (timeout_ms = 2000 -> "2000", verify_tls = false ->
// "false"), so kind-specific settings need not be quoted.
absl::StatusOr<std::string> StorageText(const Table& value, const std::string& key) {
  if (value.is_string()) return toml::get<std::string>(value);
  if (value.is_integer()) return std::to_string(value.as_integer());
  if (value.is_boolean()) return std::string(value.as_boolean() ? "true" : "false");
  return absl::InvalidArgumentError("storage." + key + ": " + toml::format(value) +
                                    " is not a string, an integer or a boolean");
}

absl::Status ReadStorage(const Table& entry, StorageConfig& storage) {
  if (!entry.is_table()) return absl::InvalidArgumentError("[[storage]] entry is not a table");
  for (const auto& [key, value] : entry.as_table()) {
    LS_ASSIGN_OR_RETURN(std::string text, StorageText(value, key), "");
    if (key == "name") {
      storage.bucket.name = text;
    } else if (key == "region") {
      storage.bucket.region = text;
    } else if (key == "endpoint") {
      storage.bucket.endpoint = text;
    } else if (key == "kind") {
      storage.bucket.kind = text;
    } else if (key == "root") {
      storage.root = text;
    } else {
      storage.settings[key] = text;
    }
  }
  if (storage.bucket.name.empty() || storage.bucket.region.empty()) {
    return absl::InvalidArgumentError("[[storage]] needs a name and a region");
  }
  if (storage.bucket.kind.empty()) storage.bucket.kind = "file";
  if (storage.bucket.kind != "file" && storage.bucket.kind != "s3") {
    return absl::InvalidArgumentError("[[storage]] \"" + storage.bucket.name + "\": kind \"" +
                                      storage.bucket.kind + "\" is not \"file\" or \"s3\"");
  }
  if (storage.bucket.endpoint.empty()) storage.bucket.endpoint = storage.bucket.kind + ".local";
  return absl::OkStatus();
}

absl::Status ReadTemplate(const Table& entry, catalog::SnapshotTemplate& tmpl) {
  LS_RETURN_IF_ERROR(CheckKeys(entry, "template", kTemplateKeys), "");
  LS_RETURN_IF_ERROR(Read(entry, "template", "domain", tmpl.domain), "");
  LS_RETURN_IF_ERROR(Read(entry, "template", "app", tmpl.app), "");
  LS_RETURN_IF_ERROR(Read(entry, "template", "interval", tmpl.interval_s), "");
  LS_RETURN_IF_ERROR(Read(entry, "template", "bucket", tmpl.bucket), "");
  LS_RETURN_IF_ERROR(Read(entry, "template", "overwrite", tmpl.overwrite_pattern), "");
  LS_RETURN_IF_ERROR(Read(entry, "template", "sequence", tmpl.sequence_pattern), "");
  LS_RETURN_IF_ERROR(Read(entry, "template", "callback", tmpl.callback), "");
  LS_RETURN_IF_ERROR(Read(entry, "template", "width", tmpl.width), "");
  LS_RETURN_IF_ERROR(Read(entry, "template", "height", tmpl.height), "");
  if (tmpl.domain.empty() || tmpl.app.empty() || tmpl.bucket.empty()) {
    return absl::InvalidArgumentError("[[template]] needs domain, app and bucket");
  }
  return absl::OkStatus();
}

// The config key a template rule is about.
std::string TemplateKey(snapshot::TemplateField field) {
  switch (field) {
    case snapshot::TemplateField::kInterval:
      return "template.interval";
    case snapshot::TemplateField::kOverwritePattern:
      return "template.overwrite";
    case snapshot::TemplateField::kSequencePattern:
      return "template.sequence";
    case snapshot::TemplateField::kStorageModes:
      return "template.overwrite and template.sequence";
    case snapshot::TemplateField::kWidth:
      return "template.width";
    case snapshot::TemplateField::kHeight:
      return "template.height";
    case snapshot::TemplateField::kBucketRegion:
      return "template.bucket";
  }
  return "template";
}

// The API's rules (snapshot::ValidateTemplate), so a file cannot seed a
// template the API would refuse; the region rule when the file declares both
// the template's domain and its bucket.
absl::Status CheckTemplate(const catalog::SnapshotTemplate& tmpl, const Config& config) {
  const catalog::Bucket* bucket = nullptr;
  for (const StorageConfig& storage : config.storages) {
    if (storage.bucket.name == tmpl.bucket) bucket = &storage.bucket;
  }
  const catalog::Domain* domain = nullptr;
  for (const catalog::Domain& seed : config.seed_domains) {
    if (seed.name == tmpl.domain) domain = &seed;
  }
  if (auto violation = snapshot::ValidateTemplate(tmpl, bucket, domain)) {
    return absl::InvalidArgumentError("[[template]] " + tmpl.domain + "/" + tmpl.app + ": " +
                                      TemplateKey(violation->field) + ": " + violation->message);
  }
  return absl::OkStatus();
}

// A [[domain]]'s URL signing, when it names an auth_type other than no_auth.
absl::Status ReadPushAuth(const Table& entry, const std::string& domain, Config& config) {
  snapshot::PushAuthConfig auth;
  LS_RETURN_IF_ERROR(Read(entry, "domain", "auth_type", auth.auth_type), "");
  LS_RETURN_IF_ERROR(Read(entry, "domain", "auth_key1", auth.auth_key1), "");
  LS_RETURN_IF_ERROR(Read(entry, "domain", "auth_key2", auth.auth_key2), "");
  LS_RETURN_IF_ERROR(Read(entry, "domain", "ali_auth_delta", auth.delta_s), "");
  LS_RETURN_IF_ERROR(snapshot::ValidatePushAuthConfig(auth), "[[domain]] " + domain);
  if (auth.auth_type != "no_auth") config.push_auth[domain] = std::move(auth);
  return absl::OkStatus();
}

// The embedded storage, domains and templates go as a whole: keeping some of
// them would leave templates naming domains or buckets the file dropped.
absl::Status ReadSeeds(const Table& root, Config& config) {
  if (root.contains("storage") || root.contains("domain") || root.contains("template")) {
    config.storages.clear();
    config.seed_domains.clear();
    config.push_auth.clear();
    config.seed_templates.clear();
  }
  if (root.contains("storage")) {
    for (const Table& entry : toml::find(root, "storage").as_array()) {
      StorageConfig storage;
      LS_RETURN_IF_ERROR(ReadStorage(entry, storage), "");
      config.storages.push_back(std::move(storage));
    }
  }
  if (root.contains("domain")) {
    for (const Table& entry : toml::find(root, "domain").as_array()) {
      LS_RETURN_IF_ERROR(CheckKeys(entry, "domain", kDomainKeys), "");
      catalog::Domain domain;
      LS_RETURN_IF_ERROR(Read(entry, "domain", "name", domain.name), "");
      LS_RETURN_IF_ERROR(Read(entry, "domain", "region", domain.region), "");
      if (domain.name.empty() || domain.region.empty()) {
        return absl::InvalidArgumentError("[[domain]] needs a name and a region");
      }
      LS_RETURN_IF_ERROR(Read(entry, "domain", "live_domain_type", domain.live_domain_type), "");
      if (domain.live_domain_type != catalog::kLiveVideo &&
          domain.live_domain_type != catalog::kLiveEdge) {
        return absl::InvalidArgumentError("domain.live_domain_type: \"" + domain.live_domain_type +
                                          "\" of [[domain]] " + domain.name +
                                          " is not liveVideo or liveEdge");
      }
      LS_RETURN_IF_ERROR(ReadPushAuth(entry, domain.name, config), "");
      config.seed_domains.push_back(std::move(domain));
    }
  }
  if (root.contains("template")) {
    for (const Table& entry : toml::find(root, "template").as_array()) {
      catalog::SnapshotTemplate tmpl;
      LS_RETURN_IF_ERROR(ReadTemplate(entry, tmpl), "");
      LS_RETURN_IF_ERROR(CheckTemplate(tmpl, config), "");
      config.seed_templates.push_back(std::move(tmpl));
    }
  }
  return absl::OkStatus();
}

}  // namespace

Config EmbeddedDefaults() {
  Config config;
  StorageConfig local;
  local.bucket = {"snapshots", "local", "file.local", "file"};
  local.root = "snapshots";
  config.storages.push_back(local);
  for (const char* name : {"127.0.0.1", "localhost"}) {
    catalog::Domain domain;
    domain.name = name;
    domain.region = "local";
    config.seed_domains.push_back(std::move(domain));
  }
  for (const catalog::Domain& domain : config.seed_domains) {
    catalog::SnapshotTemplate tmpl;
    tmpl.domain = domain.name;
    tmpl.app = "*";
    tmpl.interval_s = 5;
    tmpl.endpoint = local.bucket.endpoint;
    tmpl.bucket = local.bucket.name;
    tmpl.overwrite_pattern = "{AppName}/{StreamName}.jpg";
    tmpl.sequence_pattern = "{AppName}/{StreamName}/{Sequence}.jpg";
    config.seed_templates.push_back(tmpl);
  }
  return config;
}

absl::Status ValidateLogLevel(std::string_view level) {
  for (std::string_view known : kLogLevels) {
    if (level == known) return absl::OkStatus();
  }
  return absl::InvalidArgumentError("\"" + std::string(level) +
                                    "\" is not one of trace, debug, info, warn, error, "
                                    "critical, off");
}

absl::StatusOr<ListenAddress> ParseListenAddress(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("listen address \"" + text + "\" is not host:port");
  }
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.empty()) address.host = "0.0.0.0";
  if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  int value = -1;
  try {
    size_t used = 0;
    value = std::stoi(port, &used);
    if (used != port.size()) value = -1;
  } catch (const std::exception&) {
    value = -1;
  }
  if (value < 0 || value > 65535) {
    return absl::InvalidArgumentError("listen address \"" + text + "\": port \"" + port +
                                      "\" is not 0..65535");
  }
  address.port = static_cast<uint16_t>(value);
  return address;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  Config config = EmbeddedDefaults();
  Table root;
  try {
    root = toml::parse(path);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError("config " + path + ": " + e.what());
  }
  for (const auto& [key, value] : root.as_table()) {
    static const std::set<std::string> kSections = {"server",   "rtmp",     "srt",     "api",
                                                    "catalog",  "snapshot", "storage", "domain",
                                                    "template", "cluster"};
    if (!kSections.contains(key)) {
      return absl::InvalidArgumentError("config " + path + ": unknown section \"" + key + "\"");
    }
  }
  LS_RETURN_IF_ERROR(ReadServer(root, config), "config " + path);
  LS_RETURN_IF_ERROR(ReadRtmp(root, config), "config " + path);
  LS_RETURN_IF_ERROR(ReadSrt(root, config), "config " + path);
  LS_RETURN_IF_ERROR(ReadApi(root, config), "config " + path);
  if (root.contains("catalog")) {
    const Table& t = toml::find(root, "catalog");
    LS_RETURN_IF_ERROR(CheckKeys(t, "catalog", kCatalogKeys), "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "catalog", "url", config.catalog_url), "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "catalog", "record_retention_days", config.record_retention_days),
                       "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "catalog", "backlog_max_bytes", config.catalog_backlog_max_bytes),
                       "config " + path);
  }
  if (root.contains("snapshot")) {
    const Table& t = toml::find(root, "snapshot");
    LS_RETURN_IF_ERROR(CheckKeys(t, "snapshot", kSnapshotKeys), "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "snapshot", "workers", config.snapshot_workers), "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "snapshot", "jpeg_quality", config.jpeg_quality), "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "snapshot", "queue_max_bytes", config.capture_queue_max_bytes),
                       "config " + path);
  }
  if (root.contains("cluster")) {
    const Table& t = toml::find(root, "cluster");
    LS_RETURN_IF_ERROR(CheckKeys(t, "cluster", kClusterKeys), "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "cluster", "node_id", config.cluster_node_id), "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "cluster", "advertise_rtmp", config.cluster_advertise_rtmp),
                       "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "cluster", "advertise_api", config.cluster_advertise_api),
                       "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "cluster", "lease_ms", config.cluster_lease_ms), "config " + path);
    LS_RETURN_IF_ERROR(Read(t, "cluster", "heartbeat_ms", config.cluster_heartbeat_ms),
                       "config " + path);
  }
  LS_RETURN_IF_ERROR(ReadSeeds(root, config), "config " + path);
  return config;
}

absl::Status FinalizeConfig(Config& config) {
  namespace fs = std::filesystem;
  LS_RETURN_IF_ERROR(ValidateLogLevel(config.log_level), "server.log_level");
  if (config.rtmp_io_threads < 1 || config.rtmp_io_threads > 64) {
    return absl::InvalidArgumentError("rtmp.io_threads " + std::to_string(config.rtmp_io_threads) +
                                      " is not 1..64");
  }
  if (config.rtmp_max_connections < 1 || config.rtmp_max_connections_per_ip < 1 ||
      config.rtmp_max_handshakes_in_flight < 1 || config.rtmp_publishes_per_second_per_ip < 1) {
    return absl::InvalidArgumentError(
        "rtmp.max_connections, max_connections_per_ip, max_handshakes_in_flight and "
        "publishes_per_second_per_ip must be at least 1");
  }
  if (config.rtmp_read_batch_bytes < 0 || config.rtmp_read_batch_bytes > (1 << 20)) {
    return absl::InvalidArgumentError("rtmp.read_batch_bytes " +
                                      std::to_string(config.rtmp_read_batch_bytes) +
                                      " is not 0..1048576 (0: no read batching)");
  }
  if (config.rtmp_read_sweep_ms < 1 || config.rtmp_read_sweep_ms > 1000) {
    return absl::InvalidArgumentError(
        "rtmp.read_sweep_ms " + std::to_string(config.rtmp_read_sweep_ms) + " is not 1..1000");
  }
  if (config.api_request_timeout_ms < 100 || config.api_request_timeout_ms > 600'000) {
    return absl::InvalidArgumentError("api.request_timeout_ms " +
                                      std::to_string(config.api_request_timeout_ms) +
                                      " is not 100..600000");
  }
  if (config.api_max_connections_per_ip < 1) {
    return absl::InvalidArgumentError("api.max_connections_per_ip must be at least 1");
  }
  if (config.rtmp_handshake_timeout_ms < 100 || config.rtmp_idle_timeout_ms < 100) {
    return absl::InvalidArgumentError("rtmp timeouts must be at least 100 ms");
  }
  if (config.rtmp_max_chunk_size < 128 || config.rtmp_max_message_size < 1024 ||
      config.rtmp_max_message_size > (1u << 24)) {
    return absl::InvalidArgumentError(
        "rtmp.max_chunk_size must be >= 128 and rtmp.max_message_size 1024..16777216");
  }
  // A large message may use 7/8 of the budget (the rest is kept for clients
  // holding little): room for two whole messages at least.
  if (config.rtmp_partial_message_budget_bytes < 2 * int64_t{config.rtmp_max_message_size}) {
    return absl::InvalidArgumentError("rtmp.partial_message_budget_bytes " +
                                      std::to_string(config.rtmp_partial_message_budget_bytes) +
                                      " is less than twice rtmp.max_message_size");
  }
  if (config.snapshot_workers < 1 || config.snapshot_workers > 256) {
    return absl::InvalidArgumentError("snapshot.workers " +
                                      std::to_string(config.snapshot_workers) + " is not 1..256");
  }
  if (config.jpeg_quality < 1 || config.jpeg_quality > 100) {
    return absl::InvalidArgumentError("snapshot.jpeg_quality " +
                                      std::to_string(config.jpeg_quality) + " is not 1..100");
  }
  if (config.capture_queue_max_bytes < (int64_t{1} << 20)) {
    return absl::InvalidArgumentError("snapshot.queue_max_bytes " +
                                      std::to_string(config.capture_queue_max_bytes) +
                                      " is less than 1 MiB");
  }
  if (config.min_free_disk_bytes < 0) {
    return absl::InvalidArgumentError("server.min_free_disk_bytes " +
                                      std::to_string(config.min_free_disk_bytes) +
                                      " is negative (0 never reports low space)");
  }
  if (config.catalog_backlog_max_bytes < (int64_t{1} << 20)) {
    return absl::InvalidArgumentError("catalog.backlog_max_bytes " +
                                      std::to_string(config.catalog_backlog_max_bytes) +
                                      " is less than 1 MiB");
  }
  if (config.record_retention_days < 0) {
    return absl::InvalidArgumentError("catalog.record_retention_days " +
                                      std::to_string(config.record_retention_days) +
                                      " is negative (0 keeps records forever)");
  }
  if (config.cluster_heartbeat_ms < 100 ||
      config.cluster_lease_ms < 2 * config.cluster_heartbeat_ms) {
    return absl::InvalidArgumentError(
        "cluster.heartbeat_ms must be >= 100 and cluster.lease_ms at least twice it (lease " +
        std::to_string(config.cluster_lease_ms) + ", heartbeat " +
        std::to_string(config.cluster_heartbeat_ms) + ")");
  }
  if (config.api_auth && config.access_keys.empty()) {
    return absl::InvalidArgumentError("api.auth is on but api.access_keys is empty");
  }
  // An API without authentication answers this machine only, unless the
  // operator named the address (the daemon then warns loudly).
  if (!config.api_auth && !config.api_listen_explicit) config.api_listen.host = "127.0.0.1";
  if (!config.api_console_dir.empty()) {
    config.api_console_dir = fs::absolute(config.api_console_dir).lexically_normal().string();
  }
  const fs::path data_dir = fs::absolute(config.data_dir);
  config.data_dir = data_dir.string();
  if (config.catalog_url.empty()) {
    config.catalog_url = "sqlite://" + (data_dir / "catalog.db").string();
  }
  for (StorageConfig& storage : config.storages) {
    if (storage.bucket.kind != "file") continue;
    if (storage.root.empty()) storage.root = storage.bucket.name;
    storage.root = (data_dir / storage.root).lexically_normal().string();
  }
  return absl::OkStatus();
}

}  // namespace livesnap::server
