// File: tests/s3/s3rver.h
//
// s3rver (a real S3 REST server from npm, pinned in package.json) for tests
// and benchmarks on 127.0.0.1: the instance the CTest fixture keeps running
// for a whole test run, or private instances a test starts and stops itself
// (to play an outage):
//
//   S3rverProcess s3(dir / "s3rver", {"outage"});
//   ASSERT_TRUE(s3.Start());          // a free port; later Starts reuse it
//   ... S3Store on s3.Url() ...
//   s3.Stop();  ...  ASSERT_TRUE(s3.Start());   // same port, same objects
//
// s3rver accepts the access key S3RVER (secret S3RVER) and refuses any other
// with 403 InvalidAccessKeyId; it does not verify signatures. Host names
// under "livesnap.test" are virtual-hosted buckets ("snaps.s3.livesnap.test").
//
// Thread-safety: one owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/s3_options.h"
#include "tests/support/subprocess.h"

namespace livesnap::testing {

inline constexpr char kS3rverAccessKey[] = "S3RVER";
inline constexpr char kS3rverSecretKey[] = "S3RVER";
inline constexpr char kS3rverRegion[] = "us-east-1";
// The bucket the shared instance serves.
inline constexpr char kSharedBucket[] = "livesnap-test";
// Virtual-hosted buckets are "<bucket>.s3.<this>".
inline constexpr char kS3rverServiceEndpoint[] = "livesnap.test";

// npm-installs s3rver into the build tree if needed (what the CTest fixture
// does first); false with the output on stderr when that fails.
bool InstallS3rver();

class S3rverProcess {
 public:
  // Objects live in `dir`/data (kept across restarts); `buckets` are created
  // at each start. `port` 0: a free one, chosen at the first Start.
  S3rverProcess(std::filesystem::path dir, std::vector<std::string> buckets, uint16_t port = 0);
  ~S3rverProcess();

  // Starts the server and waits (up to 30 s) until it listens.
  bool Start();
  // SIGTERM, then waits for the process to end.
  void Stop();
  bool running();

  uint16_t port() const { return port_; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Log() const;

 private:
  std::filesystem::path dir_;
  std::vector<std::string> buckets_;
  uint16_t port_;
  std::unique_ptr<Subprocess> process_;
  int starts_ = 0;
};

// The URL of the instance the CTest fixture started ("" when there is none).
std::string SharedS3rverUrl();

// S3Options for `bucket` on the s3rver at `url`, path-style, with the
// credentials it accepts.
storage::S3Options S3rverOptions(const std::string& url, const std::string& bucket);

}  // namespace livesnap::testing
