// catalog_sequence_stress: allocates sequence numbers from a catalog as fast
// as it can, for the test that runs two of these processes against one
// catalog at once and checks that no number repeats or is skipped.
//
//   catalog_sequence_stress URL STREAMS COUNT THREADS READY_FILE GO_FILE
//
// Opens the catalog (migrating it if needed), creates READY_FILE, waits for
// GO_FILE to appear, then has THREADS threads each take COUNT numbers from
// every one of STREAMS streams (stress.example.com/live/stream-<i>), and
// prints each as "seq stream-<i> <n>". Exits 1 on the first error.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.h"

namespace {

struct Options {
  std::string url;
  int streams = 0;
  int count = 0;
  int threads = 0;
  std::filesystem::path ready_file;
  std::filesystem::path go_file;
};

bool ParseCount(const char* text, int& value) {
  try {
    value = std::stoi(text);
  } catch (const std::exception&) {
    return false;
  }
  return value > 0;
}

int Run(const Options& options) {
  absl::StatusOr<std::unique_ptr<livesnap::catalog::Catalog>> catalog =
      livesnap::catalog::OpenCatalog(options.url);
  if (!catalog.ok()) {
    std::fprintf(stderr, "open catalog: %s\n", catalog.status().ToString().c_str());
    return 1;
  }
  std::ofstream(options.ready_file).close();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::filesystem::exists(options.go_file)) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "no %s after 60 s\n", options.go_file.c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  std::mutex mu;
  std::vector<std::string> lines;  // guarded by mu
  std::string error;               // guarded by mu
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < options.count; ++i) {
        for (int s = 0; s < options.streams; ++s) {
          const std::string stream = "stream-" + std::to_string(s);
          absl::StatusOr<int64_t> n =
              (*catalog)->NextSequence("stress.example.com", "live", stream);
          if (!n.ok()) {
            std::lock_guard lock(mu);
            error = n.status().ToString();
            return;
          }
          mine.push_back("seq " + stream + " " + std::to_string(*n) + "\n");
        }
      }
      std::lock_guard lock(mu);
      lines.insert(lines.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (!error.empty()) {
    std::fprintf(stderr, "next sequence: %s\n", error.c_str());
    return 1;
  }
  for (const std::string& line : lines) std::fputs(line.c_str(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (argc != 7 || !ParseCount(argv[2], options.streams) || !ParseCount(argv[3], options.count) ||
      !ParseCount(argv[4], options.threads)) {
    std::fprintf(stderr, "usage: %s URL STREAMS COUNT THREADS READY_FILE GO_FILE\n", argv[0]);
    return 2;
  }
  options.url = argv[1];
  options.ready_file = argv[5];
  options.go_file = argv[6];
  spdlog::set_level(spdlog::level::warn);
  return Run(options);
}
