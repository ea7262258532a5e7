// File: api/internal/actions.h
//
// The RPC actions: each reads its parameters, checks them with the rules of
// validation.h, works on the catalog (and the hub's live-stream registry),
// and returns the JSON body of the answer without RequestId (the server adds
// it) or an ApiError.
//
//   const ActionHandler* handler = FindAction("DescribeLiveSnapshotConfig");
//   ApiResult<Json> body = (*handler)(context, params);
//
// Thread-safety: handlers are reentrant; the context's parts are thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "api/api_server.h"
#include "api/internal/api_error.h"
#include "api/internal/request_params.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "catalog/registry.h"
#include "media/hub.h"

namespace livesnap::api::internal {

using Json = nlohmann::ordered_json;

struct ActionContext {
  catalog::Catalog& catalog;
  const media::MediaHub* hub;  // null: no live streams
  const Clock& clock;
  catalog::Registry* registry = nullptr;   // the cluster's; null: this node alone
  std::string node_id;                     // this node's id in the registry
  int64_t lease_ms = 15'000;               // a node silent longer is shown offline
  bool authenticated = false;              // the request was signed with an access key
  const ObjectStoreMap* stores = nullptr;  // bucket -> store; null: none on this node
};

// A stream live on another node of the cluster, as the registry knows it.
struct ClusterStream {
  media::LiveStream live;  // info and stats as its node reported them, one heartbeat old at most
  std::string node_id;
};
// The streams other nodes hold (empty without a registry).
absl::StatusOr<std::vector<ClusterStream>> OtherNodesStreams(const ActionContext& context);

using ActionHandler = ApiResult<Json> (*)(const ActionContext& context,
                                          const RequestParams& params);

// nullptr for an unknown action name.
const ActionHandler* FindAction(std::string_view action);
std::vector<std::string_view> ActionNames();
// Whether `action` changes state (true for an unknown name), from the
// action table: a change reloads the templates, and with auth off is
// refused from other web origins.
bool ActionMutates(std::string_view action);

// A catalog failure the handler has no specific answer for: Unavailable
// becomes ServiceUnavailable (503), anything else InternalError (500).
ApiError CatalogError(const absl::Status& status, std::string_view doing);

// The handlers, by group (template_actions.cc, notify_actions.cc,
// domain_actions.cc, stream_actions.cc).
ApiResult<Json> AddLiveAppSnapshotConfig(const ActionContext& context, const RequestParams& params);
ApiResult<Json> UpdateLiveAppSnapshotConfig(const ActionContext& context,
                                            const RequestParams& params);
ApiResult<Json> DeleteLiveAppSnapshotConfig(const ActionContext& context,
                                            const RequestParams& params);
ApiResult<Json> DescribeLiveSnapshotConfig(const ActionContext& context,
                                           const RequestParams& params);
ApiResult<Json> DescribeLiveStreamSnapshotInfo(const ActionContext& context,
                                               const RequestParams& params);
ApiResult<Json> AddLiveSnapshotNotifyConfig(const ActionContext& context,
                                            const RequestParams& params);
ApiResult<Json> UpdateLiveSnapshotNotifyConfig(const ActionContext& context,
                                               const RequestParams& params);
ApiResult<Json> DeleteLiveSnapshotNotifyConfig(const ActionContext& context,
                                               const RequestParams& params);
ApiResult<Json> DescribeLiveSnapshotNotifyConfig(const ActionContext& context,
                                                 const RequestParams& params);
ApiResult<Json> AddLiveDomain(const ActionContext& context, const RequestParams& params);
ApiResult<Json> DeleteLiveDomain(const ActionContext& context, const RequestParams& params);
ApiResult<Json> DescribeLiveUserDomains(const ActionContext& context, const RequestParams& params);
ApiResult<Json> DescribeLiveSnapshotStorages(const ActionContext& context,
                                             const RequestParams& params);
ApiResult<Json> DescribeLiveStreamsOnlineList(const ActionContext& context,
                                              const RequestParams& params);
// callback_auth_actions.cc: signing of the templates' Callback requests.
ApiResult<Json> SetSnapshotCallbackAuth(const ActionContext& context, const RequestParams& params);
ApiResult<Json> DeleteSnapshotCallbackAuth(const ActionContext& context,
                                           const RequestParams& params);
ApiResult<Json> QuerySnapshotCallbackAuth(const ActionContext& context,
                                          const RequestParams& params);
// record_actions.cc: snapshot records beyond listing them.
ApiResult<Json> DeleteSnapshotFiles(const ActionContext& context, const RequestParams& params);
ApiResult<Json> DescribeLiveDomainSnapshotData(const ActionContext& context,
                                               const RequestParams& params);
// node_actions.cc: a livesnap extension.
ApiResult<Json> DescribeLivesnapNodes(const ActionContext& context, const RequestParams& params);
// domain_config_actions.cc: the "aliauth" function (push URL signing).
ApiResult<Json> BatchSetLiveDomainConfigs(const ActionContext& context,
                                          const RequestParams& params);
ApiResult<Json> DescribeLiveDomainConfigs(const ActionContext& context,
                                          const RequestParams& params);
ApiResult<Json> DeleteLiveSpecificConfig(const ActionContext& context, const RequestParams& params);

// Shared by the groups: DomainName given and well formed.
ApiResult<std::string> RequireDomainName(const RequestParams& params);
// AppName and StreamName given and well formed (the stream an action is about).
struct StreamNames {
  std::string app;
  std::string stream;
};
ApiResult<StreamNames> RequireStreamNames(const RequestParams& params);
// The registered domain `name`, or InvalidDomain.NotFound.
ApiResult<catalog::Domain> LookupDomain(const ActionContext& context, const std::string& name);
// Both of the above.
ApiResult<catalog::Domain> RequireDomain(const ActionContext& context, const RequestParams& params);
// The registered domain that serves pushes to `host`: `host` itself, else the
// longest wildcard domain above it (catalog/domain_match.h); else
// InvalidDomain.NotFound.
ApiResult<catalog::Domain> LookupServingDomain(const ActionContext& context,
                                               const std::string& host);
// A required UTC ISO 8601 time parameter, in Unix ms: `missing` when
// absent, `malformed` when it is no such time.
ApiResult<int64_t> RequireTime(const RequestParams& params, std::string_view name,
                               const ErrorCode& missing, const ErrorCode& malformed);
// StartTime and EndTime given, each UTC ISO 8601, EndTime later than
// StartTime (InvalidEndTime.Mismatch); in Unix ms.
struct TimeRange {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};
ApiResult<TimeRange> RequireTimeRange(const RequestParams& params);
// TotalPage for `total` items in pages of `page_size`.
int64_t TotalPages(int64_t total, int64_t page_size);

}  // namespace livesnap::api::internal
