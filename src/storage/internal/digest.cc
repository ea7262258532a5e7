#include "storage/internal/digest.h"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>

#include "absl/strings/escaping.h"

namespace livesnap::storage::internal {
namespace {

// EVP_Digest fails only when OpenSSL cannot allocate or lacks the algorithm,
// neither of which a caller could handle: both are fatal.
template <size_t kSize>
std::array<uint8_t, kSize> Digest(const EVP_MD* type, std::span<const uint8_t> data) {
  std::array<uint8_t, kSize> out{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, type, nullptr) != 1 ||
      length != kSize) {
    std::abort();
  }
  return out;
}

std::string AsString(std::span<const uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

std::string Md5Base64(std::span<const uint8_t> data) {
  return absl::Base64Escape(AsString(Digest<16>(EVP_md5(), data)));
}

std::string Md5Hex(std::span<const uint8_t> data) {
  return absl::BytesToHexString(AsString(Digest<16>(EVP_md5(), data)));
}

std::string Sha256Hex(std::span<const uint8_t> data) {
  return absl::BytesToHexString(AsString(Digest<32>(EVP_sha256(), data)));
}

}  // namespace livesnap::storage::internal
