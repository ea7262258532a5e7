// File: server/daemon.h
//
// The one place that builds livesnapd's objects and wires them together:
// catalog, media hub, RTMP ingest and the HTTP API. Nothing below server/
// reads configuration files or the command line.
//
//   auto daemon = Daemon::Create(config);   // opens, migrates, binds
//   (*daemon)->Start();
//   ... wait for SIGINT/SIGTERM; (*daemon)->Reload() on SIGHUP ...
//   (*daemon)->Stop();                      // graceful
//
// Thread-safety: Create/Start/Stop from the main thread.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "server/config.h"

namespace livesnap::server {

class Daemon {
 public:
  static absl::StatusOr<std::unique_ptr<Daemon>> Create(Config config);
  virtual ~Daemon() = default;

  virtual absl::Status Start() = 0;
  // Stops accepting, ends every publish, finishes in-flight API requests.
  virtual void Stop() = 0;
  // Reads the RTMPS certificate and key again (SIGHUP); logs the outcome.
  virtual void Reload() = 0;
  virtual uint16_t rtmp_port() const = 0;
  virtual int api_port() const = 0;
};

}  // namespace livesnap::server
