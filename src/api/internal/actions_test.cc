#include "api/internal/actions.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

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

// tests/integration/alibaba_response_fields.json lists every action of the
// table (Alibaba's with the model its fields come from, livesnap's own
// apart), and lists as pending only actions the table does not have yet:
// an action added to the table must be added to the field check too.
TEST(ActionsTest, TheFieldTableCoversEveryAction) {
  std::ifstream file(LIVESNAP_API_FIELDS_TABLE);
  ASSERT_TRUE(file.good()) << LIVESNAP_API_FIELDS_TABLE;
  const nlohmann::json table = nlohmann::json::parse(file, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(table.is_object()) << LIVESNAP_API_FIELDS_TABLE << " is not a JSON object";
  std::set<std::string> implemented;
  for (std::string_view name : ActionNames()) implemented.emplace(name);
  std::set<std::string> checked;
  for (const char* group : {"actions", "livesnap_actions"}) {
    for (const auto& [name, entry] : table.at(group).items()) {
      checked.insert(name);
      EXPECT_TRUE(implemented.contains(name)) << group << " lists " << name << ", not an action";
      EXPECT_EQ(entry.at("fields").value("RequestId", ""), "string") << name;
    }
  }
  for (const auto& [name, entry] : table.at("actions").items()) {
    const nlohmann::json& source = entry.at("source");
    EXPECT_EQ(source.value("commit", "").size(), 40u) << name << ": the model's commit";
    EXPECT_FALSE(source.value("repository", "").empty()) << name;
    EXPECT_FALSE(source.value("path", "").empty()) << name;
  }
  for (const std::string& name : implemented) {
    EXPECT_TRUE(checked.contains(name)) << name << " is not in the field table";
  }
  for (const auto& [name, entry] : table.at("pending").items()) {
    EXPECT_FALSE(implemented.contains(name))
        << name << " is implemented now: move it from pending to actions in "
        << LIVESNAP_API_FIELDS_TABLE << " (api_fields_test.cc then calls it)";
  }
}

}  // namespace
}  // namespace livesnap::api::internal
