// File: rtmp/internal/tls_context.h
//
// The certificate and key of the RTMPS listener, as an OpenSSL server
// context that can be replaced while the server runs: Reload() reads the
// files again, and only handshakes that start afterwards use the new
// context (a connection keeps the one it started with; live streams are not
// touched). A reload that fails keeps the context in use.
//
// Thread-safety: Current() and Reload() may be called from any thread.
#pragma once

#include <asio/ssl.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace livesnap::rtmp::internal {

class TlsContext {
 public:
  // Loads the PEM certificate chain and private key (InvalidArgument naming
  // the file and OpenSSL's reason when either is unusable or they do not
  // belong together).
  static absl::StatusOr<std::unique_ptr<TlsContext>> Create(std::string cert_file,
                                                            std::string key_file);

  std::shared_ptr<asio::ssl::context> Current() const;
  absl::Status Reload();

 private:
  TlsContext(std::string cert_file, std::string key_file);
  absl::StatusOr<std::shared_ptr<asio::ssl::context>> Load() const;

  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mu_;
  std::shared_ptr<asio::ssl::context> current_;  // guarded by mu_
};

}  // namespace livesnap::rtmp::internal
