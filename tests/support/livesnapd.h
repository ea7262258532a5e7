// File: tests/support/livesnapd.h
//
// The real livesnapd binary as a test fixture: started on free loopback
// ports with its own data directory, waited on until it says it is ready,
// stopped with SIGTERM.
//
//   LivesnapdProcess server(dir.path());      // embedded defaults
//   ASSERT_TRUE(server.Start());
//   push to server.RtmpUrl("live", "demo") ...
//   EXPECT_EQ(server.Stop(), 0);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace livesnap::testing {

class LivesnapdProcess {
 public:
  // `extra_args` go after the generated ones (e.g. {"-c", config}).
  LivesnapdProcess(std::filesystem::path dir, std::vector<std::string> extra_args = {});

  // Runs the binary through `launcher` (e.g. {"prlimit", "--as=4294967296",
  // "--"}), which must exec it in the same process. Before Start.
  void set_launcher(std::vector<std::string> launcher) { launcher_ = std::move(launcher); }
  // Starts the binary and waits (up to 30 s) for its ready line.
  bool Start();
  bool running() const { return process_ && process_->running(); }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  // SIGTERM, then waits up to 20 s; returns the exit code (-1 on timeout).
  int Stop();
  // SIGKILL, as a crash: nothing is shut down. Returns once it is reaped.
  void Kill();

  // rtmp://127.0.0.1:PORT/app/stream; with `domain`, the app carries
  // ?vhost=domain (how a client connecting by IP names the streaming domain).
  std::string RtmpUrl(const std::string& app, const std::string& stream,
                      const std::string& domain = "") const;
  std::string Log() const;
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout) const;
  uint16_t rtmp_port() const { return rtmp_port_; }
  uint16_t api_port() const { return api_port_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path data_dir_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> launcher_;
  uint16_t rtmp_port_;
  uint16_t api_port_;
  std::unique_ptr<Subprocess> process_;
};

// The path of the livesnapd binary under test (set by the build).
std::string LivesnapdPath();

// A config file's text: `before` (e.g. an [rtmp] table), then a file
// storage "shots" under `shots_dir`, the streaming domain `domain` in
// cn-shanghai with `domain_keys` as more lines of its table (e.g. push
// auth), and a template for every app of it: a snapshot every 5 s to
// {AppName}/{StreamName}.jpg.
std::string OneDomainConfig(const std::filesystem::path& shots_dir, const std::string& domain,
                            const std::string& domain_keys = "", const std::string& before = "");

}  // namespace livesnap::testing
