// Signature V4 of S3Store's requests, checked against an independent
// implementation of AWS's documented algorithm: canonical request rebuilt
// from what the server received, then the HMAC-SHA256 chain computed by the
// openssl command-line tool.
#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/s3_store.h"
#include "tests/support/stub_http_server.h"
#include "tests/support/subprocess.h"

namespace livesnap::storage {
namespace {

using namespace std::chrono_literals;
using livesnap::testing::RecordedRequest;
using livesnap::testing::StubHttpServer;
using ::testing::Contains;
using ::testing::HasSubstr;

// AWS's documentation example credentials.
constexpr char kAccessKey[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// The SigV4 reference: the openssl CLI over files holding each input.
class OpensslSigner {
 public:
  std::string Sha256Hex(const std::string& data) {
    return Digest({"openssl", "dgst", "-sha256", "-hex", Write(data)});
  }
  std::string Md5Hex(const std::string& data) {
    return Digest({"openssl", "dgst", "-md5", "-hex", Write(data)});
  }
  std::string HmacHex(const std::string& key_option, const std::string& data) {
    return Digest(
        {"openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", key_option, Write(data)});
  }

  std::string Signature(const std::string& canonical_request, const std::string& amz_date,
                        const std::string& region, const std::string& secret) {
    const std::string day = amz_date.substr(0, 8);
    const std::string string_to_sign =
        absl::StrJoin({std::string("AWS4-HMAC-SHA256"), amz_date,
                       day + "/" + region + "/s3/aws4_request", Sha256Hex(canonical_request)},
                      "\n");
    std::string key = HmacHex("key:AWS4" + secret, day);
    key = HmacHex("hexkey:" + key, region);
    key = HmacHex("hexkey:" + key, "s3");
    key = HmacHex("hexkey:" + key, "aws4_request");
    return HmacHex("hexkey:" + key, string_to_sign);
  }

 private:
  std::string Write(const std::string& data) {
    const std::string path = (dir_ / ("input" + std::to_string(files_++))).string();
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }
  static std::string Digest(std::vector<std::string> argv) {
    livesnap::testing::RunResult result = livesnap::testing::Run(std::move(argv), 10s);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    // "SHA2-256(file)= 3f...": the digest is the last word.
    std::string output(absl::StripAsciiWhitespace(result.output));
    return output.substr(output.rfind(' ') + 1);
  }

  livesnap::testing::TempDir dir_;
  int files_ = 0;
};

// Percent-decoding of a query component as a server would do it.
std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// AWS's UriEncode, written out again for the reference.
std::string AwsEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof(buffer), "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

// Sorted by encoded name, then value, from the received query string.
std::string CanonicalQueryOf(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::vector<std::string> name_value = absl::StrSplit(part, absl::MaxSplits('=', 1));
    name_value.resize(2);
    params.emplace_back(AwsEncode(PercentDecode(name_value[0])),
                        AwsEncode(PercentDecode(name_value[1])));
  }
  std::sort(params.begin(), params.end());
  std::vector<std::string> joined;
  for (const auto& [name, value] : params) joined.push_back(name + "=" + value);
  return absl::StrJoin(joined, "&");
}

struct Authorization {
  std::string access_key;
  std::string date;
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

Authorization ParseAuthorization(const std::string& header) {
  Authorization auth;
  EXPECT_TRUE(header.starts_with("AWS4-HMAC-SHA256 ")) << header;
  for (absl::string_view field : absl::StrSplit(header.substr(17), ',')) {
    field = absl::StripAsciiWhitespace(field);
    if (absl::ConsumePrefix(&field, "Credential=")) {
      std::vector<std::string> scope = absl::StrSplit(field, '/');
      EXPECT_EQ(scope.size(), 5u) << header;
      scope.resize(5);
      auth.access_key = scope[0];
      auth.date = scope[1];
      auth.region = scope[2];
      auth.service = scope[3];
      EXPECT_EQ(scope[4], "aws4_request");
    } else if (absl::ConsumePrefix(&field, "SignedHeaders=")) {
      auth.signed_headers = absl::StrSplit(field, ';');
    } else if (absl::ConsumePrefix(&field, "Signature=")) {
      auth.signature = std::string(field);
    }
  }
  return auth;
}

// Rebuilds the canonical request of `request` (AWS SigV4, S3 flavour: the
// path is used as sent, single-encoded) and checks its signature.
void ExpectCorrectlySigned(OpensslSigner& signer, const RecordedRequest& request,
                           const std::string& region) {
  SCOPED_TRACE(request.method + " " + request.target);
  const Authorization auth = ParseAuthorization(request.Header("Authorization"));
  EXPECT_EQ(auth.access_key, kAccessKey);
  EXPECT_EQ(auth.region, region);
  EXPECT_EQ(auth.service, "s3");
  const std::string amz_date = request.Header("x-amz-date");
  ASSERT_EQ(amz_date.size(), 16u);
  EXPECT_EQ(auth.date, amz_date.substr(0, 8));
  for (const char* needed : {"host", "x-amz-content-sha256", "x-amz-date"}) {
    EXPECT_THAT(auth.signed_headers, Contains(needed));
  }
  EXPECT_TRUE(std::is_sorted(auth.signed_headers.begin(), auth.signed_headers.end()));

  const std::string payload_hash = signer.Sha256Hex(request.body);
  EXPECT_EQ(request.Header("x-amz-content-sha256"), payload_hash);

  std::string canonical =
      request.method + "\n" + request.Path() + "\n" + CanonicalQueryOf(request.Query()) + "\n";
  for (const std::string& name : auth.signed_headers) {
    ASSERT_EQ(request.headers.count(name), 1u) << name;
    canonical += name + ":" + std::string(absl::StripAsciiWhitespace(request.Header(name))) + "\n";
  }
  canonical += "\n" + absl::StrJoin(auth.signed_headers, ";") + "\n" + payload_hash;
  EXPECT_EQ(auth.signature, signer.Signature(canonical, amz_date, region, kSecretKey))
      << "canonical request:\n"
      << canonical;
}

// Answers like S3 would: objects in a map, listings in pages of two.
void FakeBucket(const RecordedRequest& request, httplib::Response& response) {
  if (request.method == "PUT") {
    response.status = 200;
  } else if (request.method == "DELETE") {
    response.status = 204;
  } else if (request.Query().find("list-type=2") != std::string::npos) {
    const bool first = request.Query().find("continuation-token") == std::string::npos;
    response.set_content(
        first ? "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>"
                "a+b/c=</NextContinuationToken><Contents><Key>live/x y/1.jpg</Key><Size>3"
                "</Size><LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents>"
                "</ListBucketResult>"
              : "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>live/x y/"
                "2.jpg</Key><Size>4</Size><LastModified>2024-01-01T00:00:01.000Z</LastModified>"
                "</Contents></ListBucketResult>",
        "application/xml");
  } else {
    response.set_header("ETag", "\"0cc175b9c0f1b6a831c399e269772661\"");
    response.set_content("a", "image/jpeg");
  }
}

S3Options OptionsFor(const std::string& endpoint) {
  return S3Options{.endpoint = endpoint,
                   .region = "us-east-1",
                   .bucket = "examplebucket",
                   .access_key_id = kAccessKey,
                   .secret_access_key = kSecretKey,
                   .connect_timeout_ms = 2000,
                   .timeout_ms = 5000};
}

TEST(SigV4ReferenceTest, ReproducesAwsDocumentedExample) {
  // "GET Bucket (List Objects)" from AWS's SigV4 examples for S3.
  OpensslSigner signer;
  const std::string canonical =
      "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(signer.Signature(canonical, "20130524T000000Z", "us-east-1", kSecretKey),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  EXPECT_EQ(CanonicalQueryOf("prefix=J&max-keys=2"), "max-keys=2&prefix=J");
  EXPECT_EQ(CanonicalQueryOf("b=%2f&a=x%20y"), "a=x%20y&b=%2F");
}

TEST(S3SigningTest, EveryRequestKindIsSignedPathStyle) {
  StubHttpServer server(FakeBucket);
  auto store = S3Store::Create(OptionsFor(server.Url()));
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string jpeg = "\xff\xd8\xff\xe0 not really a jpeg \xff\xd9";
  const std::vector<uint8_t> body(jpeg.begin(), jpeg.end());
  ASSERT_TRUE((*store)->Put("live/a b+c~\xc3\xa9.jpg", body, "image/jpeg").ok());
  ASSERT_TRUE((*store)->Get("live/x.jpg").ok());
  ASSERT_TRUE((*store)->Delete("live/x.jpg").ok());
  auto listed = (*store)->List("live/x y/");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].key, "live/x y/2.jpg");

