#include "notify/notifier.h"

#include <httplib.h>
#include <prometheus/registry.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "notify/callback_signature.h"
#include "notify/retry_policy.h"
#include "tests/support/registry_metrics.h"
#include "tests/support/stub_http_server.h"
#include "tests/support/wait_for.h"

namespace livesnap::notify {
namespace {

using namespace std::chrono_literals;
using livesnap::testing::WaitFor;
using ::testing::Each;
using ::testing::Ge;

struct Received {
  std::string body;
  httplib::Headers headers;
};

// A callback receiver on 127.0.0.1: `answer(n)` gives the HTTP status for the
// n-th request (from 0) and may Hold() to play a slow receiver.
class Receiver {
 public:
  using Answer = std::function<int(size_t n)>;

  explicit Receiver(Answer answer)
      : answer_(std::move(answer)),
        server_([this](const livesnap::testing::RecordedRequest& request,
                       httplib::Response& response) { response.status = answer_(request.index); }) {
  }
  ~Receiver() { Release(); }  // then server_, declared last, stops first

  std::string Url() const { return server_.Url() + "/callback"; }

  // Blocks a handler for `duration`, or until Release().
  void Hold(std::chrono::milliseconds duration) {
    std::unique_lock lock(mu_);
    released_changed_.wait_for(lock, duration, [this] { return released_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    released_changed_.notify_all();
  }

  bool WaitForRequests(size_t count, std::chrono::milliseconds timeout = 5s) {
    return server_.WaitForRequests(count, timeout);
  }
  std::vector<Received> received() {
    std::vector<Received> received;
    for (const livesnap::testing::RecordedRequest& request : server_.requests()) {
      received.push_back({request.body, request.headers});
    }
    return received;
  }

 private:
  Answer answer_;
  std::mutex mu_;
  std::condition_variable released_changed_;
  bool released_ = false;  // guarded by mu_
  livesnap::testing::StubHttpServer server_;
};

std::string Header(const Received& request, const std::string& name) {
  const auto it = request.headers.find(name);  // case-insensitive, like HTTP
  return it == request.headers.end() ? "" : it->second;
}

// A callback counter by its result label (any, for an unlabelled counter).
double CounterValue(prometheus::Registry& registry, const std::string& name,
                    const std::string& result = "") {
  if (result.empty()) return livesnap::testing::MetricValue(registry, name);
  return livesnap::testing::MetricValue(registry, name, {{"result", result}});
}

// Short timeouts and backoffs so the suite runs in seconds.
NotifierOptions FastOptions() {
  return NotifierOptions{.threads = 2,
                         .timeout_ms = 2000,
                         .max_retries = 5,
                         .initial_backoff_ms = 10,
                         .max_queue = 100};
}

class NotifierTest : public ::testing::Test {
 protected:
  std::unique_ptr<Notifier> Start(NotifierOptions options, const Clock& clock) {
    auto notifier = Notifier::Create(options, registry_, clock);
    EXPECT_TRUE(notifier.ok()) << notifier.status();
    return notifier.ok() ? std::move(*notifier) : nullptr;
  }
  std::unique_ptr<Notifier> Start(NotifierOptions options = FastOptions()) {
    return Start(options, SystemClock::Instance());
  }
  double Delivered() { return CounterValue(registry_, "livesnap_callbacks_total", "delivered"); }
  double Failed() { return CounterValue(registry_, "livesnap_callbacks_total", "failed"); }
  double Dropped() { return CounterValue(registry_, "livesnap_callbacks_total", "dropped"); }
  double Retries() { return CounterValue(registry_, "livesnap_callback_retries_total"); }

  prometheus::Registry registry_;
};

TEST_F(NotifierTest, BodyAndHeadersArriveAsSent) {
  Receiver receiver([](size_t) { return 200; });
  auto notifier = Start();
  const std::string body = R"({"DomainName":"push.example.com","OssObject":"live/demo/0.jpg"})";
  notifier->Enqueue({.url = receiver.Url(), .json_body = body});

  ASSERT_TRUE(receiver.WaitForRequests(1));
  const Received request = receiver.received()[0];
  EXPECT_EQ(request.body, body);
  EXPECT_EQ(Header(request, "Content-Type"), "application/json");
  EXPECT_EQ(Header(request, "User-Agent"), "livesnap/0.1");
  EXPECT_EQ(request.headers.count(kTimestampHeader), 0u);
  EXPECT_EQ(request.headers.count(kSignatureHeader), 0u);
  EXPECT_TRUE(WaitFor([&] { return Delivered() == 1; }, 5s, 5ms));
  EXPECT_EQ(Failed(), 0);
  EXPECT_EQ(Retries(), 0);
}

TEST_F(NotifierTest, SignsWithTheAuthKey) {
  Receiver receiver([](size_t) { return 200; });
  FakeClock clock(1'700'000'123'456);
  auto notifier = Start(FastOptions(), clock);
  notifier->Enqueue({.url = receiver.Url(), .json_body = "{}", .auth_key = "abcdef0123456789"});

  ASSERT_TRUE(receiver.WaitForRequests(1));
  const Received request = receiver.received()[0];
  EXPECT_EQ(Header(request, kTimestampHeader), "1700000123");
  EXPECT_EQ(Header(request, kSignatureHeader),
            *CallbackSignature("127.0.0.1", 1700000123, "abcdef0123456789"));
}

TEST_F(NotifierTest, ServerErrorsAreRetriedUntilDelivered) {
  Receiver receiver([](size_t n) { return n < 2 ? 500 : 200; });
  auto notifier = Start();
  notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});

