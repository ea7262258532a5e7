// File: catalog/catalog.h
//
// The catalog holds livesnap's configuration state and snapshot history:
// streaming domains, storage locations (buckets), snapshot templates per
// (domain, AppName), snapshot-notify configs, snapshot records and per-stream
// sequence counters. One interface, two implementations (SQLite, the embedded
// default, and PostgreSQL, for several nodes sharing one catalog), both held
// to one conformance suite.
//
//   auto catalog = OpenCatalog("sqlite:///var/lib/livesnap/catalog.db");
//   auto tmpl = (*catalog)->ResolveTemplate("push.example.com", "live");
//
// Errors: NotFound for a missing row, AlreadyExists for a duplicate key,
// FailedPrecondition for a broken reference (template on an unknown domain or
// bucket; the message names it), Unavailable when the database cannot be
// reached (a PostgreSQL catalog recovers by itself once the server is back),
// InvalidArgument for an empty key (domain, AppName, stream, bucket name),
// text that is not UTF-8 or contains NUL, or a negative offset/limit.
//
// Thread-safety: every Catalog is safe to call from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap::catalog {

// ApsaraVideo Live's LiveDomainType values.
inline constexpr char kLiveVideo[] = "liveVideo";  // a streaming domain
inline constexpr char kLiveEdge[] = "liveEdge";    // an edge ingest domain

// How the snapshot Callback of a domain's templates is signed
// (SetSnapshotCallbackAuth); notify/callback_signature.h has the scheme.
struct CallbackAuth {
  bool req_auth = false;
  std::string auth_key;  // a secret; non-empty when req_auth
};

struct Domain {
  // e.g. "push.example.com"; a name beginning with "." (".example.com") is a
  // wildcard domain serving every subdomain (see catalog/domain_match.h).
  std::string name;
  std::string region;  // e.g. "cn-shanghai"
  int64_t created_ms = 0;
  std::string live_domain_type = kLiveVideo;  // kLiveVideo or kLiveEdge
  CallbackAuth callback_auth;
};

// A storage location. Declared in the config file (it carries credentials)
// and mirrored here without secrets, so templates can reference it and the
// region rule can be checked.
struct Bucket {
  std::string name;  // the OssBucket users name in templates
  std::string region;
  std::string endpoint;  // the OssEndpoint users name in templates
  std::string kind;      // "file" or "s3"
};

// Snapshot template of one (domain, AppName). AppName "*" covers every app of
// the domain; an exact AppName wins over "*".
struct SnapshotTemplate {
  std::string domain;
  std::string app;                // AppName or "*"
  int interval_s = 0;             // TimeInterval, 5..3600
  std::string endpoint;           // OssEndpoint
  std::string bucket;             // OssBucket
  std::string overwrite_pattern;  // OverwriteOssObject; empty = overwrite mode off
  std::string sequence_pattern;   // SequenceOssObject; empty = sequence mode off
  std::string callback;           // Callback URL; empty = none
  int width = 0;                  // output width in pixels; 0 = source (extension field)
  int height = 0;                 // output height in pixels; 0 = source (extension field)
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct NotifyConfig {
  std::string domain;
  std::string notify_url;
  bool req_auth = false;
  std::string auth_key;
};

// A domain's URL signing of pushes: the cloud API's domain function
// "aliauth". The keys are secrets: only an authenticated Describe shows them.
struct PushAuth {
  std::string domain;
  std::string auth_type;   // "type_a"
  std::string auth_key1;   // primary key
  std::string auth_key2;   // secondary key ("" for none), accepted during rotation
  int64_t delta_s = 1800;  // ali_auth_delta: how long a signed URL stays valid
};

struct SnapshotRecord {
  std::string domain;
  std::string app;
  std::string stream;
  std::string endpoint;
  std::string bucket;
  std::string object_key;
  bool overlay = false;    // true: overwrite object; false: sequence object
  int64_t sequence = -1;   // the sequence number of a sequence object, -1 otherwise
  int64_t capture_ms = 0;  // Unix ms when the frame was captured (CreateTimestamp)
  int64_t size_bytes = 0;
  int width = 0;
  int height = 0;
};

enum class SortOrder { kAscending, kDescending };

// The snapshots of one UTC day (DescribeLiveDomainSnapshotData).
struct DailySnapshotCount {
  int64_t day_start_ms = 0;  // 00:00:00 UTC of the day, Unix ms
  int64_t count = 0;         // distinct captures (stream, capture_ms) that day
};

struct TemplatePage {
  std::vector<SnapshotTemplate> items;
  int64_t total = 0;  // matches over all pages
};

struct TemplateQuery {
  std::string domain;
  std::optional<std::string> app;           // nullopt: every template of the domain
  int64_t offset = 0;                       // >= 0
  int64_t limit = 10;                       // >= 0; 0 returns only the total
  SortOrder order = SortOrder::kAscending;  // by created time, then AppName
};

struct RecordQuery {
  std::string domain;
  std::string app;
  std::string stream;
  int64_t start_ms = 0;                     // inclusive, on capture_ms
  int64_t end_ms = 0;                       // exclusive, on capture_ms
  int64_t limit = 10;                       // >= 0
  SortOrder order = SortOrder::kAscending;  // by capture_ms
};

class Catalog {
 public:
  virtual ~Catalog() = default;

