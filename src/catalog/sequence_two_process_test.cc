// Two processes share one catalog (one PostgreSQL database, or one SQLite
// file) and allocate sequence numbers for the same streams at the same time:
// together they must get every number from 0 exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include "catalog/catalog.h"
#include "catalog/testing/status_matchers.h"
#include "catalog/testing/test_database.h"
#include "tests/support/subprocess.h"

namespace livesnap::catalog {
namespace {

using testing::Backend;
using testing::IsOk;
using testing::IsOkAndHolds;
using testing::TestDatabase;

constexpr int kStreams = 3;
constexpr int kCount = 150;  // per thread and stream
constexpr int kThreads = 2;  // per process
constexpr int kProcesses = 2;

// stream -> the numbers one process printed.
std::map<std::string, std::vector<int64_t>> ParseNumbers(const std::string& output) {
  std::map<std::string, std::vector<int64_t>> numbers;
  std::istringstream lines(output);
  std::string tag, stream;
  int64_t n = 0;
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    if (fields >> tag >> stream >> n && tag == "seq") numbers[stream].push_back(n);
  }
  return numbers;
}

class SequenceTwoProcessTest : public ::testing::TestWithParam<Backend> {};

TEST_P(SequenceTwoProcessTest, TwoProcessesNeverShareOrSkipANumber) {
  absl::StatusOr<std::unique_ptr<TestDatabase>> database = TestDatabase::Create(GetParam());
  ASSERT_THAT(database, IsOk());
  const std::string url = (*database)->url();
  livesnap::testing::TempDir dir;
  const std::string go_file = (dir / "go").string();

  // Both start on an empty database, so they also race to migrate it.
  std::vector<std::unique_ptr<livesnap::testing::Subprocess>> processes;
  for (int p = 0; p < kProcesses; ++p) {
    processes.push_back(std::make_unique<livesnap::testing::Subprocess>(
        std::vector<std::string>{SEQUENCE_STRESS_PATH, url, std::to_string(kStreams),
                                 std::to_string(kCount), std::to_string(kThreads),
                                 (dir / ("ready" + std::to_string(p))).string(), go_file},
        dir / ("process" + std::to_string(p) + ".log")));
  }
  // Both hold an open catalog before either allocates, so their calls overlap.
  ASSERT_TRUE(livesnap::testing::WaitFor(
      [&] {
        return std::filesystem::exists(dir / "ready0") && std::filesystem::exists(dir / "ready1");
      },
      std::chrono::seconds(60)))
      << processes[0]->Log() << processes[1]->Log();
  std::ofstream(go_file).close();

  std::map<std::string, std::vector<int64_t>> all;
  for (auto& process : processes) {
    std::optional<int> code = process->Wait(std::chrono::seconds(180));
    ASSERT_EQ(code, 0) << process->Log();
    for (const auto& [stream, numbers] : ParseNumbers(process->Log())) {
      EXPECT_EQ(numbers.size(), static_cast<size_t>(kCount * kThreads)) << stream;
      all[stream].insert(all[stream].end(), numbers.begin(), numbers.end());
    }
  }

  ASSERT_EQ(all.size(), static_cast<size_t>(kStreams));
  std::vector<int64_t> want(kProcesses * kThreads * kCount);
  std::iota(want.begin(), want.end(), 0);
  for (auto& [stream, numbers] : all) {
    std::sort(numbers.begin(), numbers.end());
    EXPECT_EQ(numbers, want) << stream << ": a number repeated or was skipped";
  }

  // A process started afterwards continues where they stopped.
  absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog(url);
  ASSERT_THAT(catalog, IsOk());
  EXPECT_THAT((*catalog)->NextSequence("stress.example.com", "live", "stream-0"),
              IsOkAndHolds(static_cast<int64_t>(want.size())));
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends, SequenceTwoProcessTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), ParamName);

}  // namespace
}  // namespace livesnap::catalog
