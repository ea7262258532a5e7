// ReliableUploader in front of S3Store against real s3rver instances that
// the tests stop, restart and slow down: nothing is lost, order holds per
// stream, overwrite objects end as the newest, and the caller never waits.
#include <prometheus/registry.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/reliable_uploader.h"
#include "storage/s3_store.h"
#include "tests/s3/delaying_proxy.h"
#include "tests/s3/s3rver.h"
#include "tests/support/subprocess.h"

namespace livesnap::storage {
namespace {

using namespace std::chrono_literals;
using livesnap::testing::DelayingProxy;
using livesnap::testing::S3rverOptions;
using livesnap::testing::S3rverProcess;
using livesnap::testing::TempDir;
using Clock = std::chrono::steady_clock;

std::vector<uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }

// Completions in the order they were reported.
class Completions {
 public:
  UploadCallback Callback() {
    return [this](const UploadResult& result) {
      std::lock_guard lock(mu_);
      results_.push_back(result);
      changed_.notify_all();
    };
  }
  bool WaitFor(size_t count, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return results_.size() >= count; });
  }
  std::vector<UploadResult> results() const {
    std::lock_guard lock(mu_);
    return results_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<UploadResult> results_;
};

std::unique_ptr<S3Store> OpenStore(S3Options options) {
  auto store = S3Store::Create(std::move(options));
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

std::unique_ptr<ReliableUploader> StartUploader(ReliableUploaderOptions options, ObjectStore& store,
                                                Completions& done, prometheus::Registry& registry) {
  auto uploader = ReliableUploader::Create(std::move(options), store, done.Callback(), registry,
                                           SystemClock::Instance());
  EXPECT_TRUE(uploader.ok()) << uploader.status();
  return uploader.ok() ? std::move(*uploader) : nullptr;
}

double Sum(prometheus::Registry& registry, const std::string& name, bool sample_sum) {
  double total = 0;
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      if (family.type == prometheus::MetricType::Histogram) {
        total += sample_sum ? metric.histogram.sample_sum
                            : static_cast<double>(metric.histogram.sample_count);
      } else {
        total += metric.counter.value;
      }
    }
  }
  return total;
}

class UploadOutageTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(livesnap::testing::InstallS3rver()); }
};

