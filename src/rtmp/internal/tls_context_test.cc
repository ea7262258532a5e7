#include "rtmp/internal/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace livesnap::rtmp::internal {
namespace {

// Writes a fresh P-256 key and a self-signed certificate for it as PEM.
void WriteKeyAndCertificate(const std::string& key_path, const std::string& cert_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  ASSERT_NE(cert, nullptr);
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("livesnap.test"), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  FILE* key_file = std::fopen(key_path.c_str(), "w");
  FILE* cert_file = std::fopen(cert_path.c_str(), "w");
  ASSERT_TRUE(key_file != nullptr && cert_file != nullptr);
  EXPECT_EQ(PEM_write_PrivateKey(key_file, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  EXPECT_EQ(PEM_write_X509(cert_file, cert), 1);
  std::fclose(key_file);
  std::fclose(cert_file);
  X509_free(cert);
  EVP_PKEY_free(key);
}

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("tls_context_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    WriteKeyAndCertificate(Path("key.pem"), Path("cert.pem"));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(TlsContextTest, LoadsAMatchingCertificateAndKey) {
  auto tls = TlsContext::Create(Path("cert.pem"), Path("key.pem"));
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_NE((*tls)->Current(), nullptr);
}

TEST_F(TlsContextTest, RefusesMissingAndMismatchedFilesNamingThem) {
  auto missing = TlsContext::Create(Path("none.pem"), Path("key.pem"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("none.pem"), std::string::npos) << missing.status();
  WriteKeyAndCertificate(Path("other_key.pem"), Path("other_cert.pem"));
  auto mismatched = TlsContext::Create(Path("cert.pem"), Path("other_key.pem"));
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("mismatch"), std::string::npos)
      << mismatched.status();
}

TEST_F(TlsContextTest, ReloadReplacesTheContextOnlyWhenTheFilesAreGood) {
  auto tls = TlsContext::Create(Path("cert.pem"), Path("key.pem"));
  ASSERT_TRUE(tls.ok()) << tls.status();
  const auto first = (*tls)->Current();
  std::ofstream(Path("key.pem")) << "not a key\n";
  EXPECT_FALSE((*tls)->Reload().ok());
  EXPECT_EQ((*tls)->Current(), first);  // kept
  WriteKeyAndCertificate(Path("key.pem"), Path("cert.pem"));
  ASSERT_TRUE((*tls)->Reload().ok());
  EXPECT_NE((*tls)->Current(), first);
  EXPECT_NE(first, nullptr);  // what older connections hold stays valid
}

}  // namespace
}  // namespace livesnap::rtmp::internal
