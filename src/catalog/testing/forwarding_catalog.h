// File: catalog/testing/forwarding_catalog.h
//
// A Catalog that passes every call on to a real one, for tests that change
// the answers of a few calls (a catalog that fails, counts or waits) and
// keep the rest real:
//
//   class FlakyCatalog final : public catalog::testing::ForwardingCatalog {
//    public:
//     using ForwardingCatalog::ForwardingCatalog;
//     absl::StatusOr<std::vector<catalog::Domain>> ListDomains() override {
//       if (failing) return absl::UnavailableError("catalog unreachable");
//       return ForwardingCatalog::ListDomains();
//     }
//     std::atomic<bool> failing{false};
//   };
//
// Thread-safety: as the catalog it forwards to, which must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"

namespace livesnap::catalog::testing {

class ForwardingCatalog : public Catalog {
 public:
  explicit ForwardingCatalog(Catalog& real) : real_(real) {}

  absl::Status AddDomain(const Domain& d) override { return real_.AddDomain(d); }
  absl::Status DeleteDomain(std::string_view n) override { return real_.DeleteDomain(n); }
  absl::Status SetCallbackAuth(std::string_view d, const CallbackAuth& a) override {
    return real_.SetCallbackAuth(d, a);
  }
  absl::StatusOr<Domain> GetDomain(std::string_view n) override { return real_.GetDomain(n); }
  absl::StatusOr<std::vector<Domain>> ListDomains() override { return real_.ListDomains(); }

  absl::Status UpsertBucket(const Bucket& b) override { return real_.UpsertBucket(b); }
  absl::StatusOr<Bucket> GetBucket(std::string_view n) override { return real_.GetBucket(n); }
  absl::StatusOr<std::vector<Bucket>> ListBuckets() override { return real_.ListBuckets(); }

  absl::Status AddTemplate(const SnapshotTemplate& t) override { return real_.AddTemplate(t); }
  absl::Status UpdateTemplate(const SnapshotTemplate& t) override {
    return real_.UpdateTemplate(t);
  }
  absl::Status DeleteTemplate(std::string_view d, std::string_view a) override {
    return real_.DeleteTemplate(d, a);
  }
  absl::StatusOr<SnapshotTemplate> GetTemplate(std::string_view d, std::string_view a) override {
    return real_.GetTemplate(d, a);
  }
  absl::StatusOr<TemplatePage> ListTemplates(const TemplateQuery& q) override {
    return real_.ListTemplates(q);
  }
  absl::StatusOr<std::optional<SnapshotTemplate>> ResolveTemplate(std::string_view d,
                                                                  std::string_view a) override {
    return real_.ResolveTemplate(d, a);
  }

  absl::Status SetNotifyConfig(const NotifyConfig& c) override { return real_.SetNotifyConfig(c); }
  absl::StatusOr<NotifyConfig> GetNotifyConfig(std::string_view d) override {
    return real_.GetNotifyConfig(d);
  }
  absl::Status DeleteNotifyConfig(std::string_view d) override {
    return real_.DeleteNotifyConfig(d);
  }

  absl::Status SetPushAuth(const PushAuth& a) override { return real_.SetPushAuth(a); }
  absl::StatusOr<PushAuth> GetPushAuth(std::string_view d) override { return real_.GetPushAuth(d); }
  absl::Status DeletePushAuth(std::string_view d) override { return real_.DeletePushAuth(d); }
  absl::StatusOr<std::vector<PushAuth>> ListPushAuths() override { return real_.ListPushAuths(); }

  absl::StatusOr<int64_t> NextSequence(std::string_view d, std::string_view a,
                                       std::string_view s) override {
    return real_.NextSequence(d, a, s);
  }
  absl::Status AddSnapshotRecord(const SnapshotRecord& r) override {
    return real_.AddSnapshotRecord(r);
  }
  absl::StatusOr<int64_t> PruneSequenceRecords(int64_t before_ms, int64_t limit) override {
    return real_.PruneSequenceRecords(before_ms, limit);
  }
  absl::StatusOr<std::vector<SnapshotRecord>> QuerySnapshotRecords(const RecordQuery& q) override {
    return real_.QuerySnapshotRecords(q);
  }
  absl::StatusOr<std::vector<SnapshotRecord>> DeleteSnapshotRecords(
      std::string_view domain, std::string_view app, std::string_view stream,
      const std::vector<int64_t>& capture_ms) override {
    return real_.DeleteSnapshotRecords(domain, app, stream, capture_ms);
  }
  absl::StatusOr<std::vector<DailySnapshotCount>> CountSnapshotsByDay(std::string_view domain,
                                                                      int64_t start_ms,
                                                                      int64_t end_ms) override {
    return real_.CountSnapshotsByDay(domain, start_ms, end_ms);
  }

 private:
  Catalog& real_;
};

}  // namespace livesnap::catalog::testing
