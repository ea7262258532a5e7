#include "storage/reliable_uploader.h"

#include <errno.h>
#include <prometheus/registry.h>
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/store_failure.h"
#include "storage/testing/fault_injecting_store.h"
#include "tests/support/registry_metrics.h"
#include "tests/support/wait_for.h"

namespace livesnap::storage {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::FaultInjectingStore;
using ::testing::HasSubstr;

constexpr auto kWait = 10s;

std::vector<uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

absl::Status Down(std::string_view) { return absl::UnavailableError("store is down"); }

// Completions, as the pipeline would receive them.
class Completions {
 public:
  UploadCallback Callback() {
    return [this](const UploadResult& result) {
      std::lock_guard lock(mu_);
      results_.push_back(result);
      changed_.notify_all();
    };
  }
  bool WaitFor(size_t count) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kWait, [&] { return results_.size() >= count; });
  }
  std::vector<UploadResult> results() const {
    std::lock_guard lock(mu_);
    return results_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return results_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<UploadResult> results_;
};

std::vector<std::string> WithPrefix(const std::vector<std::string>& keys, std::string_view prefix) {
  std::vector<std::string> out;
  for (const std::string& key : keys) {
    if (key.starts_with(prefix)) out.push_back(key);
  }
  return out;
}

size_t FilesIn(const fs::path& dir, std::string_view suffix) {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().string().ends_with(suffix)) ++count;
  }
  return count;
}

class ReliableUploaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (fs::temp_directory_path() / "reliable_uploader_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    uploader_.reset();
    fs::remove_all(dir_);
  }

  // Enough waits that each of Options()' two workers has looked at the
  // clock as it stands and gone back to waiting.
  static constexpr int kIdleWaitsOfTheWorkers = 6;

  ReliableUploaderOptions Options() {
    return ReliableUploaderOptions{.name = "test",
                                   .spool_dir = dir_ / "spool",
                                   .threads = 2,
                                   .retry = {.initial_backoff_ms = 1000, .max_backoff_ms = 8000}};
  }
  void Start(ReliableUploaderOptions options) {
    auto uploader =
        ReliableUploader::Create(std::move(options), store_, done_.Callback(), registry_, clock_);
    ASSERT_TRUE(uploader.ok()) << uploader.status();
    uploader_ = std::move(*uploader);
  }
  absl::Status Enqueue(std::string lane, std::string key, std::string_view body,
                       bool coalesce = false) {
    return uploader_->Enqueue({.lane = std::move(lane),
                               .key = key,
                               .data = Bytes(body),
                               .coalesce = coalesce,
                               .metadata = "meta:" + key});
  }
  // Moves the fake clock past any backoff until `count` completions arrived.
  bool AdvanceUntilCompleted(Completions& done, size_t count) {
    livesnap::testing::WaitFor(
        [&] {
          if (done.size() >= count) return true;
          clock_.AdvanceMs(1000);
          return false;
        },
        4s, 10ms);
    return done.WaitFor(count);
  }
  // Waits until `count` failed attempts have had their retry scheduled (on
  // the clock as it is now).
  bool WaitForRetriesScheduled(int count) {
    if (!livesnap::testing::WaitFor(
            [&] { return Metric("livesnap_upload_retries_total") >= count; }, 10s, 10ms)) {
      return false;
    }
    uploader_->backlog();  // takes the lock the scheduling holds
    return true;
  }
  double Metric(const std::string& name, std::map<std::string, std::string> labels = {}) {
    labels["store"] = "test";
    return livesnap::testing::MetricValue(registry_, name, labels);
  }

  fs::path dir_;
  FakeClock clock_;
  FaultInjectingStore store_;
  prometheus::Registry registry_;
  Completions done_;
  std::unique_ptr<ReliableUploader> uploader_;
};

