#include "catalog/internal/catalog_sql.h"

#include <cctype>

namespace livesnap::catalog::internal {

std::string SqliteSql(std::string_view postgres_sql) {
  std::string out(postgres_sql);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '?';
  }
  return out;
}

std::string_view SqlDirection(SortOrder order) {
  return order == SortOrder::kAscending ? "ASC" : "DESC";
}

namespace sql {

const std::string kDomainColumns =
    "name, region, created_ms, live_domain_type, callback_req_auth, callback_auth_key";
const std::string kTemplateColumns =
    "domain, app, interval_s, endpoint, bucket, overwrite_pattern, sequence_pattern, callback, "
    "width, height, created_ms, updated_ms";
const std::string kRecordColumns =
    "domain, app, stream, endpoint, bucket, object_key, overlay, sequence, capture_ms, "
    "size_bytes, width, height";

const std::string kInsertDomain =
    "INSERT INTO domains (" + kDomainColumns + ") VALUES ($1, $2, $3, $4, $5, $6)";
const std::string kDeleteDomain = "DELETE FROM domains WHERE name = $1";
const std::string kGetDomain = "SELECT " + kDomainColumns + " FROM domains WHERE name = $1";
const std::string kSetCallbackAuth =
    "UPDATE domains SET callback_req_auth = $2, callback_auth_key = $3 WHERE name = $1";
const std::string kUpsertBucket =
    "INSERT INTO buckets (name, region, endpoint, kind) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (name) DO UPDATE SET region = EXCLUDED.region,"
    " endpoint = EXCLUDED.endpoint, kind = EXCLUDED.kind";
const std::string kGetBucket = "SELECT name, region, endpoint, kind FROM buckets WHERE name = $1";

const std::string kInsertTemplate = "INSERT INTO templates (" + kTemplateColumns +
                                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
const std::string kUpdateTemplate =
    "UPDATE templates SET interval_s = $3, endpoint = $4, bucket = $5,"
    " overwrite_pattern = $6, sequence_pattern = $7, callback = $8, width = $9,"
    " height = $10, updated_ms = $11 WHERE domain = $1 AND app = $2";
const std::string kDeleteTemplate = "DELETE FROM templates WHERE domain = $1 AND app = $2";
const std::string kGetTemplate =
    "SELECT " + kTemplateColumns + " FROM templates WHERE domain = $1 AND app = $2";
const std::string kResolveTemplate = "SELECT " + kTemplateColumns +
                                     " FROM templates WHERE domain = $1 AND app IN ($2, '*')"
                                     " ORDER BY app = '*' LIMIT 1";

const std::string kUpsertNotifyConfig =
    "INSERT INTO notify_configs (domain, notify_url, req_auth, auth_key)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (domain) DO UPDATE SET"
    " notify_url = EXCLUDED.notify_url, req_auth = EXCLUDED.req_auth,"
    " auth_key = EXCLUDED.auth_key";
const std::string kGetNotifyConfig =
    "SELECT domain, notify_url, req_auth, auth_key FROM notify_configs WHERE domain = $1";
const std::string kDeleteNotifyConfig = "DELETE FROM notify_configs WHERE domain = $1";

const std::string kUpsertPushAuth =
    "INSERT INTO push_auth (domain, auth_type, auth_key1, auth_key2, delta_s)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (domain) DO UPDATE SET"
    " auth_type = EXCLUDED.auth_type, auth_key1 = EXCLUDED.auth_key1,"
    " auth_key2 = EXCLUDED.auth_key2, delta_s = EXCLUDED.delta_s";
const std::string kGetPushAuth =
    "SELECT domain, auth_type, auth_key1, auth_key2, delta_s FROM push_auth WHERE domain = $1";
const std::string kDeletePushAuth = "DELETE FROM push_auth WHERE domain = $1";

const std::string kPruneSequenceRecords =
    "DELETE FROM snapshot_records WHERE id IN (SELECT id FROM snapshot_records"
    " WHERE NOT overlay AND capture_ms < $1 ORDER BY capture_ms LIMIT $2)";
const std::string kCountRecordsByDay =
    "SELECT capture_ms / 86400000 AS day, COUNT(*) FROM snapshot_records r"
    " WHERE domain = $1 AND capture_ms >= $2 AND capture_ms < $3 AND (NOT overlay"
    " OR NOT EXISTS (SELECT 1 FROM snapshot_records s WHERE s.domain = r.domain"
    " AND s.app = r.app AND s.stream = r.stream AND s.capture_ms = r.capture_ms"
    " AND NOT s.overlay)) GROUP BY day ORDER BY day";

const std::string kReplaceOverlay =
    " ON CONFLICT (domain, app, stream, bucket, object_key) WHERE overlay DO UPDATE SET"
    " endpoint = EXCLUDED.endpoint, sequence = EXCLUDED.sequence,"
    " capture_ms = EXCLUDED.capture_ms, size_bytes = EXCLUDED.size_bytes,"
    " width = EXCLUDED.width, height = EXCLUDED.height";

std::string QueryRecords(SortOrder order) {
  const std::string direction(SqlDirection(order));
  return "SELECT " + kRecordColumns +
         " FROM snapshot_records WHERE domain = $1 AND app = $2 AND stream = $3"
         " AND capture_ms >= $4 AND capture_ms < $5 ORDER BY capture_ms " +
         direction + ", id " + direction + " LIMIT $6";
}

}  // namespace sql
}  // namespace livesnap::catalog::internal
