// File: catalog/testing/status_matchers.h
//
// GoogleMock matchers for absl::Status and absl::StatusOr<T>:
//
//   EXPECT_THAT(catalog->GetDomain("x"), StatusIs(absl::StatusCode::kNotFound, "\"x\""));
//   ASSERT_THAT(catalog->AddDomain(domain), IsOk());
//   EXPECT_THAT(catalog->NextSequence("d", "live", "s"), IsOkAndHolds(0));
//
// Thread-safety: stateless.
#pragma once

#include <gmock/gmock.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace livesnap::catalog::testing {

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status is " << status.ToString();
  return status.ok();
}

// The status has `code` and its message contains `substring`.
MATCHER_P2(StatusIs, code, substring,
           "has code " + absl::StatusCodeToString(code) + " and a message containing \"" +
               std::string(substring) + "\"") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         std::string(status.message()).find(substring) != std::string::npos;
}

// The StatusOr is OK and its value matches `value` (a matcher, or a value to equal).
MATCHER_P(IsOkAndHolds, value, "is OK and holds " + ::testing::PrintToString(value)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  *result_listener << "holds " << ::testing::PrintToString(*arg) << " ";
  return ::testing::ExplainMatchResult(value, *arg, result_listener);
}

}  // namespace livesnap::catalog::testing
