#include "rtmp/internal/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace livesnap::rtmp::internal {

namespace {

// OpenSSL's reason for the last failure, and the queue cleared.
std::string OpenSslError() {
  std::string reason;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    reason = text;  // the last one is the most specific
  }
  return reason.empty() ? "unknown error" : reason;
}

}  // namespace

TlsContext::TlsContext(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Create(std::string cert_file,
                                                               std::string key_file) {
  std::unique_ptr<TlsContext> tls(new TlsContext(std::move(cert_file), std::move(key_file)));
  absl::StatusOr<std::shared_ptr<asio::ssl::context>> context = tls->Load();
  if (!context.ok()) return context.status();
  tls->current_ = *std::move(context);
  return tls;
}

std::shared_ptr<asio::ssl::context> TlsContext::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

absl::Status TlsContext::Reload() {
  absl::StatusOr<std::shared_ptr<asio::ssl::context>> context = Load();
  if (!context.ok()) return context.status();
  std::lock_guard lock(mu_);
  current_ = *std::move(context);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<asio::ssl::context>> TlsContext::Load() const {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file_.c_str()) != 1) {
    return absl::InvalidArgumentError("RTMPS certificate " + cert_file_ + ": " + OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file_.c_str(), SSL_FILETYPE_PEM) != 1) {
    return absl::InvalidArgumentError("RTMPS key " + key_file_ + " (for certificate " + cert_file_ +
                                      "): " + OpenSslError());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError("RTMPS key " + key_file_ + " and certificate " + cert_file_ +
                                      " do not match (key mismatch): " + OpenSslError());
  }
  return context;
}

}  // namespace livesnap::rtmp::internal
