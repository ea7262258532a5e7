// File: api/internal/api_error.h
//
// An API error as the handlers produce it: one of the codes of
// api/error_codes.h and a message naming the parameter and the value that
// was wrong. ApiResult<T> is a value or such an error.
//
//   if (!interval) return Fail(codes::kInvalidOssIntervalMalformed, "TimeInterval \"3\" ...");
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "api/error_codes.h"

namespace livesnap::api::internal {

struct ApiError {
  const ErrorCode* code = nullptr;  // never null once built by Fail
  std::string message;
};

inline ApiError Fail(const ErrorCode& code, std::string message) {
  return ApiError{&code, std::move(message)};
}

// The generic meaning of the code as the message.
inline ApiError Fail(const ErrorCode& code) { return ApiError{&code, std::string(code.meaning)}; }

template <typename T>
class ApiResult {
 public:
  ApiResult(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  ApiResult(ApiError error) : value_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  const ApiError& error() const { return std::get<ApiError>(value_); }

 private:
  std::variant<T, ApiError> value_;
};

}  // namespace livesnap::api::internal
