// File: api/internal/request_params.h
//
// The parameters of one RPC request (query string and, for a POST, the
// url-encoded form body), decoded. A parameter given with an empty value
// counts as not given, as in the reference API.
//
//   RequestParams params(std::move(decoded));
//   if (auto app = params.Get("AppName")) ...
//
// Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/internal/api_error.h"
#include "api/signature.h"

namespace livesnap::api::internal {

struct Paging {
  int64_t page_num = 1;
  int64_t page_size = 10;
};

class RequestParams {
 public:
  RequestParams() = default;
  explicit RequestParams(QueryParams values) : values_(std::move(values)) {}

  // The first non-empty value of `name`.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Every parameter as received (for the signature).
  const QueryParams& all() const { return values_; }

  // `name` if given, else `missing`.
  ApiResult<std::string> Require(std::string_view name, const ErrorCode& missing) const;

  // PageNum-style paging: `num_param` >= 1 (default 1), `size_param` in
  // [min_size, max_size] (default default_size).
  ApiResult<Paging> GetPaging(std::string_view num_param, std::string_view size_param,
                              int64_t min_size, int64_t max_size, int64_t default_size) const;
  // Order: "asc" (default) or "desc". True for descending.
  ApiResult<bool> GetDescending() const;

 private:
  QueryParams values_;
};

}  // namespace livesnap::api::internal