  const std::vector<RecordedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 6u);  // PUT, GET, HEAD + DELETE, two list pages
  const RecordedRequest& put = requests[0];
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.Path(), "/examplebucket/live/a%20b%2Bc~%C3%A9.jpg");
  EXPECT_EQ(put.body, jpeg);
  EXPECT_EQ(put.Header("Content-Type"), "image/jpeg");
  OpensslSigner signer;
  EXPECT_EQ(put.Header("Content-MD5"),
            absl::Base64Escape(absl::HexStringToBytes(signer.Md5Hex(jpeg))));
  const Authorization put_auth = ParseAuthorization(put.Header("Authorization"));
  EXPECT_THAT(put_auth.signed_headers, Contains("content-md5"));
  EXPECT_THAT(put_auth.signed_headers, Contains("content-type"));
  EXPECT_EQ(requests[2].method, "HEAD");
  EXPECT_EQ(requests[3].method, "DELETE");
  EXPECT_EQ(requests[4].Query(), "list-type=2&max-keys=1000&prefix=live%2Fx%20y%2F");
  EXPECT_EQ(CanonicalQueryOf(requests[5].Query()),
            "continuation-token=a%2Bb%2Fc%3D&list-type=2&max-keys=1000&prefix=live%2Fx%20y%2F");
  for (const RecordedRequest& request : requests) {
    ExpectCorrectlySigned(signer, request, "us-east-1");
  }
}

