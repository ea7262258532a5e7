// File: storage/testing/fault_injecting_store.h
//
// An in-memory ObjectStore for unit tests of code above the store: it records
// every Put attempt, fails the ones a test chooses, and can hold Puts until
// released, to play a store that is down, refusing or slow:
//
//   FaultInjectingStore store;
//   store.FailPuts([](std::string_view key) { return absl::UnavailableError("down"); });
//   ... store.FailPuts(nullptr);  // back up
//   EXPECT_THAT(store.StoredKeys(), ...);
//
// Only for unit tests: integration tests use real stores.
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "storage/object_store.h"

namespace livesnap::storage::testing {

class FaultInjectingStore final : public ObjectStore {
 public:
  // Returns the failure for a Put of `key`, or OK to let it through.
  using PutFault = std::function<absl::Status(std::string_view key)>;

  void FailPuts(PutFault fault) {
    std::lock_guard lock(mu_);
    fault_ = std::move(fault);
  }
  // While held, Put waits (after being recorded as an attempt) until Release.
  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    changed_.notify_all();
  }

  absl::Status Put(std::string_view key, std::span<const uint8_t> data,
                   std::string_view /*content_type*/) override {
    std::unique_lock lock(mu_);
    attempts_.emplace_back(key);
    changed_.notify_all();
    changed_.wait(lock, [this] { return !held_; });
    if (fault_) {
      absl::Status status = fault_(key);
      if (!status.ok()) return status;
    }
    objects_[std::string(key)] = std::vector<uint8_t>(data.begin(), data.end());
    stored_.emplace_back(key);
    changed_.notify_all();
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<uint8_t>> Get(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return absl::NotFoundError(std::string(key));
    return it->second;
  }
  absl::Status Delete(std::string_view key) override {
    std::lock_guard lock(mu_);
    if (objects_.erase(std::string(key)) == 0) return absl::NotFoundError(std::string(key));
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::lock_guard lock(mu_);
    std::vector<ObjectInfo> objects;
    for (const auto& [key, data] : objects_) {
      if (key.starts_with(prefix)) {
        objects.push_back({.key = key, .size_bytes = static_cast<int64_t>(data.size())});
      }
    }
    return objects;
  }
  std::string Describe() const override { return "fault-injecting"; }

  // Keys of every Put call, in call order (failed ones included).
  std::vector<std::string> Attempts() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }
  // Keys of the successful Puts, in order.
  std::vector<std::string> StoredKeys() const {
    std::lock_guard lock(mu_);
    return stored_;
  }
  // Waits (real time) until `count` Put calls have been made.
  bool WaitForAttempts(size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return attempts_.size() >= count; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  PutFault fault_;                                       // guarded by mu_
  bool held_ = false;                                    // guarded by mu_
  std::map<std::string, std::vector<uint8_t>> objects_;  // guarded by mu_
  std::vector<std::string> attempts_;                    // guarded by mu_
  std::vector<std::string> stored_;                      // guarded by mu_
};

}  // namespace livesnap::storage::testing