  // Domains. DeleteDomain also removes the domain's templates and notify
  // config; its snapshot records and sequence counters stay (history, and
  // numbers that must not repeat if the domain comes back).
  virtual absl::Status AddDomain(const Domain& domain) = 0;
  virtual absl::Status DeleteDomain(std::string_view name) = 0;
  virtual absl::StatusOr<Domain> GetDomain(std::string_view name) = 0;
  virtual absl::StatusOr<std::vector<Domain>> ListDomains() = 0;
  // Replaces the domain's callback signing (req_auth false and an empty key
  // turn it off). NotFound for an unknown domain; InvalidArgument for
  // req_auth without a key.
  virtual absl::Status SetCallbackAuth(std::string_view domain, const CallbackAuth& auth) = 0;

  // Buckets: inserted or replaced by name (every node upserts its config's).
  virtual absl::Status UpsertBucket(const Bucket& bucket) = 0;
  virtual absl::StatusOr<Bucket> GetBucket(std::string_view name) = 0;
  virtual absl::StatusOr<std::vector<Bucket>> ListBuckets() = 0;

  // Templates. AddTemplate fails with AlreadyExists for a duplicate
  // (domain, app); UpdateTemplate replaces every field but created_ms.
  virtual absl::Status AddTemplate(const SnapshotTemplate& tmpl) = 0;
  virtual absl::Status UpdateTemplate(const SnapshotTemplate& tmpl) = 0;
  virtual absl::Status DeleteTemplate(std::string_view domain, std::string_view app) = 0;
  virtual absl::StatusOr<SnapshotTemplate> GetTemplate(std::string_view domain,
                                                       std::string_view app) = 0;
  virtual absl::StatusOr<TemplatePage> ListTemplates(const TemplateQuery& query) = 0;
  // The template a publish to (domain, app) follows: exact AppName, else "*",
  // else nullopt. The value is a copy the stream keeps until it ends.
  virtual absl::StatusOr<std::optional<SnapshotTemplate>> ResolveTemplate(std::string_view domain,
                                                                          std::string_view app) = 0;

  // Snapshot notify config, one per domain. SetNotifyConfig inserts or replaces.
  virtual absl::Status SetNotifyConfig(const NotifyConfig& config) = 0;
  virtual absl::StatusOr<NotifyConfig> GetNotifyConfig(std::string_view domain) = 0;
  virtual absl::Status DeleteNotifyConfig(std::string_view domain) = 0;