TEST(S3SigningTest, VirtualHostedThroughTheResolverOverrideWithASessionToken) {
  StubHttpServer server(FakeBucket);
  const std::string port = std::to_string(server.port());
  S3Options options = OptionsFor("http://s3.livesnap.test:" + port);
  options.addressing = S3Addressing::kVirtualHosted;
  options.resolve = {"examplebucket.s3.livesnap.test:" + port + ":127.0.0.1"};
  options.region = "eu-central-1";
  options.session_token = "token/with+chars=";
  auto store = S3Store::Create(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), "s3:http://examplebucket.s3.livesnap.test:" + port);
  const std::vector<uint8_t> body = {1, 2, 3};
  ASSERT_TRUE((*store)->Put("live/demo.jpg", body, "image/jpeg").ok());
  ASSERT_TRUE((*store)->List("").ok());

  const std::vector<RecordedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);  // PUT, two list pages
  EXPECT_EQ(requests[0].Path(), "/live/demo.jpg");
  EXPECT_EQ(requests[0].Header("Host"), "examplebucket.s3.livesnap.test:" + port);
  EXPECT_EQ(requests[0].Header("x-amz-security-token"), "token/with+chars=");
  EXPECT_THAT(ParseAuthorization(requests[0].Header("Authorization")).signed_headers,
              Contains("x-amz-security-token"));
  EXPECT_EQ(requests[1].target, "/?list-type=2&max-keys=1000");
  EXPECT_EQ(requests[2].target, "/?continuation-token=a%2Bb%2Fc%3D&list-type=2&max-keys=1000");
  OpensslSigner signer;
  for (const RecordedRequest& request : requests) {
    ExpectCorrectlySigned(signer, request, "eu-central-1");
  }
}

TEST(S3SigningTest, AWrongSecretGivesADifferentSignature) {
  StubHttpServer server(FakeBucket);
  S3Options options = OptionsFor(server.Url());
  options.secret_access_key = "not-the-secret";
  auto store = S3Store::Create(options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Get("a.jpg").ok());
  const RecordedRequest request = server.requests().at(0);
  const Authorization auth = ParseAuthorization(request.Header("Authorization"));
  std::string canonical = request.method + "\n" + request.Path() + "\n\n";
  for (const std::string& name : auth.signed_headers) {
    canonical += name + ":" + request.Header(name) + "\n";
  }
  OpensslSigner signer;
  canonical += "\n" + absl::StrJoin(auth.signed_headers, ";") + "\n" + signer.Sha256Hex("");
  const std::string amz_date = request.Header("x-amz-date");
  EXPECT_NE(auth.signature, signer.Signature(canonical, amz_date, "us-east-1", kSecretKey));
  EXPECT_EQ(auth.signature, signer.Signature(canonical, amz_date, "us-east-1", "not-the-secret"));
}

}  // namespace
}  // namespace livesnap::storage
