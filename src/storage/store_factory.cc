#include "storage/store_factory.h"

#include <cstdlib>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status.h"
#include "storage/file_store.h"
#include "storage/s3_store.h"

namespace livesnap::storage {
namespace {

const std::set<std::string> kFileKeys = {"root"};
const std::set<std::string> kS3Keys = {"url",
                                       "bucket",
                                       "signing_region",
                                       "addressing",
                                       "access_key_id",
                                       "secret_access_key",
                                       "session_token",
                                       "access_key_id_env",
                                       "secret_access_key_env",
                                       "session_token_env",
                                       "resolve",
                                       "connect_timeout_ms",
                                       "timeout_ms",
                                       "max_idle_connections",
                                       "list_page_size",
                                       "verify_tls",
                                       "ca_file"};

std::string Context(const StoreSpec& spec) {
  return absl::StrCat("storage \"", spec.name, "\" (kind ", spec.kind, ")");
}

absl::Status CheckKeys(const StoreSpec& spec, const std::set<std::string>& known) {
  for (const auto& [key, value] : spec.settings) {
    if (!known.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown setting \"", key, "\""));
    }
  }
  return absl::OkStatus();
}

std::string Setting(const StoreSpec& spec, const std::string& key, std::string fallback = "") {
  auto it = spec.settings.find(key);
  return it == spec.settings.end() ? fallback : it->second;
}

template <typename T>
absl::Status ReadNumber(const StoreSpec& spec, const std::string& key, T& out) {
  auto it = spec.settings.find(key);
  if (it == spec.settings.end()) return absl::OkStatus();
  if (!absl::SimpleAtoi(it->second, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, " = \"", it->second, "\" is not a whole number"));
  }
  return absl::OkStatus();
}

// `key` itself, else the variable `key`_env names; "" when neither is set.
absl::StatusOr<std::string> ReadSecret(const StoreSpec& spec, const std::string& key) {
  const std::string direct = Setting(spec, key);
  const std::string variable = Setting(spec, key + "_env");
  if (!direct.empty() && !variable.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("set ", key, " or ", key, "_env, not both"));
  }
  if (variable.empty()) return direct;
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr || *value == '\0') {
    return absl::InvalidArgumentError(
        absl::StrCat(key, "_env: environment variable ", variable, " is not set"));
  }
  return std::string(value);
}

absl::StatusOr<S3Options> ReadS3Options(const StoreSpec& spec) {
  LS_RETURN_IF_ERROR(CheckKeys(spec, kS3Keys), "");
  S3Options options;
  options.endpoint = Setting(spec, "url");
  if (options.endpoint.empty()) {
    if (spec.endpoint.empty()) return absl::InvalidArgumentError("no url and no endpoint");
    options.endpoint = absl::StrCat("https://", spec.endpoint);
  }
  options.bucket = Setting(spec, "bucket", spec.name);
  options.region = Setting(spec, "signing_region", spec.region);
  const std::string addressing = Setting(spec, "addressing", "path");
  if (addressing == "path") {
    options.addressing = S3Addressing::kPath;
  } else if (addressing == "virtual") {
    options.addressing = S3Addressing::kVirtualHosted;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("addressing = \"", addressing, "\" is not \"path\" or \"virtual\""));
  }
  LS_ASSIGN_OR_RETURN(options.access_key_id, ReadSecret(spec, "access_key_id"), "");
  LS_ASSIGN_OR_RETURN(options.secret_access_key, ReadSecret(spec, "secret_access_key"), "");
  LS_ASSIGN_OR_RETURN(options.session_token, ReadSecret(spec, "session_token"), "");
  for (absl::string_view entry :
       absl::StrSplit(Setting(spec, "resolve"), ',', absl::SkipWhitespace())) {
    options.resolve.emplace_back(absl::StripAsciiWhitespace(entry));
  }
  LS_RETURN_IF_ERROR(ReadNumber(spec, "connect_timeout_ms", options.connect_timeout_ms), "");
  LS_RETURN_IF_ERROR(ReadNumber(spec, "timeout_ms", options.timeout_ms), "");
  LS_RETURN_IF_ERROR(ReadNumber(spec, "max_idle_connections", options.max_idle_connections), "");
  LS_RETURN_IF_ERROR(ReadNumber(spec, "list_page_size", options.list_page_size), "");
  const std::string verify = Setting(spec, "verify_tls", "true");
  if (verify != "true" && verify != "false") {
    return absl::InvalidArgumentError(
        absl::StrCat("verify_tls = \"", verify, "\" is not \"true\" or \"false\""));
  }
  options.verify_tls = verify == "true";
  options.ca_file = Setting(spec, "ca_file");
  return options;
}

}  // namespace

absl::StatusOr<S3Options> S3OptionsFromSpec(const StoreSpec& spec) {
  LS_ASSIGN_OR_RETURN(S3Options options, ReadS3Options(spec), Context(spec));
  return options;
}

absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStore(const StoreSpec& spec) {
  if (spec.kind == "file") {
    LS_RETURN_IF_ERROR(CheckKeys(spec, kFileKeys), Context(spec));
    const std::string root = Setting(spec, "root");
    if (root.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(Context(spec), ": no root"));
    }
    LS_ASSIGN_OR_RETURN(std::unique_ptr<FileStore> store, FileStore::Create(root), Context(spec));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  if (spec.kind == "s3") {
    LS_ASSIGN_OR_RETURN(S3Options options, S3OptionsFromSpec(spec), "");
    LS_ASSIGN_OR_RETURN(std::unique_ptr<S3Store> store, S3Store::Create(std::move(options)),
                        Context(spec));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("storage \"", spec.name, "\": kind \"", spec.kind, "\" is not file or s3"));
}

}  // namespace livesnap::storage
