// RTMPS ingest with the real livesnapd: ffmpeg pushes rtmps:// with a
// certificate made at test time (openssl CLI) and is captured; a plain RTMP
// client on the RTMPS port, or one that never starts TLS, is closed with a
// log line and a counter; URL signing and the per-IP limit hold for TLS
// clients; SIGHUP loads a new certificate for new handshakes without
// dropping a live push.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>

#include "snapshot/push_auth.h"
#include "tests/support/api_client.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/raw_client.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

using namespace std::chrono_literals;
using testing::LivesnapdProcess;
using testing::RawClient;
using testing::Subprocess;

constexpr char kDomain[] = "push.example.com";
constexpr int kMaxConnectionsPerIp = 4;

// A self-signed certificate for `common_name` (EC P-256: quick to make).
void MakeCertificate(const std::filesystem::path& dir, const std::string& common_name) {
  const testing::RunResult made = testing::Run(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-days", "2", "-subj", "/CN=" + common_name, "-keyout", (dir / "key.pem").string(),
       "-out", (dir / "cert.pem").string()},
      30s);
  ASSERT_EQ(made.exit_code, 0) << made.output;
}

class RtmpsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clip_dir_ = new testing::TempDir();
    testing::ClipSpec spec;
    spec.seconds = 3;
    clip_ = testing::MakeFlvClip(clip_dir_->path(), "clip", spec);
    spec.seconds = 10;
    long_clip_ = testing::MakeFlvClip(clip_dir_->path(), "long", spec);
  }
  static void TearDownTestSuite() { delete clip_dir_; }

  void SetUp() override {
    MakeCertificate(dir_.path(), "first.livesnap.test");
    tls_port_ = testing::FreePort();
    const auto config = dir_ / "livesnap.toml";
    const std::string rtmp = "[rtmp]\ntls_listen = \"127.0.0.1:" + std::to_string(tls_port_) +
                             "\"\ntls_cert_file = \"" + (dir_ / "cert.pem").string() +
                             "\"\ntls_key_file = \"" + (dir_ / "key.pem").string() +
                             "\"\nhandshake_timeout_ms = 2000\nmax_connections_per_ip = " +
                             std::to_string(kMaxConnectionsPerIp) + "\n";
    std::ofstream(config) << testing::OneDomainConfig(dir_ / "shots", kDomain, "", rtmp);
    server_ = std::make_unique<LivesnapdProcess>(dir_.path(),
                                                 std::vector<std::string>{"-c", config.string()});
    ASSERT_TRUE(server_->Start()) << server_->Log();
    ASSERT_TRUE(
        server_->WaitForLog("RTMPS listening on 127.0.0.1:" + std::to_string(tls_port_), 1s))
        << server_->Log();
  }
  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Stop(), 0) << server_->Log();
    }
  }

  std::string Url(const std::string& scheme, uint16_t port, const std::string& stream) const {
    return scheme + "://127.0.0.1:" + std::to_string(port) + "/live?vhost=" + kDomain + "/" +
           stream;
  }

  double Metric(const std::string& sample) const {
    return testing::MetricValue(testing::ApiClient(server_->api_port()).Get("/metrics").raw,
                                sample);
  }

  // The subject of the certificate a new TLS handshake on the RTMPS port gets.
  std::string PresentedSubject() const {
    const testing::RunResult shown =
        testing::Run({"sh", "-c",
                      "openssl s_client -connect 127.0.0.1:" + std::to_string(tls_port_) +
                          " </dev/null 2>/dev/null | openssl x509 -noout -subject"},
                     30s);
    return shown.output;
  }

  static testing::TempDir* clip_dir_;
  static std::filesystem::path clip_;
  static std::filesystem::path long_clip_;
  testing::TempDir dir_;
  uint16_t tls_port_ = 0;
  std::unique_ptr<LivesnapdProcess> server_;
};

testing::TempDir* RtmpsTest::clip_dir_ = nullptr;
std::filesystem::path RtmpsTest::clip_;
std::filesystem::path RtmpsTest::long_clip_;

TEST_F(RtmpsTest, FfmpegPushOverTlsIsCaptured) {
  Subprocess push(testing::PushCommand(clip_, Url("rtmps", tls_port_, "secure"), false),
                  dir_ / "push.log");
  EXPECT_EQ(push.Wait(60s).value_or(-1), 0) << push.Log();
  EXPECT_TRUE(testing::WaitFor(
      [&] { return std::filesystem::exists(dir_ / "shots" / "live" / "secure.jpg"); }, 15s))
      << server_->Log();
  EXPECT_TRUE(server_->WaitForLog("[push.example.com/live/secure] publish started", 1s))
      << server_->Log();
  // Plain RTMP goes on beside it.
  Subprocess plain(testing::PushCommand(clip_, Url("rtmp", server_->rtmp_port(), "plain"), false),
                   dir_ / "plain.log");
  EXPECT_EQ(plain.Wait(60s).value_or(-1), 0) << plain.Log();
}