TEST_F(ReliableUploaderTest, StoresInOrderAndReportsCompletions) {
  Start(Options());
  ASSERT_TRUE(Enqueue("d/live/s", "live/s/0.jpg", "zero").ok());
  ASSERT_TRUE(Enqueue("d/live/s", "live/s/1.jpg", "one").ok());
  ASSERT_TRUE(Enqueue("d/live/s", "live/s/2.jpg", "two!").ok());
  ASSERT_TRUE(done_.WaitFor(3));

  EXPECT_THAT(store_.StoredKeys(), ElementsAre("live/s/0.jpg", "live/s/1.jpg", "live/s/2.jpg"));
  for (const UploadResult& result : done_.results()) {
    EXPECT_TRUE(result.status.ok()) << result.status;
    EXPECT_EQ(result.metadata, "meta:" + result.key);
    EXPECT_EQ(result.lane, "d/live/s");
    EXPECT_EQ(result.attempts, 1);
    EXPECT_EQ(result.enqueued_unix_ms, clock_.UnixMs());
  }
  EXPECT_EQ(*store_.Get("live/s/2.jpg"), Bytes("two!"));
  EXPECT_EQ(Metric("livesnap_uploads_total", {{"result", "ok"}}), 3);
  EXPECT_EQ(Metric("livesnap_upload_bytes_total"), 4 + 3 + 4);
  EXPECT_EQ(Metric("livesnap_upload_seconds"), 3);
  EXPECT_EQ(Metric("livesnap_upload_delay_seconds"), 3);
  EXPECT_EQ(Metric("livesnap_uploads_queued"), 0);
  EXPECT_EQ(uploader_->backlog().uploads, 0u);
}

TEST_F(ReliableUploaderTest, RetriesTransientFailuresAfterBackoffOnTheClock) {
  store_.FailPuts(Down);
  Start(Options());
  ASSERT_TRUE(Enqueue("lane", "a.jpg", "a").ok());
  ASSERT_TRUE(WaitForRetriesScheduled(1));

  // The first wait is 500..1000 ms of clock time; real time does not count.
  ASSERT_TRUE(clock_.AwaitIdleWaits(kIdleWaitsOfTheWorkers, 10s));
  EXPECT_EQ(store_.Attempts().size(), 1u);
  clock_.AdvanceMs(499);
  ASSERT_TRUE(clock_.AwaitIdleWaits(kIdleWaitsOfTheWorkers, 10s));
  EXPECT_EQ(store_.Attempts().size(), 1u);
  clock_.AdvanceMs(501);
  ASSERT_TRUE(WaitForRetriesScheduled(2));

  // The second wait is doubled: 1000..2000 ms.
  clock_.AdvanceMs(999);
  ASSERT_TRUE(clock_.AwaitIdleWaits(kIdleWaitsOfTheWorkers, 10s));
  EXPECT_EQ(store_.Attempts().size(), 2u);
  clock_.AdvanceMs(1001);
  ASSERT_TRUE(WaitForRetriesScheduled(3));

  store_.FailPuts(nullptr);
  ASSERT_TRUE(AdvanceUntilCompleted(done_, 1));
  const UploadResult result = done_.results().at(0);
  EXPECT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(result.attempts, 4);
  EXPECT_EQ(Metric("livesnap_upload_retries_total"), 3);
  EXPECT_EQ(Metric("livesnap_uploads_total", {{"result", "ok"}}), 1);
}

TEST_F(ReliableUploaderTest, PermanentFailureEndsTheUploadAndTheLaneGoesOn) {
  store_.FailPuts([](std::string_view key) {
    return key == "bad.jpg" ? absl::PermissionDeniedError("HTTP 403 AccessDenied")
                            : absl::OkStatus();
  });
  Start(Options());
  ASSERT_TRUE(Enqueue("lane", "bad.jpg", "x").ok());
  ASSERT_TRUE(Enqueue("lane", "good.jpg", "y").ok());
  ASSERT_TRUE(done_.WaitFor(2));

  const std::vector<UploadResult> results = done_.results();
  EXPECT_EQ(results[0].key, "bad.jpg");
  EXPECT_TRUE(absl::IsPermissionDenied(results[0].status)) << results[0].status;
  EXPECT_EQ(results[0].attempts, 1);
  EXPECT_EQ(results[1].key, "good.jpg");
  EXPECT_TRUE(results[1].status.ok());
  EXPECT_EQ(Metric("livesnap_uploads_total", {{"result", "failed"}}), 1);
  EXPECT_EQ(Metric("livesnap_upload_retries_total"), 0);
}

