// livesnapd's API under hostile clients, as raw HTTP bytes: 20 clients that
// send one byte a second leave /healthz answering at once and are each cut
// at the request deadline (a log line and a counter); a page of another
// origin cannot change the configuration with auth off.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "tests/support/api_client.h"
#include "tests/support/livesnapd.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/raw_client.h"
#include "tests/support/slow_clients.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ApiClient;
using testing::LivesnapdProcess;
using testing::RawClient;

bool SendText(RawClient& client, const std::string& text) {
  return client.Send(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

// The status of the answer read from `client` within `timeout`; 0 for none.
int ReadStatus(RawClient& client, std::chrono::milliseconds timeout) {
  std::vector<uint8_t> bytes;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (bytes.size() < 12 && std::chrono::steady_clock::now() < deadline) {
    if (client.ReceiveSome(bytes, 100ms) < 0) break;
  }
  const std::string text(bytes.begin(), bytes.end());
  if (!text.starts_with("HTTP/1.1 ") || text.size() < 12) return 0;
  return std::stoi(text.substr(9, 3));
}

class HostileClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "livesnap.toml") << "[api]\nrequest_timeout_ms = 3000\n";
    server_ = std::make_unique<LivesnapdProcess>(
        dir_.path(), std::vector<std::string>{"-c", (dir_.path() / "livesnap.toml").string()});
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }
  void TearDown() override { EXPECT_EQ(server_->Stop(), 0) << server_->Log(); }

  testing::TempDir dir_;
  std::unique_ptr<LivesnapdProcess> server_;
};

TEST_F(HostileClientsTest, TwentySlowClientsLeaveHealthzAnswering) {
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  testing::SlowClients slow(20, request);
  ASSERT_TRUE(slow.Connect(server_->api_port()));
  slow.Start();
  ASSERT_TRUE(slow.WaitSent(2, 10s));
  ApiClient api(server_->api_port());
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(api.Get("/healthz").status, 200);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                        << " ms";
  }
  EXPECT_TRUE(slow.WaitAllClosedByPeer(10s));
  // A client may see the close just before its cut is counted.
  double cut = 0;
  testing::WaitFor(
      [&] {
        cut = testing::MetricValue(api.Get("/metrics").raw,
                                   "livesnap_api_clients_cut_total{reason=\"timeout\"}");
        return cut >= 20;
      },
      5s, 100ms);
  EXPECT_EQ(cut, 20);
  EXPECT_TRUE(server_->WaitForLog("API: cut a client from 127.0.0.1: timeout", 5s))
      << server_->Log();
}

TEST_F(HostileClientsTest, AForeignPageCannotChangeTheConfiguration) {
  RawClient client;
  ASSERT_TRUE(client.Connect(server_->api_port()));
  ASSERT_TRUE(
      SendText(client,
               "GET /?Action=AddLiveDomain&Version=2016-11-01&DomainName=evil.example.com"
               "&Region=cn-shanghai&LiveDomainType=liveVideo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Origin: http://evil.example\r\n\r\n"));
  EXPECT_EQ(ReadStatus(client, 10s), 403);
  ApiClient api(server_->api_port());
  const auto domains = api.Call("DescribeLiveUserDomains", {});
  ASSERT_EQ(domains.status, 200);
  EXPECT_EQ(domains.raw.find("evil.example.com"), std::string::npos) << domains.raw;
  EXPECT_TRUE(server_->WaitForLog("refused AddLiveDomain", 5s)) << server_->Log();
}

}  // namespace
}  // namespace livesnap
