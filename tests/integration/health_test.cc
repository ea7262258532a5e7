// /healthz tells the truth about what livesnapd cannot do: livesnapd with its
// data directory on a 2 MiB tmpfs that is then filled, a real ffmpeg push,
// and the space given back.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "tests/support/api_client.h"
#include "tests/support/livesnapd.h"
#include "tests/support/media_fixtures.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/subprocess.h"

namespace livesnap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ApiClient;
using testing::LivesnapdProcess;
using testing::Subprocess;

// A tmpfs of `size` mounted at `path` for the life of the object.
class SmallDisk {
 public:
  SmallDisk(fs::path path, const std::string& size) : path_(std::move(path)) {
    fs::create_directories(path_);
    const std::string options = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  fs::path path_;
  bool mounted_ = false;
  std::string error_;
};

// Writes `path` until the file system refuses more; returns the bytes written.
size_t FillDisk(const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  const std::string block(64 * 1024, 'x');
  size_t written = 0;
  while (out.write(block.data(), static_cast<std::streamsize>(block.size())).flush()) {
    written += block.size();
  }
  return written;
}

bool HasProblem(const testing::ApiResponse& health, const std::string& component,
                const std::string& reason) {
  if (!health.body.contains("Problems")) return false;
  for (const auto& problem : health.body["Problems"]) {
    if (problem["Component"] == component && problem["Reason"] == reason) return true;
  }
  return false;
}

TEST(HealthTest, AFullDataDirIsDegradedWithTheReasonAndRecovers) {
  testing::TempDir dir;
  SmallDisk disk(dir / "data", "2m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << disk.error();
  testing::ClipSpec spec;
  spec.seconds = 12;
  const fs::path clip = testing::MakeFlvClip(dir.path(), "clip", spec);
  std::ofstream(dir / "livesnap.toml") << "[server]\nmin_free_disk_bytes = 524288\n";
  LivesnapdProcess server(dir.path(), {"-c", (dir / "livesnap.toml").string()});
  ASSERT_TRUE(server.Start()) << server.Log();
  ApiClient api(server.api_port());
  ASSERT_EQ(api.Get("/healthz").status, 200) << api.Get("/healthz").raw;

  // A stream goes live while there is room (a publish takes a lease in the
  // catalog, which shares the disk), then something else fills the disk:
  // /healthz says so before any snapshot fails.
  Subprocess push(testing::PushCommand(clip, server.RtmpUrl("live", "full"), true),
                  dir / "push.log");
  ASSERT_TRUE(server.WaitForLog("[127.0.0.1/live/full] publish started", 20s)) << push.Log();
  const size_t filled = FillDisk(server.data_dir() / "filler");
  ASSERT_GT(filled, 0u);
  testing::ApiResponse health = api.Get("/healthz");
  EXPECT_EQ(health.status, 503) << health.raw;
  EXPECT_EQ(health.body["Status"], "degraded") << health.raw;
  EXPECT_TRUE(HasProblem(health, "disk", "low_space")) << health.raw;
  EXPECT_NE(health.body["Message"].get<std::string>().find(server.data_dir().string() + " has "),
            std::string::npos)
      << health.raw;
  const std::string metrics = api.Get("/metrics").raw;
  const double available = testing::MetricValue(
      metrics, "livesnap_disk_available_bytes{path=\"" + server.data_dir().string() + "\"}");
  EXPECT_GE(available, 0) << metrics;
  EXPECT_LT(available, 524288) << metrics;

  // Ingest goes on; the images that cannot be written are kept and retried,
  // and the store's failure is reported with its reason.
  ASSERT_TRUE(testing::WaitFor(
      [&] { return HasProblem(api.Get("/healthz"), "storage snapshots", "no_space"); }, 30s))
      << api.Get("/healthz").raw << server.Log();
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  EXPECT_GT(testing::MetricValue(api.Get("/metrics").raw,
                                 "livesnap_upload_failures_total{reason=\"no_space\",store="
                                 "\"snapshots\"}"),
            0);
  EXPECT_EQ(
      testing::MetricValue(api.Get("/metrics").raw, "livesnap_store_failing{store=\"snapshots\"}"),
      1);

  // Space comes back: the waiting snapshots are stored and health recovers.
  fs::remove(server.data_dir() / "filler");
  EXPECT_TRUE(testing::WaitFor([&] { return api.Get("/healthz").status == 200; }, 60s))
      << api.Get("/healthz").raw;
  EXPECT_TRUE(fs::exists(server.data_dir() / "snapshots" / "live" / "full.jpg")) << server.Log();
  // The catalog shares the full disk: sequence numbers could not be
  // allocated meanwhile, so the captures waited in memory and were numbered
  // and stored once it had space again; none was lost.
  EXPECT_NE(server.Log().find("catalog: unreachable"), std::string::npos) << server.Log();
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        const std::string m = api.Get("/metrics").raw;
        return testing::MetricValue(m, "livesnap_catalog_backlog_tasks{kind=\"sequence\"}") == 0 &&
               testing::MetricValue(m, "livesnap_catalog_backlog_tasks{kind=\"record\"}") == 0;
      },
      30s));
  EXPECT_TRUE(fs::exists(server.data_dir() / "snapshots" / "live" / "full" / "0.jpg"))
      << server.Log();
  EXPECT_EQ(server.Log().find(" not stored: "), std::string::npos) << server.Log();
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

}  // namespace
}  // namespace livesnap