TEST_F(ReliableUploaderTest, HealthSaysFailingWithTheReasonUntilAPutSucceeds) {
  Start(Options());
  EXPECT_FALSE(uploader_->health().failing);
  EXPECT_EQ(Metric("livesnap_store_failing"), 0);

  store_.FailPuts([](std::string_view) {
    return WithErrno(absl::UnavailableError("write live/a.jpg: No space left on device"), ENOSPC);
  });
  clock_.AdvanceMs(5000);
  const int64_t outage_start_ms = clock_.UnixMs();
  ASSERT_TRUE(Enqueue("lane", "live/a.jpg", "a").ok());
  ASSERT_TRUE(WaitForRetriesScheduled(1));
  StoreHealth health = uploader_->health();
  EXPECT_TRUE(health.failing);
  EXPECT_EQ(health.reason, "no_space");
  EXPECT_THAT(health.last_error, HasSubstr("No space left on device"));
  EXPECT_EQ(health.failing_since_unix_ms, outage_start_ms);
  EXPECT_EQ(Metric("livesnap_store_failing"), 1);
  EXPECT_EQ(Metric("livesnap_upload_failures_total", {{"reason", "no_space"}}), 1);
  EXPECT_EQ(Metric("livesnap_upload_memory_bytes"), 1);

  // A later failure of another kind keeps the outage's start.
  store_.FailPuts([](std::string_view) { return absl::DeadlineExceededError("PUT timed out"); });
  clock_.AdvanceMs(1000);
  ASSERT_TRUE(WaitForRetriesScheduled(2));
  health = uploader_->health();
  EXPECT_EQ(health.reason, "timeout");
  EXPECT_EQ(health.failing_since_unix_ms, outage_start_ms);
  EXPECT_EQ(Metric("livesnap_upload_failures_total", {{"reason", "timeout"}}), 1);

  store_.FailPuts(nullptr);
  ASSERT_TRUE(AdvanceUntilCompleted(done_, 1));
  EXPECT_FALSE(uploader_->health().failing);
  EXPECT_EQ(Metric("livesnap_store_failing"), 0);
  EXPECT_EQ(Metric("livesnap_upload_memory_bytes"), 0);
}

TEST_F(ReliableUploaderTest, APermanentRefusalAlsoMakesTheStoreFailing) {
  store_.FailPuts([](std::string_view) { return absl::PermissionDeniedError("403"); });
  Start(Options());
  ASSERT_TRUE(Enqueue("lane", "a.jpg", "a").ok());
  ASSERT_TRUE(done_.WaitFor(1));
  EXPECT_TRUE(uploader_->health().failing);
  EXPECT_EQ(uploader_->health().reason, "denied");
  EXPECT_EQ(Metric("livesnap_upload_failures_total", {{"reason", "denied"}}), 1);
}

