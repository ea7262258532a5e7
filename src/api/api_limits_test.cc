// The API under hostile clients, as raw HTTP bytes on sockets: slow and idle
// clients, oversized and chunked bodies, bad Content-Length, and the
// per-address connection cap.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "api/testing/api_fixture.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/raw_client.h"
#include "tests/support/slow_clients.h"
#include "tests/support/wait_for.h"

namespace livesnap::api::testing {
namespace {

using livesnap::testing::MetricValue;
using livesnap::testing::RawClient;
using livesnap::testing::SlowClients;
using livesnap::testing::WaitFor;
using namespace std::chrono_literals;

bool SendText(RawClient& client, const std::string& text) {
  return client.Send(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

class LimitsTest : public ApiFixture {
 protected:
  double Cut(const std::string& reason) {
    // Read from the registry, not over HTTP: a request could itself meet
    // the cap under test. -1 (no sample yet) counts as 0.
    const std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
    return std::max(0.0,
                    MetricValue(text, "livesnap_api_clients_cut_total{reason=\"" + reason + "\"}"));
  }
  // The count once it reaches `expected`, or what it is after 5 s: a
  // client may see its connection closed just before the cut is counted.
  double CutReaching(const std::string& reason, double expected) {
    WaitFor([&] { return Cut(reason) >= expected; }, 5s, 100ms);
    return Cut(reason);
  }
};

// 20 clients that send a request one byte a second hold no thread: others
// are answered at once, and each slow one is cut at its deadline.
TEST_F(LimitsTest, SlowClientsLeaveHealthzAnswering) {
  adjust_options_ = [](ApiOptions& options) { options.request_timeout_ms = 3'000; };
  StartServer(/*auth_enabled=*/false);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  SlowClients slow(20, request);
  ASSERT_TRUE(slow.Connect(server_->port()));
  slow.Start();
  ASSERT_TRUE(slow.WaitSent(2, 10s));
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const RawHttpAnswer answer = RawHttp(server_->port(), request, 5s);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(answer.status, 200) << answer.raw;
    EXPECT_LT(took, 1s) << "healthz took "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                        << " ms beside 20 slow clients";
  }
  // Each slow client is closed at its deadline.
  EXPECT_TRUE(slow.WaitAllClosedByPeer(10s));
  EXPECT_EQ(CutReaching("timeout", 20), 20);
}

TEST_F(LimitsTest, AnIdleConnectionIsCutAtTheDeadline) {
  adjust_options_ = [](ApiOptions& options) { options.request_timeout_ms = 500; };
  StartServer(/*auth_enabled=*/false);
  RawClient idle;
  ASSERT_TRUE(idle.Connect(server_->port()));
  EXPECT_TRUE(idle.WaitClosedByPeer(10s));
  EXPECT_EQ(CutReaching("timeout", 1), 1);
}

// A chunked body is bounded while it is read: the answer comes after the
// first 64 KiB, long before the client has sent 1 MiB of its 200 MiB.
TEST_F(LimitsTest, AHugeChunkedBodyIsRefusedEarly) {
  StartServer(/*auth_enabled=*/false);
  RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(SendText(client,
                       "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                       "Content-Type: application/x-www-form-urlencoded\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";
  constexpr size_t kTotalBytes = 200u << 20;
  size_t sent = 0;
  std::vector<uint8_t> answer;
  while (sent < kTotalBytes) {
    if (!SendText(client, chunk)) break;  // the server closed its side
    sent += 0x10000;
    if (client.ReceiveSome(answer, 20ms) != 0) break;
  }
  const std::string text(answer.begin(), answer.end());
  EXPECT_TRUE(text.starts_with("HTTP/1.1 413")) << text;
  EXPECT_LT(sent, 1u << 20) << "body bytes sent before the answer";
  EXPECT_EQ(Cut("too_large"), 1);
}

TEST_F(LimitsTest, ABodyOverTheLimitIsRefusedOnItsContentLength) {
  StartServer(/*auth_enabled=*/false);
  const auto start = std::chrono::steady_clock::now();
  const RawHttpAnswer answer =
      RawHttp(server_->port(),
              "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\nAction=x");
  EXPECT_EQ(answer.status, 413) << answer.raw;
  EXPECT_EQ(answer.code, "MalformedRequest");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(LimitsTest, AContentLengthThatIsNoSizeIsRefusedAtOnce) {
  adjust_options_ = [](ApiOptions& options) { options.request_timeout_ms = 30'000; };
  StartServer(/*auth_enabled=*/false);
  for (const std::string length : {"-1", "100000000000000000000", "12abc"}) {
    const auto start = std::chrono::steady_clock::now();
    const RawHttpAnswer answer =
        RawHttp(server_->port(), "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + length +
                                     "\r\n\r\nAction=x");
    EXPECT_TRUE(answer.status == 400 || answer.status == 413) << length << ": " << answer.raw;
    // At once, not at the 30 s deadline.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << length;
  }
  EXPECT_EQ(Cut("malformed") + Cut("too_large"), 3);
}

TEST_F(LimitsTest, OneAddressHoldsAtMostTheCapOfConnections) {
  adjust_options_ = [](ApiOptions& options) { options.max_connections_per_ip = 3; };
  StartServer(/*auth_enabled=*/false);
  std::vector<RawClient> held(3);
  for (RawClient& client : held) ASSERT_TRUE(client.Connect(server_->port()));
  RawClient extra;
  ASSERT_TRUE(extra.Connect(server_->port()));
  const RawHttpAnswer refused = ReadRawAnswer(extra, 10s);
  EXPECT_EQ(refused.status, 503) << refused.raw;
  EXPECT_EQ(refused.code, "Throttling.TooManyConnections");
  {
    // Another address is not affected (any of 127.0.0.0/8 is local).
    RawClient other;
    ASSERT_TRUE(other.Connect(server_->port(), "127.0.0.2"));
    ASSERT_TRUE(SendText(other, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(ReadRawAnswer(other, 10s).status, 200);
  }
  EXPECT_EQ(Cut("per_ip_limit"), 1);
  // A held connection closed frees its place (once the server has seen
  // the close: until then a new one may still be refused).
  held.pop_back();
  int status = 0;
  WaitFor(
      [&] {
        status = RawHttp(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status;
        return status == 200;
      },
      5s, 100ms);
  EXPECT_EQ(status, 200);
}

// Kept-alive connections serve one request after another.
TEST_F(LimitsTest, AConnectionIsKeptAliveBetweenRequests) {
  StartServer(/*auth_enabled=*/false);
  RawClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(SendText(client, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(ReadRawAnswer(client, 10s).status, 200) << i;
  }
}

}  // namespace
}  // namespace livesnap::api::testing
