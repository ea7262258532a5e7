#include "api/internal/actions.h"

#include <gtest/gtest.h>

namespace livesnap::api::internal {
namespace {

// What each action does to state is in the table; today's names still
// follow the rule that only Describe* and Query* actions read without
// changing.
TEST(ActionsTest, TheTableSaysWhichActionsChangeState) {
  for (std::string_view name : ActionNames()) {
    EXPECT_EQ(ActionMutates(name), !name.starts_with("Describe") && !name.starts_with("Query"))
        << name;
  }
  EXPECT_TRUE(ActionMutates("SetSnapshotCallbackAuth"));
  EXPECT_TRUE(ActionMutates("DeleteSnapshotCallbackAuth"));
  EXPECT_FALSE(ActionMutates("QuerySnapshotCallbackAuth"));
  EXPECT_TRUE(ActionMutates("AddLiveDomain"));
  EXPECT_FALSE(ActionMutates("DescribeLiveUserDomains"));
  // An unknown name is treated as a change (it is refused anyway).
  EXPECT_TRUE(ActionMutates("NoSuchAction"));
}

}  // namespace
}  // namespace livesnap::api::internal