TEST_F(ReliableUploaderTest, KeepsOrderPerLaneThroughAnOutage) {
  store_.FailPuts(Down);
  Start(Options());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Enqueue("lane-a", "a/" + std::to_string(i) + ".jpg", "a").ok());
    ASSERT_TRUE(Enqueue("lane-b", "b/" + std::to_string(i) + ".jpg", "b").ok());
    clock_.AdvanceMs(700);
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(store_.WaitForAttempts(4, kWait));
  EXPECT_TRUE(store_.StoredKeys().empty());
  EXPECT_EQ(uploader_->backlog().uploads, 20u);
  EXPECT_EQ(Metric("livesnap_uploads_queued"), 20);

  store_.FailPuts(nullptr);
  ASSERT_TRUE(AdvanceUntilCompleted(done_, 20));
  std::vector<std::string> expected_a, expected_b;
  for (int i = 0; i < 10; ++i) {
    expected_a.push_back("a/" + std::to_string(i) + ".jpg");
    expected_b.push_back("b/" + std::to_string(i) + ".jpg");
  }
  EXPECT_THAT(WithPrefix(store_.StoredKeys(), "a/"), ElementsAreArray(expected_a));
  EXPECT_THAT(WithPrefix(store_.StoredKeys(), "b/"), ElementsAreArray(expected_b));
  // While a lane waits, its later uploads are not tried out of turn.
  for (const char* prefix : {"a/", "b/"}) {
    std::vector<std::string> attempts = WithPrefix(store_.Attempts(), prefix);
    EXPECT_TRUE(std::is_sorted(attempts.begin(), attempts.end(),
                               [](const std::string& x, const std::string& y) {
                                 return std::stoi(x.substr(2)) < std::stoi(y.substr(2));
                               }))
        << prefix;
  }
  for (const UploadResult& result : done_.results()) EXPECT_TRUE(result.status.ok());
}

TEST_F(ReliableUploaderTest, AFailingLaneDoesNotHoldUpOthers) {
  store_.FailPuts([](std::string_view key) {
    return key.starts_with("a/") ? absl::UnavailableError("slow down") : absl::OkStatus();
  });
  Start(Options());
  ASSERT_TRUE(Enqueue("lane-a", "a/0.jpg", "a").ok());
  ASSERT_TRUE(Enqueue("lane-b", "b/0.jpg", "b").ok());
  ASSERT_TRUE(Enqueue("lane-b", "b/1.jpg", "b").ok());
  ASSERT_TRUE(done_.WaitFor(2));
  EXPECT_THAT(store_.StoredKeys(), ElementsAre("b/0.jpg", "b/1.jpg"));
  EXPECT_EQ(uploader_->backlog().uploads, 1u);
}

TEST_F(ReliableUploaderTest, CoalescesWaitingOverwriteUploadsToTheNewest) {
  store_.FailPuts(Down);
  Start(Options());
  ASSERT_TRUE(Enqueue("lane", "live/s.jpg", "v1", true).ok());
  ASSERT_TRUE(store_.WaitForAttempts(1, kWait));
  ASSERT_TRUE(Enqueue("lane", "live/s/0.jpg", "seq0").ok());
  ASSERT_TRUE(Enqueue("lane", "live/s.jpg", "v2", true).ok());
  ASSERT_TRUE(Enqueue("lane", "live/s/1.jpg", "seq1").ok());
  ASSERT_TRUE(Enqueue("lane", "live/s.jpg", "v3", true).ok());
  ASSERT_TRUE(done_.WaitFor(2));  // v1 and v2 superseded at once

  store_.FailPuts(nullptr);
  ASSERT_TRUE(AdvanceUntilCompleted(done_, 5));
  EXPECT_EQ(*store_.Get("live/s.jpg"), Bytes("v3"));
  EXPECT_THAT(store_.StoredKeys(), ElementsAre("live/s/0.jpg", "live/s/1.jpg", "live/s.jpg"));
  int superseded = 0;
  for (const UploadResult& result : done_.results()) {
    if (absl::IsAborted(result.status)) {
      ++superseded;
      EXPECT_EQ(result.key, "live/s.jpg");
      EXPECT_THAT(result.status.message(), HasSubstr("superseded"));
    } else {
      EXPECT_TRUE(result.status.ok()) << result.status;
    }
  }
  EXPECT_EQ(superseded, 2);
  EXPECT_EQ(Metric("livesnap_uploads_total", {{"result", "superseded"}}), 2);
}

