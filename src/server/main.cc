// livesnapd: the livesnap server process. Parses the command line and the
// config file, starts the daemon, and stops it gracefully on SIGINT/SIGTERM.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "base/status.h"
#include "server/config.h"
#include "server/daemon.h"

namespace {

struct Flags {
  std::string config_path;
  std::string rtmp_listen;
  std::string api_listen;
  std::string data_dir;
  std::string catalog_url;
  std::string log_level;
  bool check_config = false;
};

absl::StatusOr<livesnap::server::Config> BuildConfig(const Flags& flags) {
  using livesnap::server::Config;
  absl::StatusOr<Config> config = flags.config_path.empty()
                                      ? livesnap::server::EmbeddedDefaults()
                                      : livesnap::server::LoadConfigFile(flags.config_path);
  if (!config.ok()) return config;
  if (!flags.rtmp_listen.empty()) {
    auto address = livesnap::server::ParseListenAddress(flags.rtmp_listen);
    if (!address.ok()) return address.status();
    config->rtmp_listen = *address;
  }
  if (!flags.api_listen.empty()) {
    auto address = livesnap::server::ParseListenAddress(flags.api_listen);
    if (!address.ok()) return address.status();
    config->api_listen = *address;
    config->api_listen_explicit = true;
  }
  if (!flags.data_dir.empty()) config->data_dir = flags.data_dir;
  if (!flags.catalog_url.empty()) config->catalog_url = flags.catalog_url;
  if (!flags.log_level.empty()) {
    absl::Status level = livesnap::server::ValidateLogLevel(flags.log_level);
    if (!level.ok()) return livesnap::Annotate(level, "--log-level");
    config->log_level = flags.log_level;
  }
  if (absl::Status status = livesnap::server::FinalizeConfig(*config); !status.ok()) {
    return flags.config_path.empty() ? status
                                     : livesnap::Annotate(status, "config " + flags.config_path);
  }
  return config;
}

// Blocks SIGINT/SIGTERM/SIGHUP in every thread (threads inherit the mask),
// so that the main thread alone receives them with sigwait.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"livesnapd: live RTMP ingest that stores a JPEG snapshot of every stream"};
  Flags flags;
  app.add_option("-c,--config", flags.config_path, "TOML config file (default: embedded defaults)")
      ->check(CLI::ExistingFile);
  app.add_option("--rtmp-listen", flags.rtmp_listen, "RTMP listen address host:port");
  app.add_option("--api-listen", flags.api_listen, "HTTP API listen address host:port");
  app.add_option("--data-dir", flags.data_dir, "Directory for the SQLite catalog and file store");
  app.add_option("--catalog", flags.catalog_url, "Catalog URL: sqlite://PATH or postgres://...");
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error, critical, off");
  app.add_flag("--check-config", flags.check_config, "Validate the configuration and exit");
  app.set_version_flag("--version", "livesnapd 0.1.0");
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<livesnap::server::Config> config = BuildConfig(flags);
  if (!config.ok()) {
    std::cerr << "livesnapd: " << config.status().message() << "\n";
    return 2;
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  if (flags.check_config) {
    std::cout << "livesnapd: configuration OK\n";
    return 0;
  }

  sigset_t stop_signals = BlockStopSignals();
  absl::StatusOr<std::unique_ptr<livesnap::server::Daemon>> daemon =
      livesnap::server::Daemon::Create(*std::move(config));
  if (!daemon.ok()) {
    spdlog::error("{}", std::string(daemon.status().message()));
    return 1;
  }
  if (absl::Status started = (*daemon)->Start(); !started.ok()) {
    spdlog::error("{}", std::string(started.message()));
    (*daemon)->Stop();
    return 1;
  }
  int signal = 0;
  while (sigwait(&stop_signals, &signal) == 0 && signal == SIGHUP) (*daemon)->Reload();
  spdlog::info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  (*daemon)->Stop();
  spdlog::info("livesnapd stopped");
  return 0;
}
