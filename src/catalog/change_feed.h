// File: catalog/change_feed.h
//
// Tells a node, at once, that another node (or anyone) changed the shared
// catalog's configuration: domains, snapshot templates or notify configs.
// On PostgreSQL it LISTENs on the channel "livesnap_config", which triggers
// of schema version 3 NOTIFY on every such change; the callback then runs
// on the feed's own thread (several changes in a row may be reported once).
// A SQLite catalog belongs to one node, whose own API reloads after its
// changes: OpenChangeFeed returns nullptr for it.
//
//   auto feed = OpenChangeFeed(url, [&] { templates->Reload(); });
//   ...
//   feed.reset();  // stops listening, joins the thread
//
// The connection is the feed's own. When it breaks, the feed reconnects
// (every kChangeFeedRetryMs) and calls the callback once it listens again,
// since changes made meanwhile were not announced to it. Callers keep a
// slower periodic reload as the fallback.
//
// Thread-safety: the callback runs on the feed's thread, never concurrently
// with itself; destroy the feed from another thread than the callback's.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace livesnap::catalog {

inline constexpr int kChangeFeedRetryMs = 2000;

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Whether the feed listens now (false while it reconnects).
  virtual bool listening() const = 0;
};

// nullptr for a SQLite catalog; an error when the first LISTEN fails.
absl::StatusOr<std::unique_ptr<ChangeFeed>> OpenChangeFeed(std::string_view url,
                                                           std::function<void()> on_change);

}  // namespace livesnap::catalog
