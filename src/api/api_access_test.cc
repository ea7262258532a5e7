// Who may call what: with auth off, changes are refused when a page of
// another web origin may have sent them (CSRF); with auth on, the images
// need a signature bound to their path and /metrics a bearer token.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "api/testing/api_fixture.h"

namespace livesnap::api::testing {
namespace {

using livesnap::testing::ApiClient;
using Params = std::map<std::string, std::string>;

std::string Query(const Params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    out += (out.empty() ? "" : "&") + ApiClient::PercentEncode(name) + "=" +
           ApiClient::PercentEncode(value);
  }
  return out;
}

class CrossOriginTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/false);
    host_ = "127.0.0.1:" + std::to_string(server_->port());
  }
  static std::string AddDomainQuery(const std::string& name) {
    return Query({{"Action", "AddLiveDomain"},
                  {"Version", "2016-11-01"},
                  {"DomainName", name},
                  {"Region", "cn-shanghai"},
                  {"LiveDomainType", "liveVideo"}});
  }
  RawHttpAnswer Get(const std::string& query, const std::string& headers) {
    return RawHttp(server_->port(),
                   "GET /?" + query + " HTTP/1.1\r\nHost: " + host_ + "\r\n" + headers + "\r\n");
  }
  RawHttpAnswer Post(const std::string& form, const std::string& headers) {
    return RawHttp(server_->port(), "POST / HTTP/1.1\r\nHost: " + host_ +
                                        "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                                        "Content-Length: " +
                                        std::to_string(form.size()) + "\r\n" + headers + "\r\n" +
                                        form);
  }
  bool DomainExists(const std::string& name) { return catalog_->GetDomain(name).ok(); }
  std::string host_;
};

TEST_F(CrossOriginTest, AChangeFromAForeignOriginIsRefused) {
  const RawHttpAnswer get = Get(AddDomainQuery("a.example.com"), "Origin: http://evil.example\r\n");
  EXPECT_EQ(get.status, 403) << get.raw;
  EXPECT_EQ(get.code, "Forbidden.CrossOrigin");
  const RawHttpAnswer post =
      Post(AddDomainQuery("b.example.com"), "Origin: http://evil.example\r\n");
  EXPECT_EQ(post.code, "Forbidden.CrossOrigin") << post.raw;
  const RawHttpAnswer site =
      Get(AddDomainQuery("c.example.com"), "Sec-Fetch-Site: cross-site\r\nX-Requested-With: x\r\n");
  EXPECT_EQ(site.code, "Forbidden.CrossOrigin") << site.raw;
  const RawHttpAnswer referer =
      Get(AddDomainQuery("d.example.com"), "Referer: http://evil.example/page.html\r\n");
  EXPECT_EQ(referer.code, "Forbidden.CrossOrigin") << referer.raw;
  for (const char* name : {"a.example.com", "b.example.com", "c.example.com", "d.example.com"}) {
    EXPECT_FALSE(DomainExists(name)) << name;
  }
}

// A link or an <img> on another site sends a GET with no Origin: a change
// by GET needs a sign that it is not one.
TEST_F(CrossOriginTest, AChangeByAnUnmarkedGetIsRefused) {
  const RawHttpAnswer bare = Get(AddDomainQuery("a.example.com"), "");
  EXPECT_EQ(bare.status, 403) << bare.raw;
  EXPECT_EQ(bare.code, "Forbidden.CrossOrigin");
  EXPECT_FALSE(DomainExists("a.example.com"));
  EXPECT_EQ(Get(AddDomainQuery("b.example.com"), "X-Requested-With: curl\r\n").status, 200);
  EXPECT_EQ(Get(AddDomainQuery("c.example.com") + "&Signature=sdk", "").status, 200);
  EXPECT_EQ(Get(AddDomainQuery("d.example.com"), "Sec-Fetch-Site: same-origin\r\n").status, 200);
}

TEST_F(CrossOriginTest, TheConsolesOwnOriginAndPlainClientsMayChange) {
  const std::string own = "Origin: http://" + host_ + "\r\nSec-Fetch-Site: same-origin\r\n";
  EXPECT_EQ(Post(AddDomainQuery("a.example.com"), own).status, 200);
  EXPECT_EQ(Post(AddDomainQuery("b.example.com"), "").status, 200);  // curl -d
  EXPECT_TRUE(DomainExists("a.example.com"));
  EXPECT_TRUE(DomainExists("b.example.com"));
}

