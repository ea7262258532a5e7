#include "api/internal/http_listener.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace livesnap::api::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

// After an answer that leaves input unread (413, 400), the socket is read
// and discarded this long or this much before it is closed, so the client
// reads the answer instead of a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerMaxBytes = 4 * 1024 * 1024;
constexpr auto kRefusalWriteTime = std::chrono::seconds(1);

}  // namespace

struct HttpListener::State : std::enable_shared_from_this<HttpListener::State> {
  State(HttpListenerOptions o, HttpHandler h, HttpErrorBody e, HttpCutFn c)
      : options(std::move(o)),
        handler(std::move(h)),
        error_body(std::move(e)),
        on_cut(std::move(c)) {}

  const HttpListenerOptions options;
  const HttpHandler handler;
  const HttpErrorBody error_body;
  const HttpCutFn on_cut;

  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::optional<asio::thread_pool> workers;
  std::thread loop;
  int port = 0;
  bool started = false;   // controlling thread
  bool stopped = false;   // controlling thread
  bool stopping = false;  // event-loop thread

  std::mutex mu;
  std::map<std::string, int> per_ip;  // guarded by mu
  std::set<Session*> sessions;        // guarded by mu

  void Accept();
  void OnAccepted(tcp::socket socket);
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `counted`: holds a place in the per-address and total counts.
  Session(std::shared_ptr<HttpListener::State> state, tcp::socket socket, std::string ip,
          bool counted)
      : state_(std::move(state)),
        stream_(std::move(socket)),
        ip_(std::move(ip)),
        counted_(counted) {
    std::lock_guard lock(state_->mu);
    state_->sessions.insert(this);
    if (counted_) ++state_->per_ip[ip_];
  }
  ~Session() {
    std::lock_guard lock(state_->mu);
    state_->sessions.erase(this);
    if (counted_ && --state_->per_ip[ip_] == 0) state_->per_ip.erase(ip_);
  }

  void Start() { Read(); }

  // Answers `status` and closes: the connection is over a limit.
  void Refuse(int status, std::string_view message) {
    busy_ = true;
    Write(state_->error_body(status, message), false, /*close=*/true, kRefusalWriteTime);
  }

  // Event-loop thread: closes a connection that is not between a request
  // and its answer.
  void CloseIfIdle() {
    if (busy_) return;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  using Millis = std::chrono::milliseconds;

  void Read() {
    busy_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(state_->options.max_header_bytes));
    parser_->body_limit(state_->options.max_body_bytes);
    stream_.expires_after(Millis(state_->options.request_timeout_ms));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (state_->stopping) return;
    busy_ = true;
    stream_.expires_never();  // the handler's time is not the client's
    const auto& message = parser_->get();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    const bool head = message.method() == http::verb::head;
    auto request = std::make_shared<HttpRequest>(ToRequest(parser_->release()));
    // The work guard keeps the loop running until the answer is posted back.
    asio::post(*state_->workers, [self = shared_from_this(), request, head,
                                  work = asio::make_work_guard(state_->io)] {
      HttpResponse response;
      try {
        self->state_->handler(*request, response);
      } catch (const std::exception& e) {
        spdlog::error("API: {} {} failed: {}", request->method, request->path, e.what());
        response = self->state_->error_body(500, "The request processing has failed.");
      }
      asio::post(self->stream_.get_executor(),
                 [self, head, response = std::move(response)]() mutable {
                   self->Write(std::move(response), head, false,
                               Millis(self->state_->options.write_timeout_ms));
                 });
    });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted) return;
    if (ec == beast::error::timeout) {
      // A kept-alive connection that starts no new request is merely idle.
      // The stream closed the socket: nothing can be answered.
      if (served_ > 0 && !parser_->got_some()) return;
      if (state_->on_cut) state_->on_cut("timeout", ip_);
      return;
    }
    if (ec == http::error::body_limit) {
      return Cut("too_large", 413,
                 absl::StrCat("The request body is larger than ", state_->options.max_body_bytes,
                              " bytes."));
    }
    if (ec == http::error::header_limit) {
      return Cut("too_large", 431,
                 absl::StrCat("The request headers are larger than ",
                              state_->options.max_header_bytes, " bytes."));
    }
    if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
      return Cut("malformed", 400, absl::StrCat("The HTTP request is malformed: ", ec.message()));
    }
    // The client went away (reset, EOF inside a request): nothing to answer.
  }

  void Cut(std::string_view reason, int status, std::string_view message) {
    if (state_->on_cut) state_->on_cut(reason, ip_);
    busy_ = true;
    Write(state_->error_body(status, message), false, /*close=*/true,
          Millis(state_->options.write_timeout_ms));
  }

  void Write(HttpResponse response, bool head, bool close, Millis timeout) {
    close = close || !keep_alive_ || state_->stopping;
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    for (auto& [name, value] : response.headers) message->set(name, value);
    const size_t length = response.body.size();
    message->body() = std::move(response.body);
    message->keep_alive(!close);
    message->prepare_payload();
    if (head) {
      message->body().clear();
      message->content_length(length);
    }
    stream_.expires_after(timeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message, close](beast::error_code ec, size_t) {
                        self->OnWrite(ec, close);
                      });
  }

  void OnWrite(beast::error_code ec, bool close) {
    if (ec) return;
    ++served_;
    if (close && state_->stopping) {
      beast::error_code ignored;
      stream_.socket().close(ignored);
      return;
    }
    if (close) return Linger();
    Read();
  }

  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    busy_ = false;
    stream_.expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->drained_ += bytes;
                              if (ec || self->drained_ > kLingerMaxBytes) return;
                              self->Drain();
                            });
  }

  HttpRequest ToRequest(http::request<http::string_body> message) const {
    HttpRequest request;
    request.method = std::string(message.method_string());
    const std::string_view target(message.target().data(), message.target().size());
    const size_t question = target.find('?');
    request.path = DecodeUrl(target.substr(0, question), false);
    if (question != std::string_view::npos) ParseQuery(target.substr(question + 1), request.params);
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    if (request.method == "POST" &&
        absl::StartsWithIgnoreCase(request.Header("Content-Type"),
                                   "application/x-www-form-urlencoded")) {
      ParseQuery(request.body, request.params);
    }
    request.remote_ip = ip_;
    return request;
  }

  const std::shared_ptr<HttpListener::State> state_;
  beast::tcp_stream stream_;
  const std::string ip_;
  const bool counted_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 16 * 1024> scratch_{};
  size_t drained_ = 0;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  int served_ = 0;
  bool busy_ = false;  // between a request read and its answer written
};

}  // namespace