TEST_F(RtmpsTest, UrlSigningHoldsOverTls) {
  ASSERT_EQ(testing::ApiClient(server_->api_port())
                .Call("BatchSetLiveDomainConfigs",
                      {{"DomainNames", kDomain},
                       {"Functions", R"([{"functionName":"aliauth","functionArgs":[)"
                                     R"({"argName":"auth_type","argValue":"type_b"},)"
                                     R"({"argName":"auth_key1","argValue":"tlsKey123"}]}])"}})
                .status,
            200);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  Subprocess unsigned_push(testing::PushCommand(clip_, Url("rtmps", tls_port_, "nosig"), false),
                           dir_ / "unsigned.log");
  EXPECT_NE(unsigned_push.Wait(60s).value_or(0), 0) << unsigned_push.Log();
  EXPECT_NE(unsigned_push.Log().find("signed path missing"), std::string::npos)
      << unsigned_push.Log();
  const std::string url = "rtmps://127.0.0.1:" + std::to_string(tls_port_) + "/" +
                          snapshot::SignPushTypeB("tlsKey123", "live", "signed", now) +
                          "/live/signed?vhost=" + kDomain;
  Subprocess signed_push(testing::PushCommand(clip_, url, false), dir_ / "signed.log");
  EXPECT_EQ(signed_push.Wait(60s).value_or(-1), 0) << signed_push.Log();
  EXPECT_TRUE(testing::WaitFor(
      [&] { return std::filesystem::exists(dir_ / "shots" / "live" / "signed.jpg"); }, 15s))
      << server_->Log();
}

TEST_F(RtmpsTest, PlainRtmpClientOnTheRtmpsPortIsClosedWithALogLineAndACounter) {
  RawClient raw;
  ASSERT_TRUE(raw.Connect(tls_port_));
  const std::vector<uint8_t> c0_c1(1537, 3);  // C0 (version 3) and a C1: no TLS record
  ASSERT_TRUE(raw.Send(c0_c1));
  EXPECT_TRUE(raw.WaitClosedByPeer(5s));
  EXPECT_TRUE(server_->WaitForLog("RTMPS: TLS handshake failed", 5s)) << server_->Log();
  // ffmpeg speaking plain RTMP to the RTMPS port fails, and is counted too.
  Subprocess push(testing::PushCommand(clip_, Url("rtmp", tls_port_, "plain"), false),
                  dir_ / "push.log");
  EXPECT_NE(push.Wait(60s).value_or(0), 0) << push.Log();
  EXPECT_TRUE(testing::WaitFor(
      [&] { return Metric("livesnap_rtmp_connection_errors_total{cause=\"tls_handshake\"}") == 2; },
      10s))
      << server_->Log();
  EXPECT_EQ(Metric("livesnap_rtmp_connections_active"), 0);
}

TEST_F(RtmpsTest, TlsHandshakeTimesOutAndPerIpLimitsHoldForTls) {
  // kMaxConnectionsPerIp clients that never start TLS, and one more.
  std::vector<std::unique_ptr<RawClient>> silent;
  for (int i = 0; i <= kMaxConnectionsPerIp; ++i) {
    silent.push_back(std::make_unique<RawClient>());
    ASSERT_TRUE(silent.back()->Connect(tls_port_, "127.0.0.3"));
  }
  EXPECT_TRUE(testing::WaitFor(
      [&] { return Metric("livesnap_rtmp_limited_total{limit=\"max_connections_per_ip\"}") == 1; },
      10s))
      << server_->Log();
  // A push from another address is not held up by them.
  Subprocess push(testing::PushCommand(clip_, Url("rtmps", tls_port_, "beside"), false),
                  dir_ / "push.log");
  EXPECT_EQ(push.Wait(60s).value_or(-1), 0) << push.Log();
  // The silent ones are closed at handshake_timeout_ms (2 s).
  for (auto& client : silent) EXPECT_TRUE(client->WaitClosedByPeer(15s));
  EXPECT_EQ(Metric("livesnap_rtmp_connection_errors_total{cause=\"handshake_timeout\"}"),
            kMaxConnectionsPerIp);
}

TEST_F(RtmpsTest, SighupLoadsANewCertificateWithoutDroppingALivePush) {
  EXPECT_NE(PresentedSubject().find("first.livesnap.test"), std::string::npos);
  Subprocess live(testing::PushCommand(long_clip_, Url("rtmps", tls_port_, "live1"), true),
                  dir_ / "live.log");
  ASSERT_TRUE(server_->WaitForLog("[push.example.com/live/live1] publish started", 30s))
      << server_->Log();

  // A broken key keeps the certificate in use.
  std::ofstream(dir_ / "key.pem") << "not a key\n";
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(server_->WaitForLog("RTMPS certificate not reloaded", 10s)) << server_->Log();
  EXPECT_NE(PresentedSubject().find("first.livesnap.test"), std::string::npos);

  MakeCertificate(dir_.path(), "second.livesnap.test");
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(
      server_->WaitForLog("RTMPS certificate " + (dir_ / "cert.pem").string() + " reloaded", 10s))
      << server_->Log();
  EXPECT_NE(PresentedSubject().find("second.livesnap.test"), std::string::npos);
  // The push that started with the first certificate runs to its end.
  EXPECT_EQ(live.Wait(60s).value_or(-1), 0) << live.Log();
  EXPECT_TRUE(
      server_->WaitForLog("[push.example.com/live/live1] publish stopped: reason=unpublished", 5s))
      << server_->Log();
  EXPECT_EQ(Metric("livesnap_rtmp_connection_errors_total{cause=\"tls_handshake\"}"), 0);
  // And a new push with the new certificate.
  Subprocess next(testing::PushCommand(clip_, Url("rtmps", tls_port_, "after"), false),
                  dir_ / "next.log");
  EXPECT_EQ(next.Wait(60s).value_or(-1), 0) << next.Log();
}

}  // namespace
}  // namespace livesnap
