// Snapshot templates: Add/Update/Delete/DescribeLiveSnapshotConfig.
#include "absl/strings/str_cat.h"
#include "api/internal/actions.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {

namespace {

constexpr std::string_view kRemove = "-";  // Update: removes a storage mode or the callback

Json TemplateJson(const catalog::SnapshotTemplate& tmpl) {
  Json json;
  json["DomainName"] = tmpl.domain;
  json["AppName"] = tmpl.app;
  json["TimeInterval"] = tmpl.interval_s;
  json["OssEndpoint"] = tmpl.endpoint;
  json["OssBucket"] = tmpl.bucket;
  // Always present, as in Alibaba's model: empty when the mode or callback is unset.
  json["OverwriteOssObject"] = tmpl.overwrite_pattern;
  json["SequenceOssObject"] = tmpl.sequence_pattern;
  json["Callback"] = tmpl.callback;
  json["Width"] = tmpl.width;
  json["Height"] = tmpl.height;
  json["CreateTime"] = FormatIso8601Utc(tmpl.created_ms);
  json["UpdateTime"] = FormatIso8601Utc(tmpl.updated_ms);
  return json;
}

// DomainName and AppName: given and well formed.
struct TemplateKey {
  std::string domain;
  std::string app;
};

ApiResult<TemplateKey> RequireTemplateKey(const RequestParams& params) {
  ApiResult<std::string> domain = RequireDomainName(params);
  if (!domain.ok()) return domain.error();
  ApiResult<std::string> app = params.Require("AppName", codes::kMissingAppName);
  if (!app.ok()) return app.error();
  if (auto error = CheckAppName(*app)) return *error;
  return TemplateKey{*domain, *app};
}

// Applies the request's template fields to `tmpl`. For an Add every
// required field must be given; for an Update only what is given changes,
// and "-" removes a storage mode or the callback.
std::optional<ApiError> ApplyTemplateParams(const RequestParams& params, bool is_update,
                                            catalog::SnapshotTemplate& tmpl) {
  if (auto text = params.Get("TimeInterval")) {
    ApiResult<int> interval = ParseInterval(*text);
    if (!interval.ok()) return interval.error();
    tmpl.interval_s = *interval;
  } else if (!is_update) {
    return Fail(codes::kMissingTimeInterval);
  }
  if (auto endpoint = params.Get("OssEndpoint")) {
    if (auto error = CheckEndpoint(*endpoint)) return error;
    tmpl.endpoint = std::string(*endpoint);
  } else if (!is_update) {
    return Fail(codes::kMissingOssEndpoint);
  }
  if (auto bucket = params.Get("OssBucket")) {
    if (auto error = CheckBucketName(*bucket)) return error;
    tmpl.bucket = std::string(*bucket);
  } else if (!is_update) {
    return Fail(codes::kMissingOssBucket);
  }
  struct PatternParam {
    std::string_view name;
    ObjectMode mode;
    std::string* field;
  };
  for (const PatternParam& p :
       {PatternParam{"OverwriteOssObject", ObjectMode::kOverwrite, &tmpl.overwrite_pattern},
        PatternParam{"SequenceOssObject", ObjectMode::kSequence, &tmpl.sequence_pattern}}) {
    const auto value = params.Get(p.name);
    if (!value) continue;
    if (is_update && *value == kRemove) {
      p.field->clear();
      continue;
    }
    if (auto error = CheckObjectPattern(*value, p.mode)) return error;
    *p.field = std::string(*value);
  }
  if (tmpl.overwrite_pattern.empty() && tmpl.sequence_pattern.empty()) {
    return Fail(codes::kInvalidOverwriteOrSequenceOssObjectMalformed,
                is_update ? "At least one storage mode must remain: OverwriteOssObject and "
                            "SequenceOssObject cannot both be removed."
                          : "At least one of OverwriteOssObject and SequenceOssObject is "
                            "required.");
  }
  if (auto callback = params.Get("Callback")) {
    if (is_update && *callback == kRemove) {
      tmpl.callback.clear();
    } else {
      if (auto error = CheckHttpUrl(*callback, codes::kInvalidCallbackMalformed, "Callback")) {
        return error;
      }
      tmpl.callback = std::string(*callback);
    }
  }
  if (auto text = params.Get("Width")) {
    ApiResult<int> width = ParseDimension(*text, codes::kInvalidWidthMalformed, "Width");
    if (!width.ok()) return width.error();
    tmpl.width = *width;
  }
  if (auto text = params.Get("Height")) {
    ApiResult<int> height = ParseDimension(*text, codes::kInvalidHeightMalformed, "Height");
    if (!height.ok()) return height.error();
    tmpl.height = *height;
  }
  return std::nullopt;
}

// The bucket must exist and be at the given endpoint, and the whole template
// must follow snapshot::ValidateTemplate (the domain's region included). An
// Update that names no OssEndpoint follows the bucket's.
std::optional<ApiError> CheckStorage(const ActionContext& context, const catalog::Domain& domain,
                                     bool endpoint_given, catalog::SnapshotTemplate& tmpl) {
  absl::StatusOr<catalog::Bucket> bucket = context.catalog.GetBucket(tmpl.bucket);
  if (absl::IsNotFound(bucket.status())) {
    return Fail(codes::kInvalidOssBucketNotFound,
                absl::StrCat("No storage location is named \"", tmpl.bucket,
                             "\" (DescribeLiveSnapshotStorages lists them)."));
  }
  if (!bucket.ok()) return CatalogError(bucket.status(), "look up bucket " + tmpl.bucket);
  if (!endpoint_given) {
    tmpl.endpoint = bucket->endpoint;
  } else if (tmpl.endpoint != bucket->endpoint) {
    return Fail(codes::kInvalidOssEndpointMalformed,
                absl::StrCat("OssEndpoint \"", tmpl.endpoint, "\" is not the endpoint of bucket ",
                             bucket->name, " (\"", bucket->endpoint, "\")"));
  }
  if (auto violation = snapshot::ValidateTemplate(tmpl, &*bucket, &domain)) {
    return TemplateViolationError(*violation);
  }
  return std::nullopt;
}

// Update answers with the reference's InvalidConfig.NotFound, Delete with ConfigNotFound.
ApiError TemplateNotFound(const TemplateKey& key, const ErrorCode& code = codes::kConfigNotFound) {
  return Fail(code, absl::StrCat("No snapshot config for domain ", key.domain, " and AppName ",
                                 key.app, "."));
}

}  // namespace

