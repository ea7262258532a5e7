// File: server/latest_image_proxy.h
//
// The latest image of a stream live on another node of the cluster, fetched
// from that node's API (GET /snapshots/latest/<domain>/<app>/<stream>.jpg at
// the api_address the registry names). Proxying, rather than reading the
// overwrite object from the store, answers exactly what the owner answers:
// the image is there from the first keyframe, also when the template has no
// overwrite object or its upload is still queued, and with the same
// X-Snapshot-* headers.
//
//   LatestImageProxy proxy(registry, "node-a", SystemClock::Instance());
//   std::optional<api::LatestImage> image = proxy.Fetch(key);  // nullopt: nobody has one
//
// A call costs one registry lookup and, for a remote stream, one HTTP
// request bounded by kProxyTimeoutMs to connect and to read.
//
// Thread-safety: thread-safe (a client per call).
#pragma once

#include <optional>
#include <string>

#include "api/api_server.h"
#include "base/clock.h"
#include "catalog/registry.h"
#include "media/stream.h"

namespace livesnap::server {

class LatestImageProxy {
 public:
  static constexpr int kProxyTimeoutMs = 2000;

  LatestImageProxy(catalog::Registry& registry, std::string node_id, const Clock& clock)
      : registry_(registry), node_id_(std::move(node_id)), clock_(clock) {}

  // With API auth on, the owner answers a request signed with an access
  // key (the nodes share their keys); call before the first Fetch.
  void set_access_key(std::string id, std::string secret) {
    key_id_ = std::move(id);
    key_secret_ = std::move(secret);
  }

  // The owner's latest image of `key`; nullopt when no other node holds the
  // stream, or the owner has none or cannot be reached (logged).
  std::optional<api::LatestImage> Fetch(const media::StreamKey& key) const;

 private:
  catalog::Registry& registry_;
  const std::string node_id_;
  // "" without an access key; else "?AccessKeyId=...&Signature=..." for
  // the image at `path` (decoded), as the API checks it.
  std::string SignedQuery(const std::string& path) const;

  const Clock& clock_;
  std::string key_id_;  // empty: unsigned requests
  std::string key_secret_;
};

}  // namespace livesnap::server
