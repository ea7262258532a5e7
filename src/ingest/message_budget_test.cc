#include "ingest/message_budget.h"

#include <gtest/gtest.h>

namespace livesnap::ingest {
namespace {

TEST(MessageBudgetTest, LargeHoldersStopAtSevenEighthsSmallOnesUseTheRest) {
  MessageBudget budget(64 * 1024);  // small holders: under 1 KiB held
  EXPECT_TRUE(budget.TryTake(56 * 1024, 0));
  EXPECT_FALSE(budget.TryTake(4096, 56 * 1024));  // a large holder: no further
  EXPECT_TRUE(budget.TryTake(512, 0));            // a small one: from the reserve
  EXPECT_TRUE(budget.TryTake(512, 0));
  EXPECT_EQ(budget.used_bytes(), 57u * 1024);
  EXPECT_FALSE(budget.TryTake(1024, 0));  // 1 KiB is not small any more
  budget.Give(56 * 1024);
  EXPECT_TRUE(budget.TryTake(1024, 0));
  EXPECT_FALSE(budget.TryTake(uint64_t{1} << 40, 0));
}

}  // namespace
}  // namespace livesnap::ingest