ApiResult<Json> AddLiveAppSnapshotConfig(const ActionContext& context,
                                         const RequestParams& params) {
  ApiResult<TemplateKey> key = RequireTemplateKey(params);
  if (!key.ok()) return key.error();
  catalog::SnapshotTemplate tmpl;
  tmpl.domain = key->domain;
  tmpl.app = key->app;
  if (auto error = ApplyTemplateParams(params, /*is_update=*/false, tmpl)) return *error;
  ApiResult<catalog::Domain> domain = LookupDomain(context, key->domain);
  if (!domain.ok()) return domain.error();
  if (auto error = CheckStorage(context, *domain, /*endpoint_given=*/true, tmpl)) return *error;
  tmpl.created_ms = tmpl.updated_ms = context.clock.UnixMs();
  const absl::Status added = context.catalog.AddTemplate(tmpl);
  if (absl::IsAlreadyExists(added)) {
    return Fail(
        codes::kConfigAlreadyExists,
        absl::StrCat("A snapshot config for domain ", key->domain, " and AppName ", key->app,
                     " already exists (UpdateLiveAppSnapshotConfig changes it)."));
  }
  if (absl::IsFailedPrecondition(added)) {
    return Fail(codes::kInvalidDomainNotFound, std::string(added.message()));
  }
  if (!added.ok()) return CatalogError(added, "add snapshot config");
  return Json::object();
}