void HttpListener::State::Accept() {
  acceptor.async_accept(
      [this, self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || stopping || !acceptor.is_open()) return;
        if (ec) {
          // Out of descriptors, most likely: wait instead of spinning.
          spdlog::warn("API: accept failed: {}", ec.message());
          accept_retry.expires_after(std::chrono::milliseconds(100));
          accept_retry.async_wait([this](beast::error_code wait) {
            if (!wait) Accept();
          });
          return;
        }
        OnAccepted(std::move(socket));
        Accept();
      });
}

void HttpListener::State::OnAccepted(tcp::socket socket) {
  beast::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return;
  // Headers and body go out in separate writes; without this, Nagle holds
  // the body until the client's delayed ACK.
  socket.set_option(tcp::no_delay(true), ec);
  const std::string ip = remote.address().to_string();
  std::string_view over;
  {
    std::lock_guard lock(mu);
    if (static_cast<int>(sessions.size()) >= options.max_connections) {
      over = "max_connections";
    } else if (auto it = per_ip.find(ip);
               it != per_ip.end() && it->second >= options.max_connections_per_ip) {
      over = "per_ip_limit";
    }
  }
  const bool counted = over.empty();
  auto session = std::make_shared<Session>(shared_from_this(), std::move(socket), ip, counted);
  if (counted) return session->Start();
  if (on_cut) on_cut(over, ip);
  session->Refuse(503, over == "per_ip_limit"
                           ? absl::StrCat("Too many connections from ", ip, " (at most ",
                                          options.max_connections_per_ip, ").")
                           : std::string("Too many connections."));
}

HttpListener::HttpListener(HttpListenerOptions options, HttpHandler handler,
                           HttpErrorBody error_body, HttpCutFn on_cut)
    : state_(std::make_shared<State>(std::move(options), std::move(handler), std::move(error_body),
                                     std::move(on_cut))) {}

HttpListener::~HttpListener() { Stop(); }

int HttpListener::port() const { return state_->port; }

absl::Status HttpListener::Bind() {
  State& s = *state_;
  beast::error_code ec;
  tcp::resolver resolver(s.io);
  const auto endpoints =
      resolver.resolve(s.options.host, std::to_string(s.options.port), tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", s.options.host, ": ", ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  const std::string where = absl::StrCat(s.options.host, ":", s.options.port);
  if (s.acceptor.open(endpoint.protocol(), ec); ec) {
    return absl::UnavailableError(absl::StrCat("cannot open a socket: ", ec.message()));
  }
  s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (s.acceptor.bind(endpoint, ec); ec) {
    return absl::UnavailableError(absl::StrCat("cannot bind the API to ", where, ": ", ec.message(),
                                               " (in use, or the address is not local)"));
  }
  if (s.acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", where, ": ", ec.message()));
  }
  s.port = s.acceptor.local_endpoint(ec).port();
  return absl::OkStatus();
}

void HttpListener::Start() {
  State& s = *state_;
  if (s.started || s.stopped) return;
  s.started = true;
  s.workers.emplace(static_cast<size_t>(std::max(1, s.options.worker_threads)));
  s.guard.emplace(asio::make_work_guard(s.io));
  s.Accept();
  s.loop = std::thread([state = state_] { state->io.run(); });
}

void HttpListener::Stop() {
  State& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  if (!s.started) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return;
  }
  asio::post(s.io, [state = state_] {
    state->stopping = true;
    beast::error_code ignored;
    state->acceptor.close(ignored);
    state->accept_retry.cancel();
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard lock(state->mu);
      for (Session* session : state->sessions) {
        if (auto alive = session->weak_from_this().lock()) open.push_back(std::move(alive));
      }
    }
    for (const auto& session : open) session->CloseIfIdle();
  });
  // The loop ends once every connection is closed: requests in the
  // workers hold it until their answers are written.
  s.guard.reset();
  s.loop.join();
  s.workers->join();
}

}  // namespace livesnap::api::internal
