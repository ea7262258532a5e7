// What the catalog sustains on each backend, against the load of 1000 streams
// taking a snapshot every 5 s: ~200 NextSequence and ~400 AddSnapshotRecord
// calls per second (one overwrite and one sequence record per snapshot).
//
//   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
//   cmake --build build/bench --target catalog_benchmark && build/bench/bench/catalog_benchmark
//
// items_per_second of BM_SnapshotCatalogWork is snapshots per second. On
// PostgreSQL, NextSequence waits for a WAL flush, so one caller is bound by
// the disk's fsync latency; concurrent callers share flushes (group commit).
//
// The SQLite catalog is a fresh file under the temp directory. PostgreSQL is
// the server whose URL is in the file LIVESNAP_TEST_POSTGRES_URL_FILE names;
// without it, the benchmark starts one of its own with
// tests/postgres/pg_fixture.sh (default server settings, so commits fsync).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "catalog/catalog.h"
#include "catalog/testing/test_database.h"

namespace livesnap::catalog {
namespace {

using testing::Backend;
using testing::TestDatabase;

constexpr int kStreams = 1000;
constexpr int kRecordsPerStream = 500;  // for the query benchmark
constexpr int64_t kBaseCaptureMs = 1'700'000'000'000;
constexpr int64_t kIntervalMs = 5000;

std::string StreamName(int64_t i) { return "stream-" + std::to_string(i % kStreams); }

// One catalog per backend, opened on first use and shared by every benchmark.
struct Shared {
  std::unique_ptr<TestDatabase> database;
  std::unique_ptr<Catalog> catalog;
  bool records_filled = false;
};

std::mutex shared_mu;
std::map<Backend, Shared> shared;  // guarded by shared_mu

Catalog* CatalogFor(Backend backend, benchmark::State& state) {
  std::lock_guard lock(shared_mu);
  Shared& entry = shared[backend];
  if (entry.catalog == nullptr) {
    absl::StatusOr<std::unique_ptr<TestDatabase>> database = TestDatabase::Create(backend);
    if (!database.ok()) {
      state.SkipWithError(database.status().ToString().c_str());
      return nullptr;
    }
    absl::StatusOr<std::unique_ptr<Catalog>> catalog = OpenCatalog((*database)->url());
    if (!catalog.ok()) {
      state.SkipWithError(catalog.status().ToString().c_str());
      return nullptr;
    }
    entry.database = std::move(*database);
    entry.catalog = std::move(*catalog);
  }
  return entry.catalog.get();
}

SnapshotRecord MakeRecord(int64_t i, bool overlay, int64_t sequence) {
  const std::string stream = StreamName(i);
  return SnapshotRecord{
      .domain = "push.example.com",
      .app = "live",
      .stream = stream,
      .endpoint = "oss-cn-shanghai.aliyuncs.com",
      .bucket = "snapshots",
      .object_key = overlay ? "live/" + stream + ".jpg"
                            : "live/" + stream + "/" + std::to_string(sequence) + ".jpg",
      .overlay = overlay,
      .sequence = sequence,
      .capture_ms = kBaseCaptureMs + i * kIntervalMs,
      .size_bytes = 120'000,
      .width = 1280,
      .height = 720};
}

// Spreads the threads' calls over the streams.
std::atomic<int64_t> next_index{0};

void BM_NextSequence(benchmark::State& state, Backend backend) {
  Catalog* catalog = CatalogFor(backend, state);
  if (catalog == nullptr) return;
  for (auto _ : state) {
    absl::StatusOr<int64_t> n =
        catalog->NextSequence("push.example.com", "live", StreamName(next_index++));
    if (!n.ok()) state.SkipWithError(n.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_AddSnapshotRecord(benchmark::State& state, Backend backend) {
  Catalog* catalog = CatalogFor(backend, state);
  if (catalog == nullptr) return;
  for (auto _ : state) {
    absl::Status status = catalog->AddSnapshotRecord(MakeRecord(next_index++, true, -1));
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

// The catalog work of one snapshot in both storage modes: a sequence number
// and two records. items_per_second is snapshots per second; 1000 streams
// every 5 s need 200.
void BM_SnapshotCatalogWork(benchmark::State& state, Backend backend) {
  Catalog* catalog = CatalogFor(backend, state);
  if (catalog == nullptr) return;
  for (auto _ : state) {
    const int64_t i = next_index++;
    absl::StatusOr<int64_t> n = catalog->NextSequence("push.example.com", "live", StreamName(i));
    absl::Status status = n.status();
    if (status.ok()) status = catalog->AddSnapshotRecord(MakeRecord(i, true, -1));
    if (status.ok()) status = catalog->AddSnapshotRecord(MakeRecord(i, false, *n));
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

// Fills kStreams * kRecordsPerStream records in one statement, so the query
// benchmark runs on a table of realistic size.
absl::Status FillRecords(TestDatabase& database) {
  const std::string rows = std::to_string(kStreams * kRecordsPerStream);
  const std::string columns =
      "INSERT INTO snapshot_records (domain, app, stream, endpoint, bucket, object_key, overlay,"
      " sequence, capture_ms, size_bytes, width, height) ";
  const std::string values =
      "SELECT 'fill.example.com', 'live', 'stream-' || (i % 1000), 'e', 'b', 'k', " +
      std::string(database.backend() == Backend::kSqlite ? "0" : "false") + ", i / 1000, " +
      std::to_string(kBaseCaptureMs) + " + (i / 1000) * " + std::to_string(kIntervalMs) +
      ", 100000, 1280, 720 ";
  if (database.backend() == Backend::kSqlite) {
    return database.Exec(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " + rows +
        " - 1) " + columns + values + "FROM n");
  }
  return database.Exec(columns + values + "FROM generate_series(0, " + rows + " - 1) AS i");
}

// DescribeLiveStreamSnapshotInfo: one stream, a one-hour window, 10 per page
// plus the one the API asks for to know the next page's start.
void BM_QuerySnapshotRecords(benchmark::State& state, Backend backend) {
  Catalog* catalog = CatalogFor(backend, state);
  if (catalog == nullptr) return;
  {
    std::lock_guard lock(shared_mu);
    Shared& entry = shared[backend];
    if (!entry.records_filled) {
      absl::Status status = FillRecords(*entry.database);
      if (!status.ok()) {
        state.SkipWithError(status.ToString().c_str());
        return;
      }
      entry.records_filled = true;
    }
  }
  int64_t rows = 0;
  for (auto _ : state) {
    const int64_t i = next_index++;
    const int64_t start_ms = kBaseCaptureMs + (i % 400) * kIntervalMs;
    absl::StatusOr<std::vector<SnapshotRecord>> records =
        catalog->QuerySnapshotRecords({.domain = "fill.example.com",
                                       .app = "live",
                                       .stream = StreamName(i),
                                       .start_ms = start_ms,
                                       .end_ms = start_ms + 3'600'000,
                                       .limit = 11,
                                       .order = SortOrder::kDescending});
    if (!records.ok()) state.SkipWithError(records.status().ToString().c_str());
    rows += records.ok() ? static_cast<int64_t>(records->size()) : 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rows_per_query"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kAvgIterations);
}

#define LIVESNAP_CATALOG_BENCHMARK(fn)                                               \
  BENCHMARK_CAPTURE(fn, sqlite, Backend::kSqlite)->ThreadRange(1, 4)->UseRealTime(); \
  BENCHMARK_CAPTURE(fn, postgres, Backend::kPostgres)->ThreadRange(1, 4)->UseRealTime()

LIVESNAP_CATALOG_BENCHMARK(BM_NextSequence);
LIVESNAP_CATALOG_BENCHMARK(BM_AddSnapshotRecord);
LIVESNAP_CATALOG_BENCHMARK(BM_SnapshotCatalogWork);
LIVESNAP_CATALOG_BENCHMARK(BM_QuerySnapshotRecords);

// A PostgreSQL server of the benchmark's own, when none was named.
class OwnPostgres {
 public:
  OwnPostgres() {
    const char* named = std::getenv("LIVESNAP_TEST_POSTGRES_URL_FILE");
    if (named != nullptr && *named != '\0') return;
    std::string pattern =
        (std::filesystem::temp_directory_path() / "livesnap-bench-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return;
    dir_ = pattern;
    const std::string start = std::string(PG_FIXTURE_PATH) + " start " + dir_;
    if (std::system(start.c_str()) != 0) {
      std::fprintf(stderr, "could not start PostgreSQL; its benchmarks will report errors\n");
    }
    ::setenv("LIVESNAP_TEST_POSTGRES_URL_FILE", (dir_ + "/url").c_str(), 1);
  }
  ~OwnPostgres() {
    if (dir_.empty()) return;
    const std::string stop = std::string(PG_FIXTURE_PATH) + " stop " + dir_ + " >/dev/null";
    (void)std::system(stop.c_str());
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

 private:
  std::string dir_;
};

}  // namespace
}  // namespace livesnap::catalog

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  livesnap::catalog::OwnPostgres postgres;
  benchmark::RunSpecifiedBenchmarks();
  // Close the catalogs and drop their databases before the server stops.
  livesnap::catalog::shared.clear();
  benchmark::Shutdown();
  return 0;
}
