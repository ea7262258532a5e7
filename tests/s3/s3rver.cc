#include "tests/s3/s3rver.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>

namespace livesnap::testing {

using namespace std::chrono_literals;

bool InstallS3rver() {
  RunResult result = Run({LIVESNAP_S3RVER_FIXTURE, "install", LIVESNAP_S3RVER_STATE}, 300s);
  if (result.exit_code != 0) {
    std::fprintf(stderr, "installing s3rver failed:\n%s\n", result.output.c_str());
    return false;
  }
  return true;
}

S3rverProcess::S3rverProcess(std::filesystem::path dir, std::vector<std::string> buckets,
                             uint16_t port)
    : dir_(std::move(dir)), buckets_(std::move(buckets)), port_(port) {
  std::filesystem::create_directories(dir_);
}

S3rverProcess::~S3rverProcess() { Stop(); }

bool S3rverProcess::Start() {
  if (process_ != nullptr && process_->running()) return true;
  const std::filesystem::path ready = dir_ / "port";
  std::filesystem::remove(ready);
  std::vector<std::string> argv = {"node",
                                   "--openssl-legacy-provider",  // see s3rver_main.js
                                   LIVESNAP_S3RVER_MAIN,
                                   "--modules",
                                   std::string(LIVESNAP_S3RVER_STATE) + "/npm/node_modules",
                                   "--directory",
                                   (dir_ / "data").string(),
                                   "--port",
                                   std::to_string(port_),
                                   "--service-endpoint",
                                   kS3rverServiceEndpoint,
                                   "--ready-file",
                                   ready.string()};
  for (const std::string& bucket : buckets_) {
    argv.push_back("--bucket");
    argv.push_back(bucket);
  }
  process_ =
      std::make_unique<Subprocess>(argv, dir_ / ("s3rver." + std::to_string(++starts_) + ".log"));
  const bool listening =
      WaitFor([&] { return std::filesystem::exists(ready) || !process_->running(); }, 30s);
  if (!listening || !std::filesystem::exists(ready)) {
    std::fprintf(stderr, "s3rver did not start:\n%s\n", process_->Log().c_str());
    return false;
  }
  port_ = static_cast<uint16_t>(std::stoi(ReadFile(ready)));
  return true;
}

void S3rverProcess::Stop() {
  if (process_ == nullptr) return;
  process_->Signal(SIGTERM);
  if (!process_->Wait(10s)) process_->Signal(SIGKILL);
  process_->Wait(10s);
  process_.reset();
}

bool S3rverProcess::running() { return process_ != nullptr && process_->running(); }

std::string S3rverProcess::Log() const { return process_ == nullptr ? "" : process_->Log(); }

std::string SharedS3rverUrl() {
  const std::string port = ReadFile(std::filesystem::path(LIVESNAP_S3RVER_STATE) / "port");
  if (port.empty()) return "";
  return "http://127.0.0.1:" + std::to_string(std::stoi(port));
}

storage::S3Options S3rverOptions(const std::string& url, const std::string& bucket) {
  return storage::S3Options{.endpoint = url,
                            .region = kS3rverRegion,
                            .bucket = bucket,
                            .access_key_id = kS3rverAccessKey,
                            .secret_access_key = kS3rverSecretKey,
                            .connect_timeout_ms = 2000,
                            .timeout_ms = 10'000};
}

}  // namespace livesnap::testing
