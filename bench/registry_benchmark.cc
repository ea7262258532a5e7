// What the cluster registry costs PostgreSQL: N nodes (ClusterMember, as
// livesnapd runs it, each with its own hub and registry connection) hold S
// live streams between them, heartbeat every H ms, and a few publishes a
// second end and start again (churn). Measured on a PostgreSQL server of the
// benchmark's own over a steady window: the database's committed
// transactions a second (every registry statement is one), and the CPU the
// server's processes used.
//
//   registry_benchmark [--streams 1000] [--nodes 3] [--seconds 60]
//                      [--heartbeat-ms 4000] [--churn-per-s 2]
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "catalog/catalog.h"
#include "catalog/internal/pg_conn.h"
#include "catalog/registry.h"
#include "catalog/testing/test_database.h"
#include "media/publication.h"
#include "server/cluster_member.h"

namespace livesnap {
namespace {

struct Options {
  int streams = 1000;
  int nodes = 3;
  int seconds = 60;
  int heartbeat_ms = 4000;
  double churn_per_s = 2;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const double value = std::atof(argv[i + 1]);
    if (flag == "--streams") o.streams = static_cast<int>(value);
    if (flag == "--nodes") o.nodes = static_cast<int>(value);
    if (flag == "--seconds") o.seconds = static_cast<int>(value);
    if (flag == "--heartbeat-ms") o.heartbeat_ms = static_cast<int>(value);
    if (flag == "--churn-per-s") o.churn_per_s = value;
  }
  return o;
}

// CPU seconds (user + system) of a process, from /proc/<pid>/stat.
double CpuSeconds(int pid, int* parent) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 4 && parent != nullptr) *parent = std::atoi(field.c_str());
    if (i == 14) utime = std::atof(field.c_str());
    if (i == 15) {
      stime = std::atof(field.c_str());
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The CPU seconds of the postmaster and every process it forked.
double ServerCpuSeconds(int postmaster) {
  double total = CpuSeconds(postmaster, nullptr);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    int parent = 0;
    const double cpu = CpuSeconds(std::atoi(name.c_str()), &parent);
    if (parent == postmaster) total += cpu;
  }
  return total;
}

int64_t Committed(PGconn* conn) {
  auto r = catalog::internal::PgExec(
      conn, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
  return r.ok() ? catalog::internal::PgInt64(r->get(), 0, 0) : -1;
}

struct Node {
  Node(int n, catalog::Registry& registry, const Options& options)
      : hub(SystemClock::Instance(), metrics) {
    auto created =
        server::ClusterMember::Create({.node_id = "bench-" + std::to_string(n),
                                       .rtmp_address = "127.0.0.1:1935",
                                       .api_address = "127.0.0.1:8080",
                                       .version = "bench",
                                       .lease_ms = 15'000,
                                       .heartbeat_ms = options.heartbeat_ms,
                                       .live_streams = [this] { return hub.ListLiveStreams(); }},
                                      registry, SystemClock::Instance(), metrics);
    if (!created.ok()) {
      std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
      std::exit(1);
    }
    member = *std::move(created);
    hub.AddSubscriber(member.get());
    hub.SetAdmissionPolicy([this](const media::StreamInfo& info) { return member->Admit(info); });
  }
  // The heartbeats read the hub: they stop before it goes.
  ~Node() { member->Stop(); }
  prometheus::Registry metrics;
  std::unique_ptr<server::ClusterMember> member;
  media::MediaHub hub;
};

int Run(const Options& options) {
  auto database = catalog::testing::TestDatabase::Create(catalog::testing::Backend::kPostgres);
  if (!database.ok()) {
    std::fprintf(stderr, "%s\n", database.status().ToString().c_str());
    return 1;
  }
  auto catalog = catalog::OpenCatalog((*database)->url());
  auto registry = catalog::OpenRegistry((*database)->url());
  auto probe = catalog::internal::PgConnect((*database)->url());
  if (!catalog.ok() || !registry.ok() || !probe.ok()) return 1;
  auto backend = catalog::internal::PgExec(probe->get(), "SELECT pg_backend_pid()");
  int postmaster = 0;
  CpuSeconds(catalog::internal::PgInt(backend->get(), 0, 0), &postmaster);

  std::vector<std::unique_ptr<Node>> nodes;
  for (int n = 0; n < options.nodes; ++n) {
    nodes.push_back(std::make_unique<Node>(n, **registry, options));
  }
  std::vector<std::unique_ptr<media::Publication>> live(options.streams);
  auto publish = [&](int i) {
    media::StreamInfo info;
    info.key = {"push.example.com", "live", "s" + std::to_string(i)};
    info.client_addr = "10.0.0.1:40000";
    info.protocol = "rtmp";
    auto publication = nodes[i % nodes.size()]->hub.Publish(info);
    if (!publication.ok()) {
      std::fprintf(stderr, "publish %d: %s\n", i, publication.status().ToString().c_str());
      return;
    }
    live[i] = *std::move(publication);
  };
  for (int i = 0; i < options.streams; ++i) publish(i);
  std::this_thread::sleep_for(std::chrono::milliseconds(options.heartbeat_ms + 500));

  const int64_t commits_before = Committed(probe->get());
  const double cpu_before = ServerCpuSeconds(postmaster);
  const auto start = std::chrono::steady_clock::now();
  std::mt19937 random(7);
  int churned = 0;
  const auto churn_every = std::chrono::duration<double>(
      options.churn_per_s > 0 ? 1.0 / options.churn_per_s : options.seconds + 1.0);
  auto next_churn = start;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(options.seconds)) {
    if (std::chrono::steady_clock::now() >= next_churn) {
      const int i = static_cast<int>(random() % options.streams);
      live[i].reset();  // unpublish: the lease is released
      publish(i);       // and a publish takes it again
      ++churned;
      next_churn += std::chrono::duration_cast<std::chrono::steady_clock::duration>(churn_every);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t commits = Committed(probe->get()) - commits_before - 1;  // this probe's own
  const double cpu = ServerCpuSeconds(postmaster) - cpu_before;
  auto listed = (*registry)->ListStreams(SystemClock::Instance().UnixMs());
  std::printf(
      "streams=%d nodes=%d heartbeat_ms=%d churn=%d publishes+unpublishes in %.1f s\n"
      "registry leases live: %zu\n"
      "PostgreSQL transactions/s: %.2f (each registry statement is one)\n"
      "PostgreSQL CPU: %.4f cores (%.2f s over %.1f s)\n",
      options.streams, options.nodes, options.heartbeat_ms, churned, elapsed,
      listed.ok() ? listed->size() : 0, commits / elapsed, cpu / elapsed, cpu, elapsed);
  live.clear();
  nodes.clear();
  return 0;
}

}  // namespace
}  // namespace livesnap

int main(int argc, char** argv) {
  const livesnap::Options options = livesnap::ParseOptions(argc, argv);
  spdlog::set_level(spdlog::level::warn);  // a line per publish would drown the figures
  std::string dir;
  const char* named = std::getenv("LIVESNAP_TEST_POSTGRES_URL_FILE");
  if (named == nullptr || *named == '\0') {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "livesnap-bench-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return 1;
    dir = pattern;
    if (std::system((std::string(PG_FIXTURE_PATH) + " start " + dir).c_str()) != 0) return 1;
    ::setenv("LIVESNAP_TEST_POSTGRES_URL_FILE", (dir + "/url").c_str(), 1);
  }
  const int result = livesnap::Run(options);
  if (!dir.empty()) {
    (void)std::system((std::string(PG_FIXTURE_PATH) + " stop " + dir + " >/dev/null").c_str());
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  return result;
}