TEST_F(UploadOutageTest, AnOutageLosesNothingAndKeepsOrder) {
  TempDir dir;
  S3rverProcess s3(dir / "s3rver", {"outage"});
  ASSERT_TRUE(s3.Start());
  S3Options options = S3rverOptions(s3.Url(), "outage");
  options.connect_timeout_ms = 500;
  options.timeout_ms = 2000;
  auto store = OpenStore(options);
  prometheus::Registry registry;
  Completions done;
  auto uploader = StartUploader({.name = "outage",
                                 .spool_dir = dir / "spool",
                                 .threads = 4,
                                 .retry = {.initial_backoff_ms = 100, .max_backoff_ms = 1000}},
                                *store, done, registry);
  ASSERT_NE(uploader, nullptr);

  // Three streams, each taking a snapshot every 50 ms in both modes.
  constexpr int kLanes = 3;
  std::atomic<bool> producing{true};
  std::atomic<int64_t> max_enqueue_us{0};
  std::map<int, int> produced;  // lane -> sequence objects, written by the producer only
  std::atomic<int> enqueued{0};
  std::thread producer([&] {
    for (int n = 0; producing; ++n) {
      for (int lane = 0; lane < kLanes; ++lane) {
        const std::string stream = "live/cam" + std::to_string(lane);
        const std::string image = stream + " frame " + std::to_string(n);
        for (bool overwrite : {false, true}) {
          const auto started = Clock::now();
          const absl::Status status = uploader->Enqueue(
              {.lane = stream,
               .key = overwrite ? stream + ".jpg" : stream + "/" + std::to_string(n) + ".jpg",
               .data = Bytes(image),
               .coalesce = overwrite});
          const int64_t us =
              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
          max_enqueue_us = std::max<int64_t>(max_enqueue_us, us);
          ASSERT_TRUE(status.ok()) << status;
          ++enqueued;
        }
        produced[lane] = n + 1;
      }
      std::this_thread::sleep_for(50ms);
    }
  });

  std::this_thread::sleep_for(1s);
  s3.Stop();
  const auto outage_started = Clock::now();
  size_t max_waiting = 0;
  while (Clock::now() - outage_started < 4s) {
    max_waiting = std::max(max_waiting, uploader->backlog().uploads);
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(s3.Start());
  const auto outage = Clock::now() - outage_started;
  std::this_thread::sleep_for(1s);
  producing = false;
  producer.join();

  ASSERT_TRUE(done.WaitFor(static_cast<size_t>(enqueued.load()), 60s))
      << done.results().size() << " of " << enqueued << " completed";
  EXPECT_GT(max_waiting, static_cast<size_t>(kLanes * 10)) << "the outage held nothing back";
  EXPECT_GT(Sum(registry, "livesnap_upload_retries_total", false), 0);

  std::map<std::string, std::vector<int>> completed_sequence;  // lane -> n in completion order
  for (const UploadResult& result : done.results()) {
    if (std::count(result.key.begin(), result.key.end(), '/') == 2) {  // a sequence object
      ASSERT_TRUE(result.status.ok()) << result.key << ": " << result.status;
      const std::string name = result.key.substr(result.key.rfind('/') + 1);
      completed_sequence[result.lane].push_back(std::stoi(name));
    } else {
      EXPECT_TRUE(result.status.ok() || absl::IsAborted(result.status)) << result.status;
    }
  }
  for (int lane = 0; lane < kLanes; ++lane) {
    const std::string stream = "live/cam" + std::to_string(lane);
    SCOPED_TRACE(stream);
    // Every sequence object arrived, in order.
    std::vector<int> expected(static_cast<size_t>(produced[lane]));
    for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int>(i);
    EXPECT_EQ(completed_sequence[stream], expected);
    auto objects = store->List(stream + "/");
    ASSERT_TRUE(objects.ok()) << objects.status();
    ASSERT_EQ(objects->size(), expected.size());
    std::vector<ObjectInfo> by_number = *objects;
    std::sort(by_number.begin(), by_number.end(), [](const ObjectInfo& a, const ObjectInfo& b) {
      auto number = [](const std::string& key) {
        return std::stoi(key.substr(key.rfind('/') + 1));
      };
      return number(a.key) < number(b.key);
    });
    for (size_t i = 1; i < by_number.size(); ++i) {
      EXPECT_LE(by_number[i - 1].modified_unix_ms, by_number[i].modified_unix_ms)
          << by_number[i].key << " stored before " << by_number[i - 1].key;
    }
    auto last = store->Get(stream + "/" + std::to_string(produced[lane] - 1) + ".jpg");
    ASSERT_TRUE(last.ok()) << last.status();
    EXPECT_EQ(*last, Bytes(stream + " frame " + std::to_string(produced[lane] - 1)));
    // The overwrite object ends as the newest image.
    auto overwrite = store->Get(stream + ".jpg");
    ASSERT_TRUE(overwrite.ok()) << overwrite.status();
    EXPECT_EQ(*overwrite, Bytes(stream + " frame " + std::to_string(produced[lane] - 1)));
  }
  // The producer never waited for the store, outage or not.
  EXPECT_LT(max_enqueue_us.load(),
            std::chrono::duration_cast<std::chrono::microseconds>(outage).count() / 40);
  uploader->Stop(5s);
}

TEST_F(UploadOutageTest, ASlowStoreDoesNotSlowTheCaller) {
  TempDir dir;
  S3rverProcess s3(dir / "s3rver", {"slow"});
  ASSERT_TRUE(s3.Start());
  constexpr auto kDelay = 1000ms;
  DelayingProxy proxy(s3.port(), kDelay);
  auto store = OpenStore(S3rverOptions(proxy.Url(), "slow"));
  prometheus::Registry registry;
  Completions done;
  auto uploader = StartUploader({.name = "slow", .spool_dir = dir / "spool", .threads = 4}, *store,
                                done, registry);
  ASSERT_NE(uploader, nullptr);

  constexpr int kUploads = 12;
  int64_t max_enqueue_us = 0;
  const auto started = Clock::now();
  for (int i = 0; i < kUploads; ++i) {
    const auto before = Clock::now();
    ASSERT_TRUE(uploader
                    ->Enqueue({.lane = "lane" + std::to_string(i % 4),
                               .key = "slow/" + std::to_string(i) + ".jpg",
                               .data = Bytes(std::string(50'000, static_cast<char>('a' + i)))})
                    .ok());
    max_enqueue_us = std::max<int64_t>(
        max_enqueue_us,
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - before).count());
  }
  const auto enqueue_time = Clock::now() - started;
  EXPECT_TRUE(done.results().empty()) << "an upload finished before the caller did";
  EXPECT_LT(enqueue_time, kDelay / 4);
  EXPECT_LT(max_enqueue_us, std::chrono::microseconds(kDelay).count() / 20);

  ASSERT_TRUE(done.WaitFor(kUploads, 60s));
  for (const UploadResult& result : done.results())
    EXPECT_TRUE(result.status.ok()) << result.status;
  // The store really was slow: each Put took at least the proxy's delay.
  EXPECT_GE(Sum(registry, "livesnap_upload_seconds", true) / kUploads,
            std::chrono::duration<double>(kDelay).count());
  auto direct = OpenStore(S3rverOptions(s3.Url(), "slow"));
  auto objects = direct->List("slow/");
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_EQ(objects->size(), static_cast<size_t>(kUploads));
}

TEST_F(UploadOutageTest, SpilledUploadsReachTheStoreAfterARestart) {
  TempDir dir;
  S3rverProcess s3(dir / "s3rver", {"spill"});
  ASSERT_TRUE(s3.Start());
  s3.Stop();  // the store is down from the start
  S3Options options = S3rverOptions(s3.Url(), "spill");
  options.connect_timeout_ms = 500;
  auto store = OpenStore(options);
  const ReliableUploaderOptions uploader_options{
      .name = "spill",
      .spool_dir = dir / "spool",
      .threads = 2,
      .max_memory_bytes = 16 << 10,
      .retry = {.initial_backoff_ms = 100, .max_backoff_ms = 500}};

  constexpr int kUploads = 30;
  {
    prometheus::Registry registry;
    Completions done;
    auto uploader = StartUploader(uploader_options, *store, done, registry);
    ASSERT_NE(uploader, nullptr);
    for (int i = 0; i < kUploads; ++i) {
      const std::string lane = i % 2 == 0 ? "even" : "odd";
      ASSERT_TRUE(uploader
                      ->Enqueue({.lane = lane,
                                 .key = lane + "/" + std::to_string(i) + ".jpg",
                                 .data = Bytes(std::string(4096, static_cast<char>('0' + i % 10))),
                                 .metadata = "snapshot " + std::to_string(i)})
                      .ok());
    }
    ASSERT_TRUE(livesnap::testing::WaitFor(
        [&] { return uploader->backlog().memory_bytes <= uploader_options.max_memory_bytes; },
        10s));
    EXPECT_GE(uploader->backlog().spooled, static_cast<size_t>(kUploads - 4));
    EXPECT_GE(Sum(registry, "livesnap_uploads_spilled_total", false), kUploads - 4);
    uploader->Stop(0ms);
    EXPECT_TRUE(done.results().empty());
  }

  ASSERT_TRUE(s3.Start());
  prometheus::Registry registry;
  Completions done;
  auto uploader = StartUploader(uploader_options, *store, done, registry);
  ASSERT_NE(uploader, nullptr);
  ASSERT_TRUE(done.WaitFor(kUploads, 60s));
  for (const UploadResult& result : done.results()) {
    EXPECT_TRUE(result.status.ok()) << result.status;
    EXPECT_EQ(result.metadata,
              "snapshot " + result.key.substr(result.key.find('/') + 1,
                                              result.key.size() - result.key.find('/') - 5));
  }
  auto objects = store->List("");
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_EQ(objects->size(), static_cast<size_t>(kUploads));
  auto data = store->Get("odd/29.jpg");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, Bytes(std::string(4096, '9')));
  uploader->Stop(5s);
  EXPECT_TRUE(std::filesystem::is_empty(dir / "spool"));
}

}  // namespace
}  // namespace livesnap::storage
