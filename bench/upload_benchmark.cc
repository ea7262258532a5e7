// Upload throughput and latency of snapshot-sized objects (50 KB) to the
// FileStore (temp file, fsync, rename) and to a local S3 server (s3rver over
// HTTP with SigV4), one Put per iteration, from 1 and 4 threads; and the
// ReliableUploader draining a batch into s3rver. Latency percentiles are
// reported as counters (p50_ms, p99_ms); bytes_per_second is throughput.
//
//   build/<dir>/bench/upload_benchmark
//
// Without LIVESNAP_BENCH_S3_URL the benchmark starts its own s3rver (the one
// the tests use, installed into the build tree with npm if needed). With it
// (e.g. http://127.0.0.1:9000 for a MinIO), the bucket is
// LIVESNAP_BENCH_S3_BUCKET (default livesnap-bench) and the credentials and
// region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.
#include <benchmark/benchmark.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <random>

#include "storage/file_store.h"
#include "storage/reliable_uploader.h"
#include "storage/s3_store.h"
#include "tests/s3/s3rver.h"
#include "tests/support/subprocess.h"

namespace livesnap::storage {
namespace {

constexpr size_t kObjectBytes = 50 * 1024;
// Distinct keys cycled through, so the store holds a realistic number of objects.
constexpr int kKeys = 1000;

const std::vector<uint8_t>& Payload() {
  static const std::vector<uint8_t> payload = [] {
    std::vector<uint8_t> bytes(kObjectBytes);
    std::mt19937 random(42);
    for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(random());
    return bytes;
  }();
  return payload;
}

// The scratch directory and the S3 server, for the whole run.
struct Environment {
  livesnap::testing::TempDir dir;
  std::unique_ptr<livesnap::testing::S3rverProcess> s3rver;
  std::unique_ptr<FileStore> file_store;
  std::unique_ptr<S3Store> s3_store;
  std::string error;
};

std::unique_ptr<Environment> MakeEnvironment() {
  auto e = std::make_unique<Environment>();
  auto file_store = FileStore::Create(e->dir / "files");
  if (!file_store.ok()) {
    e->error = file_store.status().ToString();
    return e;
  }
  e->file_store = std::move(*file_store);
  S3Options options;
  if (const char* url = std::getenv("LIVESNAP_BENCH_S3_URL")) {
    const char* bucket = std::getenv("LIVESNAP_BENCH_S3_BUCKET");
    options = S3Options{.endpoint = url, .bucket = bucket != nullptr ? bucket : "livesnap-bench"};
  } else {
    if (!livesnap::testing::InstallS3rver()) {
      e->error = "cannot install s3rver";
      return e;
    }
    e->s3rver = std::make_unique<livesnap::testing::S3rverProcess>(
        e->dir / "s3rver", std::vector<std::string>{"livesnap-bench"});
    if (!e->s3rver->Start()) {
      e->error = "cannot start s3rver";
      return e;
    }
    options = livesnap::testing::S3rverOptions(e->s3rver->Url(), "livesnap-bench");
  }
  auto s3_store = S3Store::Create(options);
  if (!s3_store.ok()) {
    e->error = s3_store.status().ToString();
    return e;
  }
  e->s3_store = std::move(*s3_store);
  return e;
}

// Made once, by whichever benchmark thread comes first; main() releases it,
// which stops s3rver and removes the scratch directory.
std::unique_ptr<Environment>& EnvironmentSlot() {
  static std::unique_ptr<Environment> env = MakeEnvironment();
  return env;
}

Environment& Env() { return *EnvironmentSlot(); }

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[index];
}

void PutLoop(benchmark::State& state, ObjectStore* store, const std::string& error) {
  if (store == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::vector<uint8_t>& payload = Payload();
  std::vector<double> latencies_ms;
  int i = state.thread_index() * kKeys;
  for (auto _ : state) {
    const std::string key = "bench/t" + std::to_string(state.thread_index()) + "/" +
                            std::to_string(i++ % kKeys) + ".jpg";
    const auto started = std::chrono::steady_clock::now();
    const absl::Status status = store->Put(key, payload, "image/jpeg");
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kObjectBytes));
  state.SetItemsProcessed(state.iterations());
  state.counters["p50_ms"] =
      benchmark::Counter(Percentile(latencies_ms, 0.5), benchmark::Counter::kAvgThreads);
  state.counters["p99_ms"] =
      benchmark::Counter(Percentile(latencies_ms, 0.99), benchmark::Counter::kAvgThreads);
}

void BM_FileStorePut(benchmark::State& state) {
  PutLoop(state, Env().file_store.get(), Env().error);
}
BENCHMARK(BM_FileStorePut)->Threads(1)->Threads(4)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_S3StorePut(benchmark::State& state) { PutLoop(state, Env().s3_store.get(), Env().error); }
BENCHMARK(BM_S3StorePut)->Threads(1)->Threads(4)->UseRealTime()->Unit(benchmark::kMillisecond);

// A batch of range(0) uploads over 8 lanes enqueued at once, timed until the
// last completion: the uploader's own overhead and concurrency included.
void BM_ReliableUploaderToS3(benchmark::State& state) {
  Environment& env = Env();
  if (env.s3_store == nullptr) {
    state.SkipWithError(env.error.c_str());
    return;
  }
  const int batch = static_cast<int>(state.range(0));
  std::mutex mu;
  std::condition_variable changed;
  int completed = 0;
  int failed = 0;
  prometheus::Registry registry;
  auto uploader = ReliableUploader::Create(
      {.name = "bench", .spool_dir = env.dir / "spool", .threads = 4}, *env.s3_store,
      [&](const UploadResult& result) {
        std::lock_guard lock(mu);
        ++completed;
        if (!result.status.ok()) ++failed;
        changed.notify_all();
      },
      registry, SystemClock::Instance());
  if (!uploader.ok()) {
    state.SkipWithError(uploader.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    {
      std::lock_guard lock(mu);
      completed = 0;
    }
    for (int i = 0; i < batch; ++i) {
      absl::Status status = (*uploader)->Enqueue({.lane = "lane" + std::to_string(i % 8),
                                                  .key = "batch/" + std::to_string(i) + ".jpg",
                                                  .data = Payload()});
      if (!status.ok()) state.SkipWithError(status.ToString().c_str());
    }
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return completed == batch; });
  }
  if (failed > 0) state.SkipWithError("some uploads failed");
  state.SetBytesProcessed(state.iterations() * batch * static_cast<int64_t>(kObjectBytes));
  state.SetItemsProcessed(state.iterations() * batch);
  (*uploader)->Stop(std::chrono::seconds(5));
}
BENCHMARK(BM_ReliableUploaderToS3)->Arg(200)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace livesnap::storage

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  livesnap::storage::EnvironmentSlot().reset();
  return 0;
}