  // Push URL signing, at most one per domain. SetPushAuth inserts or
  // replaces (the domain must exist); ListPushAuths returns every domain's,
  // by domain name, for the in-memory copy the publish admission reads.
  virtual absl::Status SetPushAuth(const PushAuth& auth) = 0;
  virtual absl::StatusOr<PushAuth> GetPushAuth(std::string_view domain) = 0;
  virtual absl::Status DeletePushAuth(std::string_view domain) = 0;
  virtual absl::StatusOr<std::vector<PushAuth>> ListPushAuths() = 0;

  // The next sequence number of a stream: 0 first, then 1, 2, ... Atomic and
  // durable: never repeats, also across restarts and processes sharing the
  // catalog. A number is returned only once its increment is committed, and
  // a call that fails allocates none (unless a PostgreSQL connection breaks
  // between commit and reply), so callers see no gaps; a number whose caller
  // dies before using it stays unused. SQLite runs with synchronous=NORMAL:
  // a commit survives a process crash, a power failure may lose the last ones.
  virtual absl::StatusOr<int64_t> NextSequence(std::string_view domain, std::string_view app,
                                               std::string_view stream) = 0;

  // Records are history: neither checked against nor removed with domains;
  // (domain, app, stream, capture_ms) is indexed. An overlay record replaces
  // the stream's overlay record of the same bucket and object key, if any
  // (that object holds only the newest image), so a stream has one per
  // overwrite object; sequence records accumulate until pruned. A sequence
  // record equal in stream, bucket, object key, sequence and capture_ms to
  // one already there is not added again, so a write retried after a lost
  // reply (committed, connection broken) leaves one record.
  virtual absl::Status AddSnapshotRecord(const SnapshotRecord& record) = 0;
  // Removes at most `limit` sequence records (overlay false) captured before
  // `before_ms`, oldest first, and returns how many it removed; overlay
  // records are kept. A retention sweep calls it in batches until it
  // returns less than `limit`. InvalidArgument for a negative limit.
  virtual absl::StatusOr<int64_t> PruneSequenceRecords(int64_t before_ms, int64_t limit) = 0;
  // At most query.limit records of one stream in [start_ms, end_ms), in
  // query.order; records with equal capture_ms keep their insertion order.
  virtual absl::StatusOr<std::vector<SnapshotRecord>> QuerySnapshotRecords(
      const RecordQuery& query) = 0;
  // Removes every record (overlay and sequence alike) of one stream whose
  // capture_ms is one of `capture_ms`, in one transaction, and returns the
  // records removed, in capture_ms order; a time no record has removes
  // nothing. InvalidArgument for an empty key or more than
  // kMaxRecordDeleteBatch times.
  virtual absl::StatusOr<std::vector<SnapshotRecord>> DeleteSnapshotRecords(
      std::string_view domain, std::string_view app, std::string_view stream,
      const std::vector<int64_t>& capture_ms) = 0;
  // The captures recorded for `domain` in [start_ms, end_ms) per UTC day, in
  // day order, days without one left out. A capture counts once: by its
  // sequence record, or by its overlay record when no sequence record of the
  // stream has its capture time (overwrite-only templates). Two captures of a
  // stream in the same millisecond (a push faster than real time) count twice.
  virtual absl::StatusOr<std::vector<DailySnapshotCount>> CountSnapshotsByDay(
      std::string_view domain, int64_t start_ms, int64_t end_ms) = 0;
};

// The most capture times one DeleteSnapshotRecords call takes.
inline constexpr size_t kMaxRecordDeleteBatch = 1000;

// Opens (creating and migrating when needed) the catalog named by `url`:
// "sqlite:///abs/path.db", "sqlite://relative.db", a plain file path (parent
// directories are created), or a "postgres://" / "postgresql://" libpq URL
// (e.g. postgres://user:pass@db.internal:5432/livesnap?sslmode=require).
// InvalidArgument for another scheme; FailedPrecondition for a database whose
// schema is newer than this build.
absl::StatusOr<std::unique_ptr<Catalog>> OpenCatalog(std::string_view url);

}  // namespace livesnap::catalog