ApiResult<Json> UpdateLiveAppSnapshotConfig(const ActionContext& context,
                                            const RequestParams& params) {
  ApiResult<TemplateKey> key = RequireTemplateKey(params);
  if (!key.ok()) return key.error();
  ApiResult<catalog::Domain> domain = LookupDomain(context, key->domain);
  if (!domain.ok()) return domain.error();
  absl::StatusOr<catalog::SnapshotTemplate> current =
      context.catalog.GetTemplate(key->domain, key->app);
  if (absl::IsNotFound(current.status())) {
    return TemplateNotFound(*key, codes::kInvalidConfigNotFound);
  }
  if (!current.ok()) return CatalogError(current.status(), "look up snapshot config");
  catalog::SnapshotTemplate tmpl = *std::move(current);
  if (auto error = ApplyTemplateParams(params, /*is_update=*/true, tmpl)) return *error;
  const bool endpoint_given = params.Get("OssEndpoint").has_value();
  if (auto error = CheckStorage(context, *domain, endpoint_given, tmpl)) return *error;
  tmpl.updated_ms = context.clock.UnixMs();
  const absl::Status updated = context.catalog.UpdateTemplate(tmpl);
  if (absl::IsNotFound(updated)) return TemplateNotFound(*key, codes::kInvalidConfigNotFound);
  if (!updated.ok()) return CatalogError(updated, "update snapshot config");
  return Json::object();
}

ApiResult<Json> DeleteLiveAppSnapshotConfig(const ActionContext& context,
                                            const RequestParams& params) {
  ApiResult<TemplateKey> key = RequireTemplateKey(params);
  if (!key.ok()) return key.error();
  ApiResult<catalog::Domain> domain = LookupDomain(context, key->domain);
  if (!domain.ok()) return domain.error();
  const absl::Status deleted = context.catalog.DeleteTemplate(key->domain, key->app);
  if (absl::IsNotFound(deleted)) return TemplateNotFound(*key);
  if (!deleted.ok()) return CatalogError(deleted, "delete snapshot config");
  return Json::object();
}

ApiResult<Json> DescribeLiveSnapshotConfig(const ActionContext& context,
                                           const RequestParams& params) {
  ApiResult<std::string> domain_name = RequireDomainName(params);
  if (!domain_name.ok()) return domain_name.error();
  catalog::TemplateQuery query;
  query.domain = *domain_name;
  if (auto app = params.Get("AppName")) {
    if (auto error = CheckAppName(*app)) return *error;
    query.app = std::string(*app);
  }
  ApiResult<Paging> paging = params.GetPaging("PageNum", "PageSize", 5, 30, 10);
  if (!paging.ok()) return paging.error();
  ApiResult<bool> descending = params.GetDescending();
  if (!descending.ok()) return descending.error();
  ApiResult<catalog::Domain> domain = LookupDomain(context, *domain_name);
  if (!domain.ok()) return domain.error();

  query.offset = (paging->page_num - 1) * paging->page_size;
  query.limit = paging->page_size;
  query.order = *descending ? catalog::SortOrder::kDescending : catalog::SortOrder::kAscending;
  absl::StatusOr<catalog::TemplatePage> page = context.catalog.ListTemplates(query);
  if (!page.ok()) return CatalogError(page.status(), "list snapshot configs");

  Json list = Json::array();
  for (const catalog::SnapshotTemplate& tmpl : page->items) list.push_back(TemplateJson(tmpl));
  Json body;
  body["PageNum"] = paging->page_num;
  body["PageSize"] = paging->page_size;
  body["Order"] = *descending ? "desc" : "asc";
  body["TotalNum"] = page->total;
  body["TotalPage"] = TotalPages(page->total, paging->page_size);
  body["LiveStreamSnapshotConfigList"] = {{"LiveStreamSnapshotConfig", std::move(list)}};
  return body;
}

}  // namespace livesnap::api::internal