TEST_F(ReliableUploaderTest, AnOverwriteInFlightIsFollowedByTheNewerOne) {
  store_.Hold();
  Start(Options());
  ASSERT_TRUE(Enqueue("lane", "live/s.jpg", "old", true).ok());
  ASSERT_TRUE(store_.WaitForAttempts(1, kWait));
  ASSERT_TRUE(Enqueue("lane", "live/s.jpg", "new", true).ok());
  store_.Release();
  ASSERT_TRUE(done_.WaitFor(2));
  EXPECT_EQ(*store_.Get("live/s.jpg"), Bytes("new"));
  for (const UploadResult& result : done_.results()) EXPECT_TRUE(result.status.ok());
}

TEST_F(ReliableUploaderTest, EnqueueNeverWaitsForTheStore) {
  store_.Hold();
  Start(Options());
  std::atomic<int> accepted{0};
  std::thread producer([&] {
    for (int i = 0; i < 200; ++i) {
      if (Enqueue("lane" + std::to_string(i % 7), "k/" + std::to_string(i) + ".jpg", "data").ok()) {
        ++accepted;
      }
    }
  });
  producer.join();
  // Every Put is still held: the producer finished without any of them.
  EXPECT_EQ(accepted.load(), 200);
  EXPECT_TRUE(store_.StoredKeys().empty());
  EXPECT_LE(store_.Attempts().size(), 2u);
  store_.Release();
  ASSERT_TRUE(done_.WaitFor(200));
}

TEST_F(ReliableUploaderTest, SpillsToTheSpoolAndDeliversAfterARestart) {
  store_.FailPuts(Down);
  ReliableUploaderOptions options = Options();
  options.max_memory_bytes = 1000;
  Start(options);
  const std::string body(400, 'x');
  for (int i = 0; i < 12; ++i) {
    const std::string lane = i % 2 == 0 ? "even" : "odd";
    ASSERT_TRUE(Enqueue(lane, lane + "/" + std::to_string(i) + ".jpg", body).ok());
  }
  ASSERT_TRUE(store_.WaitForAttempts(2, kWait));
  // Memory comes back under its bound once the spool thread has written the rest.
  livesnap::testing::WaitFor([&] { return uploader_->backlog().memory_bytes <= 1000; }, 4s, 20ms);
  const ReliableUploader::Backlog backlog = uploader_->backlog();
  EXPECT_LE(backlog.memory_bytes, 1000u);
  EXPECT_GE(backlog.spooled, 10u);
  EXPECT_EQ(backlog.uploads, 12u);
  EXPECT_GE(Metric("livesnap_uploads_spilled_total"), 10);
  EXPECT_EQ(Metric("livesnap_upload_spool_bytes"), static_cast<double>(backlog.spool_bytes));

  uploader_->Stop(0ms);
  EXPECT_EQ(FilesIn(dir_ / "spool", ".upload"), 12u);
  EXPECT_EQ(done_.size(), 0u);
  uploader_.reset();

  // The next process: the store is back.
  store_.FailPuts(nullptr);
  Completions after_restart;
  auto uploader =
      ReliableUploader::Create(options, store_, after_restart.Callback(), registry_, clock_);
  ASSERT_TRUE(uploader.ok()) << uploader.status();
  ASSERT_TRUE(after_restart.WaitFor(12));
  for (const UploadResult& result : after_restart.results()) {
    EXPECT_TRUE(result.status.ok()) << result.status;
    EXPECT_EQ(result.metadata, "meta:" + result.key);
    EXPECT_EQ(result.size_bytes, 400);
  }
  EXPECT_THAT(WithPrefix(store_.StoredKeys(), "even/"),
              ElementsAre("even/0.jpg", "even/2.jpg", "even/4.jpg", "even/6.jpg", "even/8.jpg",
                          "even/10.jpg"));
  EXPECT_THAT(
      WithPrefix(store_.StoredKeys(), "odd/"),
      ElementsAre("odd/1.jpg", "odd/3.jpg", "odd/5.jpg", "odd/7.jpg", "odd/9.jpg", "odd/11.jpg"));
  EXPECT_EQ(*store_.Get("odd/11.jpg"), Bytes(body));
  (*uploader)->Stop(1s);
  EXPECT_EQ(FilesIn(dir_ / "spool", ".upload"), 0u);
}

