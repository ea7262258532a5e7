#include "storage/store_failure.h"

#include <errno.h>
#include <gtest/gtest.h>

#include "base/status.h"
#include "storage/internal/posix_file.h"

namespace livesnap::storage {
namespace {

TEST(StoreFailureTest, AFullDiskIsNoSpaceThroughAnnotations) {
  const absl::Status full =
      Annotate(internal::ErrnoStatus(ENOSPC, "write", "/data/snapshots/live/demo.jpg"), "put");
  EXPECT_EQ(full.code(), absl::StatusCode::kUnavailable);  // still retried
  EXPECT_EQ(StoreFailureReason(full), "no_space");
  EXPECT_EQ(StoreFailureReason(internal::ErrnoStatus(EDQUOT, "write", "/q")), "no_space");
  EXPECT_EQ(ErrnoOf(full), ENOSPC);
}

TEST(StoreFailureTest, OtherFailuresByCode) {
  EXPECT_EQ(StoreFailureReason(absl::OkStatus()), "");
  EXPECT_EQ(StoreFailureReason(internal::ErrnoStatus(EIO, "write", "/x")), "unavailable");
  EXPECT_EQ(StoreFailureReason(internal::ErrnoStatus(EACCES, "open", "/x")), "denied");
  EXPECT_EQ(StoreFailureReason(absl::DeadlineExceededError("PUT took 30 s")), "timeout");
  EXPECT_EQ(StoreFailureReason(absl::UnauthenticatedError("InvalidAccessKeyId")), "denied");
  EXPECT_EQ(StoreFailureReason(absl::UnavailableError("503 SlowDown")), "unavailable");
  EXPECT_EQ(StoreFailureReason(absl::InvalidArgumentError("bad key")), "refused");
}

TEST(StoreFailureTest, ErrnoOfAnUnmarkedStatusIsNone) {
  EXPECT_FALSE(ErrnoOf(absl::UnavailableError("down")).has_value());
  EXPECT_FALSE(ErrnoOf(WithErrno(absl::OkStatus(), ENOSPC)).has_value());
}

}  // namespace
}  // namespace livesnap::storage
