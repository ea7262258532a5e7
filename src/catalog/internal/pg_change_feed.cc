#include <poll.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "base/status.h"
#include "catalog/change_feed.h"
#include "catalog/internal/pg_conn.h"

namespace livesnap::catalog {
namespace {

using internal::PgConn;

constexpr int kPollMs = 250;  // how soon the thread sees a stop

class PgChangeFeed final : public ChangeFeed {
 public:
  PgChangeFeed(std::string url, std::function<void()> on_change, PgConn conn)
      : url_(std::move(url)), on_change_(std::move(on_change)), conn_(std::move(conn)) {
    listening_ = true;
    thread_ = std::thread([this] { Run(); });
  }
  ~PgChangeFeed() override {
    stop_ = true;
    thread_.join();
  }
  bool listening() const override { return listening_.load(); }

  static absl::StatusOr<PgConn> Listen(const std::string& url) {
    LS_ASSIGN_OR_RETURN(PgConn conn, internal::PgConnect(url), "");
    LS_RETURN_IF_ERROR(internal::PgExec(conn.get(), "LISTEN livesnap_config").status(), "LISTEN");
    return conn;
  }

 private:
  void Run() {
    while (!stop_) {
      if (conn_ == nullptr && !Reconnect()) continue;
      pollfd fd{.fd = PQsocket(conn_.get()), .events = POLLIN, .revents = 0};
      if (fd.fd < 0 || ::poll(&fd, 1, kPollMs) < 0) {
        Lost("no socket");
        continue;
      }
      if (fd.revents == 0) continue;
      if (PQconsumeInput(conn_.get()) == 0 || PQstatus(conn_.get()) != CONNECTION_OK) {
        Lost(PQerrorMessage(conn_.get()));
        continue;
      }
      bool changed = false;
      while (PGnotify* notify = PQnotifies(conn_.get())) {
        changed = true;
        PQfreemem(notify);
      }
      if (changed) on_change_();
    }
  }

  void Lost(const std::string& why) {
    spdlog::warn("catalog: config change feed lost its connection ({}); reconnecting", why);
    conn_.reset();
    listening_ = false;
  }

  // Waits kChangeFeedRetryMs (in short steps, to see a stop) and listens
  // again; the changes missed meanwhile are reported as one.
  bool Reconnect() {
    for (int waited = 0; waited < kChangeFeedRetryMs && !stop_; waited += kPollMs) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    }
    if (stop_) return false;
    absl::StatusOr<PgConn> conn = Listen(url_);
    if (!conn.ok()) return false;
    conn_ = *std::move(conn);
    listening_ = true;
    spdlog::info("catalog: config change feed listens again");
    on_change_();
    return true;
  }

  const std::string url_;
  const std::function<void()> on_change_;
  PgConn conn_;  // used by the thread only; null while reconnecting
  std::atomic<bool> listening_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ChangeFeed>> OpenChangeFeed(std::string_view url,
                                                           std::function<void()> on_change) {
  if (!url.starts_with("postgres://") && !url.starts_with("postgresql://")) return nullptr;
  const std::string text(url);
  LS_ASSIGN_OR_RETURN(PgConn conn, PgChangeFeed::Listen(text), "config change feed");
  return std::make_unique<PgChangeFeed>(text, std::move(on_change), std::move(conn));
}

}  // namespace livesnap::catalog
