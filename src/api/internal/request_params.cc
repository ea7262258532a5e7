#include "api/internal/request_params.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/internal/validation.h"

namespace livesnap::api::internal {

std::optional<std::string_view> RequestParams::Get(std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name && !value.empty()) return std::string_view(value);
  }
  return std::nullopt;
}

ApiResult<std::string> RequestParams::Require(std::string_view name,
                                              const ErrorCode& missing) const {
  if (auto value = Get(name)) return std::string(*value);
  return Fail(missing, absl::StrCat("The parameter ", std::string(name), " is required."));
}

ApiResult<Paging> RequestParams::GetPaging(std::string_view num_param, std::string_view size_param,
                                           int64_t min_size, int64_t max_size,
                                           int64_t default_size) const {
  Paging paging;
  paging.page_size = default_size;
  if (auto text = Get(num_param)) {
    const std::optional<int64_t> num = ParseNonNegativeInt(*text);
    if (!num || *num < 1 || *num > 1'000'000) {
      return Fail(codes::kInvalidPageNumMalformed,
                  absl::StrCat(std::string(num_param), " \"", absl::CHexEscape(std::string(*text)),
                               "\" is not an integer from 1 to 1000000"));
    }
    paging.page_num = *num;
  }
  if (auto text = Get(size_param)) {
    const std::optional<int64_t> size = ParseNonNegativeInt(*text);
    if (!size || *size < min_size || *size > max_size) {
      return Fail(codes::kInvalidPageSizeMalformed,
                  absl::StrCat(std::string(size_param), " \"", absl::CHexEscape(std::string(*text)),
                               "\" is not an integer from ", min_size, " to ", max_size));
    }
    paging.page_size = *size;
  }
  return paging;
}

ApiResult<bool> RequestParams::GetDescending() const {
  const std::optional<std::string_view> order = Get("Order");
  if (!order || *order == "asc") return false;
  if (*order == "desc") return true;
  return Fail(
      codes::kInvalidOrderMalformed,
      absl::StrCat("Order \"", absl::CHexEscape(std::string(*order)), "\" is not asc or desc"));
}

}  // namespace livesnap::api::internal