  ASSERT_TRUE(WaitFor([&] { return Delivered() == 1; }, 5s, 5ms));
  EXPECT_EQ(receiver.received().size(), 3u);
  EXPECT_EQ(Retries(), 2);
  EXPECT_EQ(Failed(), 0);
}

TEST_F(NotifierTest, TooManyRequestsIsRetried) {
  Receiver receiver([](size_t n) { return n == 0 ? 429 : 204; });
  auto notifier = Start();
  notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});
  ASSERT_TRUE(WaitFor([&] { return Delivered() == 1; }, 5s, 5ms));
  EXPECT_EQ(receiver.received().size(), 2u);
}

TEST_F(NotifierTest, ClientErrorIsNotRetried) {
  Receiver receiver([](size_t) { return 404; });
  FakeClock clock;
  auto notifier = Start(FastOptions(), clock);
  notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});

  ASSERT_TRUE(WaitFor([&] { return Failed() == 1; }, 5s, 5ms));
  // Past every backoff a wrong retry could wait for; both threads then look
  // at the clock and find nothing to send.
  clock.AdvanceMs(kMaxBackoffMs);
  ASSERT_TRUE(clock.AwaitIdleWaits(6, 10s));
  EXPECT_EQ(receiver.received().size(), 1u);
  EXPECT_EQ(Retries(), 0);
  EXPECT_EQ(Delivered(), 0);
}

TEST_F(NotifierTest, GivesUpAfterMaxRetries) {
  Receiver receiver([](size_t) { return 503; });
  NotifierOptions options = FastOptions();
  options.max_retries = 3;
  auto notifier = Start(options);
  notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});

  ASSERT_TRUE(WaitFor([&] { return Failed() == 1; }, 5s, 5ms));
  EXPECT_EQ(receiver.received().size(), 4u);
  EXPECT_EQ(Retries(), 3);
}

TEST_F(NotifierTest, TimeoutIsRetried) {
  Receiver* receiver_ptr = nullptr;
  Receiver receiver([&](size_t n) {
    if (n == 0) receiver_ptr->Hold(3s);
    return 200;
  });
  receiver_ptr = &receiver;
  NotifierOptions options = FastOptions();
  options.timeout_ms = 200;
  auto notifier = Start(options);
  notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});

  ASSERT_TRUE(WaitFor([&] { return Delivered() == 1; }, 2s, 5ms));
  EXPECT_EQ(receiver.received().size(), 2u);
  EXPECT_EQ(Retries(), 1);
}

TEST_F(NotifierTest, ConnectionRefusedIsRetriedThenFails) {
  std::string url;
  {
    Receiver gone([](size_t) { return 200; });
    url = gone.Url();
  }
  NotifierOptions options = FastOptions();
  options.max_retries = 2;
  auto notifier = Start(options);
  notifier->Enqueue({.url = url, .json_body = "{}"});
  ASSERT_TRUE(WaitFor([&] { return Failed() == 1; }, 5s, 5ms));
  EXPECT_EQ(Retries(), 2);
}

TEST_F(NotifierTest, UnusableUrlFailsAtOnce) {
  auto notifier = Start();
  notifier->Enqueue({.url = "ftp://127.0.0.1/x", .json_body = "{}"});
  notifier->Enqueue({.url = "not a url", .json_body = "{}", .auth_key = "abcdef0123456789"});
  ASSERT_TRUE(WaitFor([&] { return Failed() == 2; }, 5s, 5ms));
  EXPECT_EQ(Retries(), 0);
}

