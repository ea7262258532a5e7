// File: api/error_codes.h
//
// Every error code the HTTP API answers with, its HTTP status and what it
// means. The names follow ApsaraVideo Live (API version 2016-11-01) and its
// gateway where they have one (shared/reference/cloud-snapshot-apis.md); the
// rest follow the same naming ("Missing<Param>", "Invalid<Param>.Malformed",
// "<Thing>.NotFound"). The console and the docs read this list; an error
// body is always
//
//   {"RequestId": "...", "HostId": "...", "Code": "<code>", "Message": "..."}
//
// with the status below. Messages name the parameter and the value that was
// wrong; `meaning` is the generic description.
//
//   const ErrorCode* code = FindErrorCode("ConfigNotFound");  // 404
//
// Thread-safety: constants only.
#pragma once

#include <array>
#include <string_view>

namespace livesnap::api {

struct ErrorCode {
  std::string_view code;
  int http_status;
  std::string_view meaning;
};

namespace codes {

// Request syntax and the RPC gateway.
inline constexpr ErrorCode kMissingAction{"MissingAction", 400,
                                          "The Action parameter is required."};
inline constexpr ErrorCode kInvalidActionNotFound{
    "InvalidAction.NotFound", 404, "Specified api is not found, please check your url and method."};
inline constexpr ErrorCode kMissingVersion{"MissingVersion", 400,
                                           "The Version parameter is required."};
inline constexpr ErrorCode kInvalidVersion{"InvalidVersion", 400,
                                           "Specified parameter Version is not valid."};
inline constexpr ErrorCode kInvalidParameterFormat{
    "InvalidParameter.Format", 400,
    "Specified parameter Format is not valid: only JSON is served."};
inline constexpr ErrorCode kUnsupportedHttpMethod{"UnsupportedHTTPMethod", 400,
                                                  "This http method is not supported."};

// Signature (RPC signature version 1.0, HMAC-SHA1).
inline constexpr ErrorCode kMissingAccessKeyId{"MissingAccessKeyId", 400,
                                               "The AccessKeyId parameter is required."};
inline constexpr ErrorCode kMissingSignature{"MissingSignature", 400,
                                             "The Signature parameter is required."};
inline constexpr ErrorCode kMissingSignatureNonce{"MissingSignatureNonce", 400,
                                                  "The SignatureNonce parameter is required."};
inline constexpr ErrorCode kMissingTimestamp{"MissingTimestamp", 400,
                                             "The Timestamp parameter is required."};
inline constexpr ErrorCode kInvalidSignatureMethod{"InvalidSignatureMethod", 400,
                                                   "Specified signature method is not valid."};
inline constexpr ErrorCode kInvalidSignatureVersion{"InvalidSignatureVersion", 400,
                                                    "Specified signature version is not valid."};
inline constexpr ErrorCode kInvalidAccessKeyIdNotFound{"InvalidAccessKeyId.NotFound", 404,
                                                       "Specified access key is not found."};
inline constexpr ErrorCode kInvalidTimeStampFormat{
    "InvalidTimeStamp.Format", 400, "Specified time stamp or date value is not well formatted."};
inline constexpr ErrorCode kInvalidTimeStampExpired{
    "InvalidTimeStamp.Expired", 400,
    "Specified time stamp or date value is expired (more than 15 minutes off)."};
inline constexpr ErrorCode kSignatureDoesNotMatch{
    "SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation."};
inline constexpr ErrorCode kSignatureNonceUsed{
    "SignatureNonceUsed", 400, "Specified signature nonce was used already (within 15 minutes)."};

// Parameters shared by several actions.
inline constexpr ErrorCode kMissingDomainName{"MissingDomainName", 400,
                                              "The DomainName parameter is required."};
inline constexpr ErrorCode kInvalidDomainNameMalformed{
    "InvalidDomainName.Malformed", 400,
    "DomainName must be a host name or IPv4 address of at most 253 characters, or a wildcard "
    "domain: . followed by a host name of two labels or more."};
inline constexpr ErrorCode kInvalidDomainNotFound{"InvalidDomain.NotFound", 404,
                                                  "The domain is not registered."};
inline constexpr ErrorCode kMissingAppName{"MissingAppName", 400,
                                           "The AppName parameter is required."};
inline constexpr ErrorCode kInvalidAppNameMalformed{
    "InvalidAppName.Malformed", 400,
    "AppName must be * or at most 255 letters, digits, - and _, not starting with - or _."};
inline constexpr ErrorCode kMissingStreamName{"MissingStreamName", 400,
                                              "The StreamName parameter is required."};
inline constexpr ErrorCode kInvalidStreamNameMalformed{
    "InvalidStreamName.Malformed", 400,
    "StreamName must be at most 255 characters without /, \\ or control characters."};
inline constexpr ErrorCode kInvalidPageNumMalformed{"InvalidPageNum.Malformed", 400,
                                                    "PageNum must be an integer of at least 1."};
inline constexpr ErrorCode kInvalidPageSizeMalformed{"InvalidPageSize.Malformed", 400,
                                                     "PageSize is out of its range."};
inline constexpr ErrorCode kInvalidDomainSearchTypeMalformed{
    "InvalidDomainSearchType.Malformed", 400,
    "DomainSearchType must be fuzzy_match, pre_match, suf_match or full_match."};
inline constexpr ErrorCode kInvalidQueryTypeMalformed{"InvalidQueryType.Malformed", 400,
                                                      "QueryType must be fuzzy or strict."};
inline constexpr ErrorCode kInvalidStreamTypeMalformed{"InvalidStreamType.Malformed", 400,
                                                       "StreamType must be all, raw or trans."};
inline constexpr ErrorCode kInvalidOrderMalformed{"InvalidOrder.Malformed", 400,
                                                  "Order must be asc or desc."};

// Snapshot templates.
inline constexpr ErrorCode kMissingTimeInterval{"MissingTimeInterval", 400,
                                                "The TimeInterval parameter is required."};
inline constexpr ErrorCode kInvalidOssIntervalMalformed{
    "InvalidOssInterval.Malformed", 400, "TimeInterval must be an integer from 5 to 3600."};
inline constexpr ErrorCode kMissingOssEndpoint{"MissingOssEndpoint", 400,
                                               "The OssEndpoint parameter is required."};
inline constexpr ErrorCode kInvalidOssEndpointMalformed{
    "InvalidOssEndpoint.Malformed", 400,
    "OssEndpoint must be the endpoint of the storage location named by OssBucket."};
inline constexpr ErrorCode kMissingOssBucket{"MissingOssBucket", 400,
                                             "The OssBucket parameter is required."};
inline constexpr ErrorCode kInvalidOssBucketMalformed{
    "InvalidOssBucket.Malformed", 400, "OssBucket must be 1..63 letters, digits, -, _ and ."};
inline constexpr ErrorCode kInvalidOssBucketNotFound{"InvalidOssBucket.NotFound", 400,
                                                     "No storage location has this name."};
inline constexpr ErrorCode kInvalidOssBucketRegionMismatch{
    "InvalidOssBucket.RegionMismatch", 400,
    "The storage location must be in the same region as the domain."};
inline constexpr ErrorCode kInvalidCallbackMalformed{
    "InvalidCallback.Malformed", 400,
    "Callback must be an http or https URL of at most 500 characters."};
inline constexpr ErrorCode kInvalidWidthMalformed{"InvalidWidth.Malformed", 400,
                                                  "Width must be an integer from 0 to 4096."};
inline constexpr ErrorCode kInvalidHeightMalformed{"InvalidHeight.Malformed", 400,
                                                   "Height must be an integer from 0 to 4096."};
inline constexpr ErrorCode kConfigAlreadyExists{"ConfigAlreadyExists", 400,
                                                "The configuration already exists."};
inline constexpr ErrorCode kConfigNotFound{"ConfigNotFound", 404,
                                           "The configuration does not exist."};

// Snapshot templates: the storage patterns and a missing config, as the
// reference names them.
inline constexpr ErrorCode kInvalidOverwriteOrSequenceOssObjectMalformed{
    "InvalidOverwriteOssObjectOrSequenceOssObject.Malformed", 400,
    "At least one of OverwriteOssObject and SequenceOssObject is required."};
inline constexpr ErrorCode kInvalidOverwriteOssObjectMalformed{
    "InvalidOverwriteOssObject.Malformed", 400,
    "OverwriteOssObject must end in .jpg, be under 256 bytes, use only {Domain} {AppName} "
    "{StreamName} {Date}, and expand to a valid object key (no . or .. or empty segment, "
    "no leading /) for every stream name."};
inline constexpr ErrorCode kInvalidSequenceOssObjectMalformed{
    "InvalidSequenceOssObject.Malformed", 400,
    "SequenceOssObject must end in .jpg, be under 256 bytes, contain {UnixTimestamp} or "
    "{Sequence}, use only known variables, and expand to a valid object key (no . or .. or "
    "empty segment, no leading /) for every stream name."};
inline constexpr ErrorCode kInvalidConfigNotFound{"InvalidConfig.NotFound", 404,
                                                  "The snapshot configuration does not exist."};

// Snapshot history (DescribeLiveStreamSnapshotInfo).
inline constexpr ErrorCode kMissingStartTime{"MissingStartTime", 400,
                                             "The StartTime parameter is required."};
inline constexpr ErrorCode kMissingEndTime{"MissingEndTime", 400,
                                           "The EndTime parameter is required."};
inline constexpr ErrorCode kInvalidStartTimeMalformed{
    "InvalidStartTime.Malformed", 400, "StartTime must be UTC ISO 8601: yyyy-MM-ddTHH:mm:ssZ."};
inline constexpr ErrorCode kInvalidEndTimeMalformed{
    "InvalidEndTime.Malformed", 400, "EndTime must be UTC ISO 8601: yyyy-MM-ddTHH:mm:ssZ."};
inline constexpr ErrorCode kInvalidEndTimeMismatch{"InvalidEndTime.Mismatch", 400,
                                                   "EndTime must be later than StartTime."};
inline constexpr ErrorCode kInvalidTimeRangeExceeded{
    "InvalidTimeRange.Exceeded", 400, "EndTime - StartTime must be at most one day."};
inline constexpr ErrorCode kInvalidLimitMalformed{"InvalidLimit.Malformed", 400,
                                                  "Limit must be an integer from 1 to 100."};

// Snapshot records: DeleteSnapshotFiles, DescribeLiveDomainSnapshotData.
inline constexpr ErrorCode kInvalidStartTimeValueNotSupported{
    "InvalidStartTime.ValueNotSupported", 400,
    "StartTime must be within the last 90 days, and EndTime at most 90 days after it."};
inline constexpr ErrorCode kMissingCreateTimestampList{
    "MissingCreateTimestampList", 400, "The CreateTimestampList.N parameters are required."};
inline constexpr ErrorCode kInvalidCreateTimestampListMalformed{
    "InvalidCreateTimestampList.Malformed", 400,
    "CreateTimestampList.N must be 1 to 200 capture times in Unix milliseconds."};
inline constexpr ErrorCode kMissingRemoveFile{"MissingRemoveFile", 400,
                                              "The RemoveFile parameter is required."};
inline constexpr ErrorCode kInvalidRemoveFileMalformed{"InvalidRemoveFile.Malformed", 400,
                                                       "RemoveFile must be true or false."};

// Snapshot notify configs and callback signing. A parameter Alibaba's model
// marks required is refused by its gateway as Missing<Param>; the
// reference's MissingParam is left for a parameter that only some values of
// another make required (NotifyAuthKey with NotifyReqAuth=yes).
inline constexpr ErrorCode kMissingNotifyUrl{"MissingNotifyUrl", 400,
                                             "The NotifyUrl parameter is required."};
inline constexpr ErrorCode kMissingParam{"MissingParam", 400, "A required parameter is missing."};
inline constexpr ErrorCode kMalformedParam{"MalformedParam", 400,
                                           "A parameter value is malformed."};

// Domains.
inline constexpr ErrorCode kMissingRegion{"MissingRegion", 400,
                                          "The Region parameter is required."};
inline constexpr ErrorCode kInvalidRegionMalformed{
    "InvalidRegion.Malformed", 400, "Region must be 1..64 lowercase letters, digits and -."};
inline constexpr ErrorCode kDomainAlreadyExist{"DomainAlreadyExist", 409,
                                               "The domain is already registered."};
inline constexpr ErrorCode kMissingLiveDomainType{"MissingLiveDomainType", 400,
                                                  "The LiveDomainType parameter is required."};
inline constexpr ErrorCode kInvalidLiveDomainTypeMalformed{
    "InvalidLiveDomainType.Malformed", 400, "LiveDomainType must be liveVideo or liveEdge."};
inline constexpr ErrorCode kInvalidScopeMalformed{"InvalidScope.Malformed", 400,
                                                  "Scope must be domestic, overseas or global."};
inline constexpr ErrorCode kCheckUrlMalformed{"Abs.CheckUrl.Malformed", 400,
                                              "The CheckUrl you provided is malformed."};
inline constexpr ErrorCode kInvalidTopLevelDomainMalformed{
    "InvalidTopLevelDomain.Malformed", 400,
    "TopLevelDomain must be a host name of at most 253 characters."};

// Service side.
inline constexpr ErrorCode kInternalError{"InternalError", 500,
                                          "The request processing has failed due to some unknown "
                                          "error."};
inline constexpr ErrorCode kServiceUnavailable{
    "ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server."};

// Snapshot images over HTTP (/snapshots/...).
inline constexpr ErrorCode kInvalidPathMalformed{
    "InvalidPath.Malformed", 400,
    "A path segment is empty, . or .., or has a forbidden character."};
inline constexpr ErrorCode kSnapshotNotFound{"SnapshotNotFound", 404,
                                             "There is no snapshot for this stream or object."};
inline constexpr ErrorCode kInvalidPathNotFound{"InvalidPath.NotFound", 404,
                                                "Nothing is served at this path."};
inline constexpr ErrorCode kMalformedRequest{
    "MalformedRequest", 400, "The HTTP request could not be read (malformed or too large)."};
inline constexpr ErrorCode kTooManyConnections{
    "Throttling.TooManyConnections", 503,
    "The client holds too many connections to the API at once (api.max_connections_per_ip)."};
inline constexpr ErrorCode kForbiddenCrossOrigin{
    "Forbidden.CrossOrigin", 403,
    "A request that changes the configuration may have come from a page of another web origin; "
    "with auth off such requests are taken only from the console's own origin, as POST, or with "
    "an X-Requested-With header."};
inline constexpr ErrorCode kInvalidBearerToken{
    "InvalidBearerToken", 401,
    "With auth on, /metrics needs the header Authorization: Bearer <api.metrics_token>."};

// Domain functions (BatchSetLiveDomainConfigs, DeleteLiveSpecificConfig).
inline constexpr ErrorCode kMissingDomainNames{"MissingDomainNames", 400,
                                               "The DomainNames parameter is required."};
inline constexpr ErrorCode kMissingFunctions{"MissingFunctions", 400,
                                             "The Functions parameter is required."};
inline constexpr ErrorCode kInvalidFunctionsMalformed{"InvalidFunctions.Malformed", 400,
                                                      "The Functions parameter is malformed."};
inline constexpr ErrorCode kMissingConfigId{"MissingConfigId", 400,
                                            "The ConfigId parameter is required."};

}  // namespace codes

// Every code above, for listings and lookups.
inline constexpr std::array kAllErrorCodes = {
    codes::kMissingAction,
    codes::kInvalidActionNotFound,
    codes::kMissingVersion,
    codes::kInvalidVersion,
    codes::kInvalidParameterFormat,
    codes::kUnsupportedHttpMethod,
    codes::kMissingAccessKeyId,
    codes::kMissingSignature,
    codes::kMissingSignatureNonce,
    codes::kMissingTimestamp,
    codes::kInvalidSignatureMethod,
    codes::kInvalidSignatureVersion,
    codes::kInvalidAccessKeyIdNotFound,
    codes::kInvalidTimeStampFormat,
    codes::kInvalidTimeStampExpired,
    codes::kSignatureDoesNotMatch,
    codes::kSignatureNonceUsed,
    codes::kMissingDomainName,
    codes::kInvalidDomainNameMalformed,
    codes::kInvalidDomainNotFound,
    codes::kMissingAppName,
    codes::kInvalidAppNameMalformed,
    codes::kMissingStreamName,
    codes::kInvalidStreamNameMalformed,
    codes::kInvalidPageNumMalformed,
    codes::kInvalidPageSizeMalformed,
    codes::kInvalidDomainSearchTypeMalformed,
    codes::kInvalidQueryTypeMalformed,
    codes::kInvalidStreamTypeMalformed,
    codes::kInvalidOrderMalformed,
    codes::kMissingTimeInterval,
    codes::kInvalidOssIntervalMalformed,
    codes::kMissingOssEndpoint,
    codes::kInvalidOssEndpointMalformed,
    codes::kMissingOssBucket,
    codes::kInvalidOssBucketMalformed,
    codes::kInvalidOssBucketNotFound,
    codes::kInvalidOssBucketRegionMismatch,
    codes::kInvalidCallbackMalformed,
    codes::kInvalidWidthMalformed,
    codes::kInvalidHeightMalformed,
    codes::kConfigAlreadyExists,
    codes::kConfigNotFound,
    codes::kInvalidOverwriteOrSequenceOssObjectMalformed,
    codes::kInvalidOverwriteOssObjectMalformed,
    codes::kInvalidSequenceOssObjectMalformed,
    codes::kInvalidConfigNotFound,
    codes::kMissingStartTime,
    codes::kMissingEndTime,
    codes::kInvalidStartTimeMalformed,
    codes::kInvalidEndTimeMalformed,
    codes::kInvalidEndTimeMismatch,
    codes::kInvalidTimeRangeExceeded,
    codes::kInvalidLimitMalformed,
    codes::kMissingNotifyUrl,
    codes::kInvalidStartTimeValueNotSupported,
    codes::kMissingCreateTimestampList,
    codes::kInvalidCreateTimestampListMalformed,
    codes::kMissingRemoveFile,
    codes::kInvalidRemoveFileMalformed,
    codes::kMissingParam,
    codes::kMalformedParam,
    codes::kMissingRegion,
    codes::kInvalidRegionMalformed,
    codes::kDomainAlreadyExist,
    codes::kMissingLiveDomainType,
    codes::kInvalidLiveDomainTypeMalformed,
    codes::kInvalidScopeMalformed,
    codes::kCheckUrlMalformed,
    codes::kInvalidTopLevelDomainMalformed,
    codes::kInternalError,
    codes::kServiceUnavailable,
    codes::kInvalidPathMalformed,
    codes::kSnapshotNotFound,
    codes::kInvalidPathNotFound,
    codes::kMalformedRequest,
    codes::kTooManyConnections,
    codes::kForbiddenCrossOrigin,
    codes::kInvalidBearerToken,
    codes::kMissingDomainNames,
    codes::kMissingFunctions,
    codes::kInvalidFunctionsMalformed,
    codes::kMissingConfigId,
};

// The entry for `code`, or nullptr.
constexpr const ErrorCode* FindErrorCode(std::string_view code) {
  for (const ErrorCode& entry : kAllErrorCodes) {
    if (entry.code == code) return &entry;
  }
  return nullptr;
}

}  // namespace livesnap::api
