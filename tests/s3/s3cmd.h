// File: tests/s3/s3cmd.h
//
// s3cmd (Debian's), configured for one s3rver: the independent S3 client
// tests use to check what livesnap stored without any of livesnap's code.
//
//   S3cmd s3cmd(dir.path(), s3rver.port(), "shots");
//   std::vector<std::string> keys = s3cmd.List("live/");   // "live/demo/0.jpg", ...
//   std::string jpeg = s3cmd.Get("live/demo.jpg");
//
// Thread-safety: one owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace livesnap::testing {

class S3cmd {
 public:
  // Writes its config (path-style, plain HTTP, s3rver's keys) under `dir`.
  S3cmd(const std::filesystem::path& dir, uint16_t port, std::string bucket);

  // `s3cmd -c CONFIG args...`, with a 60 s timeout.
  RunResult Run(const std::vector<std::string>& args) const;
  // "s3://BUCKET/key" of `key`.
  std::string Uri(const std::string& key) const;
  // The keys under `prefix`, sorted, from "s3cmd ls -r".
  std::vector<std::string> List(const std::string& prefix) const;
  // The object's bytes from "s3cmd get"; "" when there is none.
  std::string Get(const std::string& key) const;
  // A field of "s3cmd info" ("MIME type", "MD5 sum"); "" when absent.
  std::string Info(const std::string& key, const std::string& field) const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path config_;
  std::string bucket_;
  mutable int gets_ = 0;
};

}  // namespace livesnap::testing
