#include "tests/support/livesnapd.h"

#include <csignal>

namespace livesnap::testing {

std::string LivesnapdPath() { return LIVESNAPD_PATH; }

std::string OneDomainConfig(const std::filesystem::path& shots_dir, const std::string& domain,
                            const std::string& domain_keys, const std::string& before) {
  return before + "\n[[storage]]\nname = \"shots\"\nregion = \"cn-shanghai\"\nroot = \"" +
         shots_dir.string() + "\"\n[[domain]]\nname = \"" + domain +
         "\"\nregion = \"cn-shanghai\"\n" + domain_keys + "\n[[template]]\ndomain = \"" + domain +
         "\"\napp = \"*\"\ninterval = 5\nbucket = \"shots\"\n"
         "overwrite = \"{AppName}/{StreamName}.jpg\"\n";
}

LivesnapdProcess::LivesnapdProcess(std::filesystem::path dir, std::vector<std::string> extra_args)
    : dir_(std::move(dir)),
      data_dir_(dir_ / "data"),
      extra_args_(std::move(extra_args)),
      rtmp_port_(FreePort()),
      api_port_(FreePort()) {}

bool LivesnapdProcess::Start() {
  std::vector<std::string> argv = launcher_;
  argv.insert(
      argv.end(),
      {LivesnapdPath(), "--rtmp-listen", "127.0.0.1:" + std::to_string(rtmp_port_), "--api-listen",
       "127.0.0.1:" + std::to_string(api_port_), "--data-dir", data_dir_.string()});
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  process_ = std::make_unique<Subprocess>(argv, dir_ / "livesnapd.log");
  return WaitFor(
             [&] {
               return Log().find("livesnapd ready") != std::string::npos || !process_->running();
             },
             std::chrono::seconds(30)) &&
         process_->running();
}

int LivesnapdProcess::Stop() {
  if (!process_) return -1;
  process_->Signal(SIGTERM);
  return process_->Wait(std::chrono::seconds(20)).value_or(-1);
}

void LivesnapdProcess::Kill() {
  if (!process_) return;
  process_->Signal(SIGKILL);
  (void)process_->Wait(std::chrono::seconds(20));
}

std::string LivesnapdProcess::RtmpUrl(const std::string& app, const std::string& stream,
                                      const std::string& domain) const {
  const std::string vhost = domain.empty() ? "" : "?vhost=" + domain;
  return "rtmp://127.0.0.1:" + std::to_string(rtmp_port_) + "/" + app + vhost + "/" + stream;
}

std::string LivesnapdProcess::Log() const { return process_ ? process_->Log() : ""; }

bool LivesnapdProcess::WaitForLog(const std::string& text,
                                  std::chrono::milliseconds timeout) const {
  return WaitFor([&] { return Log().find(text) != std::string::npos; }, timeout);
}

}  // namespace livesnap::testing
