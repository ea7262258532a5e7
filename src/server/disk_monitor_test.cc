#include "server/disk_monitor.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <limits>

#include "tests/support/subprocess.h"

namespace livesnap::server {
namespace {

TEST(DiskMonitorTest, EnoughSpaceIsNoProblem) {
  livesnap::testing::TempDir dir;
  prometheus::Registry metrics;
  const DiskMonitor disk({dir.path()}, 0, metrics);
  EXPECT_TRUE(disk.Check().empty());
}

TEST(DiskMonitorTest, LessThanTheMinimumIsLowSpaceNamingThePath) {
  livesnap::testing::TempDir dir;
  prometheus::Registry metrics;
  const DiskMonitor disk({dir.path()}, std::numeric_limits<uint64_t>::max(), metrics);
  const std::vector<api::HealthProblem> problems = disk.Check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].component, "disk");
  EXPECT_EQ(problems[0].reason, "low_space");
  EXPECT_NE(problems[0].message.find(dir.path().string() + " has "), std::string::npos)
      << problems[0].message;
}

TEST(DiskMonitorTest, PathsOnOneFileSystemAreReportedOnce) {
  livesnap::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "snapshots");
  prometheus::Registry metrics;
  const DiskMonitor disk({dir.path(), dir.path() / "snapshots"},
                         std::numeric_limits<uint64_t>::max(), metrics);
  EXPECT_EQ(disk.Check().size(), 1u);
}

TEST(DiskMonitorTest, AMissingPathIsUnreadable) {
  livesnap::testing::TempDir dir;
  prometheus::Registry metrics;
  const DiskMonitor disk({dir.path() / "gone"}, 0, metrics);
  const std::vector<api::HealthProblem> problems = disk.Check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].reason, "unreadable");
}

TEST(DiskMonitorTest, HumanBytes) {
  EXPECT_EQ(HumanBytes(12), "12 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(64 << 20), "64 MiB");
}

}  // namespace
}  // namespace livesnap::server