TEST_F(NotifierTest, EnqueueReturnsAtOnceWhenTheReceiverIsSlow) {
  Receiver* receiver_ptr = nullptr;
  Receiver receiver([&](size_t) {
    receiver_ptr->Hold(2s);
    return 200;
  });
  receiver_ptr = &receiver;
  auto notifier = Start();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  ASSERT_TRUE(receiver.WaitForRequests(2));  // both threads are stuck on the receiver
}

TEST_F(NotifierTest, QueueOverflowDropsAndCounts) {
  Receiver* receiver_ptr = nullptr;
  Receiver receiver([&](size_t n) {
    if (n == 0) receiver_ptr->Hold(5s);
    return 200;
  });
  receiver_ptr = &receiver;
  NotifierOptions options = FastOptions();
  options.threads = 1;
  options.max_queue = 2;
  auto notifier = Start(options);
  notifier->Enqueue({.url = receiver.Url(), .json_body = "0"});
  ASSERT_TRUE(receiver.WaitForRequests(1));  // in flight, so no longer queued

  for (int i = 1; i <= 4; ++i) {
    notifier->Enqueue({.url = receiver.Url(), .json_body = std::to_string(i)});
  }
  EXPECT_EQ(Dropped(), 2);
  receiver.Release();
  ASSERT_TRUE(WaitFor([&] { return Delivered() == 3; }, 5s, 5ms));
  std::vector<std::string> bodies;
  for (const Received& request : receiver.received()) bodies.push_back(request.body);
  EXPECT_THAT(bodies, ::testing::ElementsAre("0", "1", "2"));
}

TEST_F(NotifierTest, StopDeliversWhatIsQueuedWithinTheGrace) {
  Receiver* receiver_ptr = nullptr;
  Receiver receiver([&](size_t) {
    receiver_ptr->Hold(20ms);
    return 200;
  });
  receiver_ptr = &receiver;
  NotifierOptions options = FastOptions();
  options.threads = 1;
  auto notifier = Start(options);
  for (int i = 0; i < 10; ++i) notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});

  const auto start = std::chrono::steady_clock::now();
  notifier->Stop(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(receiver.received().size(), 10u);
  EXPECT_EQ(Delivered(), 10);
  EXPECT_EQ(Dropped(), 0);

  notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});
  EXPECT_EQ(Dropped(), 1);
}

TEST_F(NotifierTest, StopWaitsForARetryDueWithinTheGrace) {
  Receiver receiver([](size_t n) { return n == 0 ? 500 : 200; });
  NotifierOptions options = FastOptions();
  options.initial_backoff_ms = 200;
  auto notifier = Start(options);
  notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});
  ASSERT_TRUE(receiver.WaitForRequests(1));

  notifier->Stop(5s);
  EXPECT_EQ(Delivered(), 1);
  EXPECT_EQ(receiver.received().size(), 2u);
}

TEST_F(NotifierTest, StopAbandonsWhatTheGraceCannotCover) {
  Receiver* receiver_ptr = nullptr;
  Receiver receiver([&](size_t) {
    receiver_ptr->Hold(20s);
    return 200;
  });
  receiver_ptr = &receiver;
  NotifierOptions options = FastOptions();
  options.threads = 1;
  options.timeout_ms = 30'000;
  auto notifier = Start(options);
  for (int i = 0; i < 3; ++i) notifier->Enqueue({.url = receiver.Url(), .json_body = "{}"});
  ASSERT_TRUE(receiver.WaitForRequests(1));

  const auto start = std::chrono::steady_clock::now();
  notifier->Stop(200ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 1s);
  EXPECT_EQ(Dropped(), 3);  // the one in flight and the two behind it
  EXPECT_EQ(Delivered(), 0);
}

TEST_F(NotifierTest, StopWithNothingQueuedReturnsAtOnce) {
  auto notifier = Start();
  const auto start = std::chrono::steady_clock::now();
  notifier->Stop(10s);
  notifier->Stop(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
}

TEST_F(NotifierTest, CreateRefusesOptionsOutOfRange) {
  const std::vector<std::function<void(NotifierOptions&)>> breakers = {
      [](NotifierOptions& o) { o.threads = 0; },
      [](NotifierOptions& o) { o.timeout_ms = 0; },
      [](NotifierOptions& o) { o.max_retries = -1; },
      [](NotifierOptions& o) { o.initial_backoff_ms = -1; },
      [](NotifierOptions& o) { o.max_queue = 0; },
  };
  for (const auto& breaker : breakers) {
    NotifierOptions options;
    breaker(options);
    EXPECT_EQ(Notifier::Create(options, registry_, SystemClock::Instance()).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace livesnap::notify