TEST_F(CrossOriginTest, ReadingIsAllowedFromAnyOrigin) {
  const std::string query =
      Query({{"Action", "DescribeLiveUserDomains"}, {"Version", "2016-11-01"}});
  EXPECT_EQ(Get(query, "Origin: http://evil.example\r\n").status, 200);
  EXPECT_EQ(Get(query, "").status, 200);
}

class RouteAuthTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    StartServer(/*auth_enabled=*/true);
    ASSERT_TRUE(store_->Put("live/demo/7.jpg", MakeJpegBytes(), "image/jpeg").ok());
  }
  std::vector<uint8_t> MakeJpegBytes() const {
    const std::string jpeg = MakeJpeg(64, 36);
    return std::vector<uint8_t>(jpeg.begin(), jpeg.end());
  }
  // The path with the signature parameters; signed for `signed_path`.
  std::string SignedPath(const std::string& path, const std::string& signed_path) const {
    Params params = {{"AccessKeyId", kKeyId},
                     {"SignatureMethod", "HMAC-SHA1"},
                     {"SignatureVersion", "1.0"},
                     {"SignatureNonce", std::to_string(nonce_++)},
                     {"Timestamp", ApiClient::Iso8601(clock_.UnixMs())}};
    params["Signature"] = ApiClient::Sign("GET", params, kKeySecret, signed_path);
    return path + "?" + Query(params);
  }
  mutable int nonce_ = 1;
};

TEST_F(RouteAuthTest, ImagesNeedASignatureForTheirPath) {
  const std::string path = "/snapshots/object/snapshots/live/demo/7.jpg";
  EXPECT_TRUE(IsApiError(Client().Get(path), 400, "MissingAccessKeyId"));
  const auto image = Client().Get(SignedPath(path, path));
  EXPECT_EQ(image.status, 200);
  EXPECT_EQ(image.Header("content-type"), "image/jpeg");
  // A signature for another image does not open this one.
  EXPECT_TRUE(
      IsApiError(Client().Get(SignedPath(path, "/snapshots/object/snapshots/live/demo/8.jpg")), 400,
                 "SignatureDoesNotMatch"));
  EXPECT_TRUE(IsApiError(Client().Get("/snapshots/latest/push.example.com/live/demo.jpg"), 400,
                         "MissingAccessKeyId"));
}

TEST_F(RouteAuthTest, MetricsNeedTheBearerToken) {
  EXPECT_TRUE(IsApiError(Client().Get("/metrics"), 401, "InvalidBearerToken"));
  const RawHttpAnswer wrong = RawHttp(
      server_->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n");
  EXPECT_EQ(wrong.status, 401);
  const RawHttpAnswer right =
      RawHttp(server_->port(), std::string("GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                           "Authorization: Bearer ") +
                                   kMetricsToken + "\r\n\r\n");
  EXPECT_EQ(right.status, 200);
  EXPECT_NE(right.raw.find("livesnap_api_requests_total"), std::string::npos);
}

TEST_F(RouteAuthTest, HealthAndTheConsoleArePublic) {
  EXPECT_EQ(Client().Get("/healthz").status, 200);
  // No console configured here: the route answers, without asking for a key.
  EXPECT_TRUE(IsApiError(Client().Get("/console/"), 404, "InvalidPath.NotFound"));
}

class PublicSnapshotsTest : public ApiFixture {};

TEST_F(PublicSnapshotsTest, PublicSnapshotsNeedNoSignature) {
  adjust_options_ = [](ApiOptions& options) { options.public_snapshots = true; };
  StartServer(/*auth_enabled=*/true);
  const std::string jpeg = MakeJpeg(64, 36);
  ASSERT_TRUE(
      store_->Put("live/demo/7.jpg", std::vector<uint8_t>(jpeg.begin(), jpeg.end()), "image/jpeg")
          .ok());
  EXPECT_EQ(Client().Get("/snapshots/object/snapshots/live/demo/7.jpg").status, 200);
}

}  // namespace
}  // namespace livesnap::api::testing
