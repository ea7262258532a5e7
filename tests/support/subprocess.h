// File: tests/support/subprocess.h
//
// A child process for tests: started with posix_spawn, its stdout+stderr
// going to a log file, stopped with a signal, waited on with a timeout.
//
//   Subprocess ffmpeg({"ffmpeg", "-i", ...}, dir / "ffmpeg.log");
//   int code = ffmpeg.Wait(std::chrono::seconds(30));
//
// Thread-safety: one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/wait_for.h"  // what a test of a process waits with

namespace livesnap::testing {

class Subprocess {
 public:
  // Starts `argv` (argv[0] looked up in PATH). Aborts the test binary if the
  // spawn itself fails: nothing sensible can follow.
  Subprocess(std::vector<std::string> argv, std::filesystem::path log_path);
  ~Subprocess();  // SIGKILLs and reaps a child still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int signal);
  // Exit code (128 + signal when killed by one); nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  std::string Log() const;
  const std::filesystem::path& log_path() const { return log_path_; }

 private:
  bool Reap(bool block);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path log_path_;
};

// Runs to completion (with a timeout), returning the exit code and output.
struct RunResult {
  int exit_code = -1;
  std::string output;
};
RunResult Run(std::vector<std::string> argv, std::chrono::milliseconds timeout);

// A TCP port on 127.0.0.1 free at the time of the call.
uint16_t FreePort();

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::filesystem::path& path);

}  // namespace livesnap::testing
