#include "base/status.h"

#include <gtest/gtest.h>

#include "absl/strings/cord.h"

namespace livesnap {
namespace {

absl::Status FailsWithContext() {
  LS_RETURN_IF_ERROR(absl::InvalidArgumentError("chunk size 0 out of range"), "read chunk");
  return absl::OkStatus();
}

absl::StatusOr<int> Half(int v) {
  if (v % 2 != 0) return absl::InvalidArgumentError("odd value " + std::to_string(v));
  return v / 2;
}

absl::StatusOr<int> Quarter(int v) {
  int half = 0;
  LS_ASSIGN_OR_RETURN(half, Half(v), "first half");
  LS_ASSIGN_OR_RETURN(int quarter, Half(half), "second half");
  return quarter;
}

TEST(StatusTest, AnnotateKeepsCodeAndPrefixesContext) {
  absl::Status s = FailsWithContext();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "read chunk: chunk size 0 out of range");
}

TEST(StatusTest, AnnotateKeepsPayloads) {
  absl::Status cause = absl::UnavailableError("write: No space left on device");
  cause.SetPayload("livesnap/test", absl::Cord("28"));
  const absl::Status s = Annotate(cause, "put live/demo.jpg");
  ASSERT_TRUE(s.GetPayload("livesnap/test").has_value());
  EXPECT_EQ(std::string(*s.GetPayload("livesnap/test")), "28");
}

TEST(StatusTest, AnnotateLeavesOkAlone) { EXPECT_TRUE(Annotate(absl::OkStatus(), "x").ok()); }

TEST(StatusTest, AssignOrReturnPropagatesTheFirstFailure) {
  EXPECT_EQ(*Quarter(8), 2);
  absl::StatusOr<int> odd = Quarter(6);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().message(), "second half: odd value 3");
}

}  // namespace
}  // namespace livesnap
