// File: api/testing/api_fixture.h
//
// The API under test as a person would meet it: a real ApiServer on a free
// 127.0.0.1 port, over a real catalog in a fresh database, a real MediaHub
// and real FileStores, called over HTTP with ApiClient. The catalog is
// SQLite, or PostgreSQL (the `postgres` CTest fixture's server) when
// LIVESNAP_TEST_POSTGRES_URL_FILE is set: the suite is registered for both.
//
// Buckets: "snapshots" (region cn-shanghai, endpoint file.local) and
// "beijing" (cn-beijing, oss-cn-beijing.local). The latest-image function
// reads a stream's overwrite object "{AppName}/{StreamName}.jpg" from the
// "snapshots" store.
//
// Thread-safety: one test thread; the server serves on its own threads.
#pragma once

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "catalog/testing/test_database.h"
#include "media/hub.h"
#include "storage/file_store.h"
#include "tests/support/api_client.h"
#include "tests/support/raw_client.h"
#include "tests/support/subprocess.h"

namespace livesnap::api::testing {

inline constexpr char kKeyId[] = "LTAI-test";
inline constexpr char kKeySecret[] = "test-secret-123";
inline constexpr char kMetricsToken[] = "metrics-token-456";  // ApiOptions::metrics_token

// PostgreSQL when LIVESNAP_TEST_POSTGRES_URL_FILE names the `postgres`
// CTest fixture's server (ctest sets it for the suite's second
// registration), else SQLite.
catalog::testing::Backend TestBackend();

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts the server; auth on uses the single key kKeyId/kKeySecret.
  void StartServer(bool auth_enabled, const std::string& console_dir = "");

  livesnap::testing::ApiClient Client() const;
  livesnap::testing::ApiClient SignedClient(const std::string& id = kKeyId,
                                            const std::string& secret = kKeySecret) const;

  // AddLiveDomain through the API; fails the test unless it succeeds.
  void AddDomain(const std::string& name, const std::string& region);
  // A valid AddLiveAppSnapshotConfig for (domain, app) on bucket "snapshots".
  static std::map<std::string, std::string> TemplateParams(const std::string& domain,
                                                           const std::string& app);
  // A JPEG of width x height made by ffmpeg.
  std::string MakeJpeg(int width, int height) const;

  // What ApiOptions::health reports, as a test sets it.
  void SetHealthProblems(std::vector<HealthProblem> problems) {
    std::lock_guard lock(health_mu_);
    health_problems_ = std::move(problems);
  }

  // Applied to the options last, before StartServer creates the server.
  std::function<void(ApiOptions&)> adjust_options_;

  livesnap::testing::TempDir dir_;
  FakeClock clock_{1'714'557'600'000};  // 2024-05-01T10:00:00Z
  prometheus::Registry registry_;
  std::unique_ptr<catalog::testing::TestDatabase> database_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<storage::FileStore> store_;
  std::unique_ptr<storage::FileStore> beijing_store_;
  std::unique_ptr<media::MediaHub> hub_;
  std::unique_ptr<ApiServer> server_;

 private:
  std::mutex health_mu_;
  std::vector<HealthProblem> health_problems_;  // guarded by health_mu_
};

// The size in a JPEG's start-of-frame header, or nullopt when `bytes` has
// none (not a JPEG).
struct JpegSize {
  int width = 0;
  int height = 0;
};
std::optional<JpegSize> ReadJpegSize(const std::string& bytes);

// Asserts an error answer: the status, the code and the error body's shape.
// One exchange of raw bytes over a new connection to 127.0.0.1:port: sends
// `request` and reads until the answer is whole (by Content-Length) or the
// server closes. status 0: no answer within `timeout`.
struct RawHttpAnswer {
  int status = 0;
  std::string code;  // the error body's Code, or ""
  std::string raw;
};
RawHttpAnswer RawHttp(uint16_t port, const std::string& request,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
// Reads one answer from `client` as RawHttp does.
RawHttpAnswer ReadRawAnswer(livesnap::testing::RawClient& client,
                            std::chrono::milliseconds timeout);

::testing::AssertionResult IsApiError(const livesnap::testing::ApiResponse& response, int status,
                                      const std::string& code);
// Asserts a success answer with a RequestId.
::testing::AssertionResult IsApiSuccess(const livesnap::testing::ApiResponse& response);

}  // namespace livesnap::api::testing