TEST_F(ReliableUploaderTest, StopSpoolsWaitingUploadsForTheNextStart) {
  store_.FailPuts(Down);
  Start(Options());
  ASSERT_TRUE(Enqueue("lane", "a.jpg", "a").ok());
  ASSERT_TRUE(Enqueue("lane", "b.jpg", "b").ok());
  ASSERT_TRUE(store_.WaitForAttempts(1, kWait));
  uploader_->Stop(100ms);
  EXPECT_EQ(FilesIn(dir_ / "spool", ".upload"), 2u);
  EXPECT_TRUE(absl::IsFailedPrecondition(Enqueue("lane", "c.jpg", "c")));
  uploader_.reset();

  store_.FailPuts(nullptr);
  Completions after_restart;
  auto uploader =
      ReliableUploader::Create(Options(), store_, after_restart.Callback(), registry_, clock_);
  ASSERT_TRUE(uploader.ok()) << uploader.status();
  ASSERT_TRUE(after_restart.WaitFor(2));
  EXPECT_THAT(store_.StoredKeys(), ElementsAre("a.jpg", "b.jpg"));
}

TEST_F(ReliableUploaderTest, StopDeliversWhatIsDueWithinTheGrace) {
  store_.Hold();
  Start(Options());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Enqueue("lane", std::to_string(i) + ".jpg", "x").ok());
  ASSERT_TRUE(store_.WaitForAttempts(1, kWait));
  std::thread release([&] {
    std::this_thread::sleep_for(100ms);
    store_.Release();
  });
  uploader_->Stop(5s);
  release.join();
  EXPECT_EQ(done_.size(), 5u);
  EXPECT_EQ(FilesIn(dir_ / "spool", ".upload"), 0u);
}

TEST_F(ReliableUploaderTest, RefusesWhenMemoryAndSpoolAreFull) {
  store_.FailPuts(Down);
  ReliableUploaderOptions options = Options();
  options.max_memory_bytes = 1000;
  options.max_spool_bytes = 1000;
  Start(options);
  const std::string body(400, 'x');
  int accepted = 0;
  absl::Status status;
  for (int i = 0; i < 10 && status.ok(); ++i) {
    status = Enqueue("lane", std::to_string(i) + ".jpg", body);
    if (status.ok()) ++accepted;
  }
  EXPECT_EQ(accepted, 5);
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_EQ(Metric("livesnap_uploads_total", {{"result", "refused"}}), 1);
}

TEST_F(ReliableUploaderTest, RefusesInvalidKeys) {
  Start(Options());
  EXPECT_TRUE(absl::IsInvalidArgument(Enqueue("lane", "../escape.jpg", "x")));
  EXPECT_TRUE(absl::IsInvalidArgument(Enqueue("lane", "", "x")));
}

TEST_F(ReliableUploaderTest, SetsAsideAnUnreadableSpoolFile) {
  fs::create_directories(dir_ / "spool");
  std::ofstream(dir_ / "spool" / "00000000000000000007.upload") << "not a spooled upload";
  Start(Options());
  EXPECT_TRUE(fs::exists(dir_ / "spool" / "00000000000000000007.upload.corrupt"));
  EXPECT_EQ(uploader_->backlog().uploads, 0u);
  ASSERT_TRUE(Enqueue("lane", "a.jpg", "a").ok());
  ASSERT_TRUE(done_.WaitFor(1));
}

TEST_F(ReliableUploaderTest, RejectsBadOptions) {
  ReliableUploaderOptions options = Options();
  options.threads = 0;
  EXPECT_TRUE(absl::IsInvalidArgument(
      ReliableUploader::Create(options, store_, done_.Callback(), registry_, clock_).status()));
  options = Options();
  options.spool_dir.clear();
  EXPECT_TRUE(absl::IsInvalidArgument(
      ReliableUploader::Create(options, store_, done_.Callback(), registry_, clock_).status()));
}

}  // namespace
}  // namespace livesnap::storage
