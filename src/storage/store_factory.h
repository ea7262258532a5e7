// File: storage/store_factory.h
//
// Builds the ObjectStore of one storage location from its kind and its
// kind-specific settings, so the process wiring can open every [[storage]]
// of the config file without knowing the store types:
//
//   StoreSpec spec{.kind = "s3", .name = "snapshots", .region = "cn-shanghai",
//                  .endpoint = "oss-cn-shanghai.aliyuncs.com",
//                  .settings = {{"addressing", "virtual"}}};
//   LS_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, OpenObjectStore(spec), "storage");
//
// Settings (all strings; an unknown key is an error, so a typo is never
// silently ignored):
//   kind "file":
//     root                  the directory (required; FileStore::Create)
//   kind "s3":
//     url                   "http[s]://host[:port]"; default "https://<endpoint>"
//     bucket                the S3 bucket; default the location's name
//     signing_region        the region requests are signed for; default the
//                           location's region
//     addressing            "path" (default) or "virtual"
//     access_key_id, secret_access_key, session_token
//                           default AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//                           AWS_SESSION_TOKEN from the environment
//     access_key_id_env, secret_access_key_env, session_token_env
//                           read that credential from the named variable
//     resolve               "host:port:address[,host:port:address...]"
//     connect_timeout_ms    default 3000
//     timeout_ms            default 30000
//     max_idle_connections  default 8
//     list_page_size        default 1000
//     verify_tls            "true" (default) or "false"
//     ca_file               a PEM bundle to trust
//
// Thread-safety: pure functions (OpenObjectStore reads the environment).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/object_store.h"
#include "storage/s3_options.h"

namespace livesnap::storage {

struct StoreSpec {
  std::string kind;        // "file" or "s3"
  std::string name;        // the location's name (OssBucket), for messages and defaults
  std::string region{};    // the location's region
  std::string endpoint{};  // the location's endpoint (OssEndpoint)
  std::map<std::string, std::string> settings{};
};

// InvalidArgument naming the location and the key for an unknown kind, an
// unknown key or a bad value; otherwise what the store's Create returns.
absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStore(const StoreSpec& spec);

// The S3Options a kind "s3" spec stands for (credentials named by *_env
// resolved; other empty credentials left for S3Store::Create).
absl::StatusOr<S3Options> S3OptionsFromSpec(const StoreSpec& spec);

}  // namespace livesnap::storage
