#include "hub/http/http_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <limits>
#include <optional>
#include <thread>
#include <type_traits>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/event_log.h"
#include "common/file_util.h"
#include "common/net_address.h"
#include "common/status_macros.h"
#include "common/work_pool.h"

namespace truc::hub {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr size_t kHeaderLimit = 16 * 1024;
constexpr size_t kLiveQueueLimit = 1 << 20;
constexpr int kEventLoops = 2;
constexpr absl::Duration kRefusalLogEvery = absl::Seconds(10);

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

// A closed or timed-out connection, as opposed to a request that is wrong.
bool Gone(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == net::error::eof || ec == net::error::operation_aborted ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::bad_descriptor ||
         ec == http::error::partial_message ||
         ec.category() == net::error::get_ssl_category() ||
         ec == net::ssl::error::stream_truncated;
}

// What every connection shares with the server, whatever its stream.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Closes the socket from its own strand.
  virtual void CloseSoon() = 0;
};

}  // namespace

class HttpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(HttpServerOptions o, HttpHandler h)
      : options(std::move(o)),
        handler(std::move(h)),
        // The acceptor, its retry timer and Stop's closing of it take
        // turns on one strand, whichever loop runs them.
        accepting(net::make_strand(ioc)),
        acceptor(accepting),
        retry(accepting),
        guard(net::make_work_guard(ioc)) {}

  absl::Status SetUpTls();
  absl::Status Bind();
  void Accept();
  void OnAccept(const beast::error_code& ec, tcp::socket socket);
  // Counts a connection from `ip`; false (and logged) when over a cap.
  bool Admit(const std::string& ip);
  void Release(const std::string& ip, ConnectionBase* c);
  void Stop();

  HttpResponse Error(const absl::Status& why, int status) const {
    if (options.error) return options.error(why, status);
    HttpResponse r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = absl::StrCat(why.message(), "\n");
    return r;
  }

  HttpServerOptions options;
  HttpHandler handler;
  net::io_context ioc{kEventLoops};
  std::optional<ssl::context> tls;
  net::strand<net::io_context::executor_type> accepting;
  tcp::acceptor acceptor;
  net::steady_timer retry;
  net::executor_work_guard<net::io_context::executor_type> guard;
  std::vector<std::thread> loops;
  std::unique_ptr<WorkPool> pool;
  int port = 0;
  std::atomic<bool> stopping{false};

  mutable absl::Mutex mu;
  uint32_t open ABSL_GUARDED_BY(mu) = 0;
  absl::flat_hash_map<std::string, uint32_t> per_client ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> live
      ABSL_GUARDED_BY(mu);
  uint64_t refused_total ABSL_GUARDED_BY(mu) = 0;
  uint64_t refused_client ABSL_GUARDED_BY(mu) = 0;
  std::string refused_last ABSL_GUARDED_BY(mu);
  absl::Time refusal_logged ABSL_GUARDED_BY(mu) = absl::InfinitePast();

  template <class Stream>
  friend class Connection;
};

namespace {

// One client connection: reads requests, hands each whole request to a
// worker, writes the answers; for a live answer, it is also the stream the
// door writes to. Everything on the socket happens on its strand.
template <class Stream>
class Connection : public ConnectionBase,
                   public HttpStream,
                   public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  using HttpServerImpl = HttpServer::Impl;

 public:
  Connection(std::shared_ptr<HttpServerImpl> server, tcp::socket&& socket,
             std::string ip, std::string remote)
      : server_(std::move(server)),
        stream_(MakeStream(std::move(socket),
                           server_->tls ? &*server_->tls : nullptr)),
        ip_(std::move(ip)),
        remote_(std::move(remote)) {}

  ~Connection() override { server_->Release(ip_, this); }

  void Start() {
    net::dispatch(stream_.get_executor(),
                  [self = this->shared_from_this()] { self->Begin(); });
  }

  void CloseSoon() override {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this()] { self->Close(); });
  }

  // HttpStream.
  bool Send(std::string bytes) override {
    {
      absl::MutexLock lock(&live_mu_);
      if (!live_open_ || ended_) return false;
      if (queued_bytes_ + bytes.size() > kLiveQueueLimit) {
        live_open_ = false;
      } else {
        queued_bytes_ += bytes.size();
        queue_.push_back(std::move(bytes));
        if (writing_) return true;
        writing_ = true;
      }
    }
    if (!open()) {
      CloseSoon();
      return false;
    }
    net::post(stream_.get_executor(),
              [self = this->shared_from_this()] { self->Pump(); });
    return true;
  }

  void End() override {
    {
      absl::MutexLock lock(&live_mu_);
      if (!live_open_ || ended_) return;
      ended_ = true;
      if (writing_) return;
      writing_ = true;
    }
    net::post(stream_.get_executor(),
              [self = this->shared_from_this()] { self->Pump(); });
  }

  bool open() const override {
    absl::MutexLock lock(&live_mu_);
    return live_open_;
  }

 private:
  static Stream MakeStream(tcp::socket&& socket, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      (void)tls;
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }
  std::chrono::seconds Seconds(uint32_t s) const {
    return std::chrono::seconds(s);
  }
  const HttpLimits& Limits() const { return server_->options.limits; }

  void Begin() {
    if constexpr (kTls) {
      Lowest().expires_after(Seconds(Limits().handshake_timeout_seconds));
      stream_.async_handshake(
          ssl::stream_base::server,
          [self = this->shared_from_this()](const beast::error_code& ec) {
            if (ec) return self->Close();
            self->ReadHeader(self->Limits().header_timeout_seconds);
          });
    } else {
      ReadHeader(Limits().header_timeout_seconds);
    }
  }

  // Waits for the next request's headers, whole within `seconds`.
  void ReadHeader(uint32_t seconds) {
    header_.emplace();
    header_->header_limit(kHeaderLimit);
    // The body's limit is the door's, checked once the headers are read.
    // (Not boost::none: Boost 1.74 compares a length with it as if it were
    // the smallest limit.)
    header_->body_limit(std::numeric_limits<std::uint64_t>::max());
    body_.reset();
    sink_.reset();
    request_ = HttpRequest();
    closing_ = false;
    Lowest().expires_after(Seconds(seconds));
    http::async_read_header(
        stream_, buffer_, *header_,
        [self = this->shared_from_this()](const beast::error_code& ec, size_t) {
          self->OnHeader(ec);
        });
  }

  void OnHeader(const beast::error_code& ec) {
    if (ec == http::error::header_limit) {
      return Refuse(
          absl::InvalidArgumentError(absl::StrCat(
              "the request's headers are over ", kHeaderLimit, " bytes")),
          431);
    }
    if (ec && Gone(ec)) return Close();
    if (ec) {
      return Refuse(absl::InvalidArgumentError(absl::StrCat(
                        "the request is not HTTP/1.1: ", ec.message())),
                    400);
    }
    const auto& h = header_->get();
    request_.method = std::string(h.method_string());
    SplitTarget(std::string(h.target()), &request_.path, &request_.query);
    for (const auto& field : h) {
      request_
          .headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    request_.remote = remote_;
    keep_alive_ = h.keep_alive();

    const auto& o = server_->options;
    const uint64_t limit =
        o.body_sink ? o.max_sink_body_bytes : o.max_body_bytes;
    if (header_->content_length() && *header_->content_length() > limit) {
      return Refuse(TooLarge(limit), 413);
    }
    body_.emplace(std::move(*header_));
    header_.reset();
    body_->body_limit(limit);
    if (body_->is_done()) return Dispatch();
    if (o.body_sink) {
      auto sink = o.body_sink(request_);
      if (!sink.ok()) {
        return Refuse(sink.status(),
                      absl::IsResourceExhausted(sink.status()) ? 413 : 400);
      }
      sink_ = *std::move(sink);
    }
    if (absl::EqualsIgnoreCase(request_.headers["expect"], "100-continue")) {
      static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      Lowest().expires_after(Seconds(Limits().io_timeout_seconds));
      return net::async_write(stream_,
                              net::buffer(kContinue, sizeof(kContinue) - 1),
                              [self = this->shared_from_this()](
                                  const beast::error_code& ec, size_t) {
                                if (ec) return self->Close();
                                self->ReadBody();
                              });
    }
    ReadBody();
  }

  absl::Status TooLarge(uint64_t limit) const {
    return absl::ResourceExhaustedError(
        absl::StrCat("the body is over ", limit, " bytes; nothing was stored"));
  }

  // Reads the body piece by piece, each within io_timeout.
  void ReadBody() {
    Lowest().expires_after(Seconds(Limits().io_timeout_seconds));
    http::async_read_some(
        stream_, buffer_, *body_,
        [self = this->shared_from_this()](const beast::error_code& ec, size_t) {
          self->OnBody(ec);
        });
  }

  void OnBody(const beast::error_code& ec) {
    const auto& o = server_->options;
    if (ec == http::error::body_limit) {
      return Refuse(
          TooLarge(o.body_sink ? o.max_sink_body_bytes : o.max_body_bytes),
          413);
    }
    if (ec && Gone(ec)) return Close();
    if (ec) {
      return Refuse(absl::InvalidArgumentError(absl::StrCat(
                        "the request's body does not parse: ", ec.message())),
                    400);
    }
    if (sink_ != nullptr) {
      std::string& piece = body_->get().body();
      if (!piece.empty()) {
        absl::Status written = sink_->Write(piece.data(), piece.size());
        piece.clear();
        if (!written.ok()) {
          return Refuse(written,
                        absl::IsResourceExhausted(written) ? 413 : 400);
        }
      }
    }
    if (body_->is_done()) return Dispatch();
    ReadBody();
  }

  // The request is whole: the handler runs on a worker.
  void Dispatch() {
    Lowest().expires_never();
    if (sink_ == nullptr) request_.body = std::move(body_->get().body());
    server_->pool->Run([self = this->shared_from_this()] { self->Handle(); });
  }

  // On a worker thread.
  void Handle() {
    std::optional<HttpResponse> answer;
    if (sink_ != nullptr) {
      absl::Status finished = sink_->Finish(request_);
      sink_.reset();
      if (!finished.ok()) {
        answer = server_->Error(finished, absl::IsResourceExhausted(finished)
                                              ? 413
                                              : HttpStatusFor(finished.code()));
      }
    }
    if (!answer) {
      try {
        answer = server_->handler(request_);
      } catch (const std::exception& e) {
        LogEvent("http_error", {{"door", server_->options.what},
                                {"path", request_.path},
                                {"reason", e.what()}});
        answer = server_->Error(absl::InternalError("exception"), 500);
      }
    }
    if (answer->stream) return StreamFromWorker(std::move(*answer));
    net::post(stream_.get_executor(), [self = this->shared_from_this(),
                                       a = std::move(*answer)]() mutable {
      self->Write(std::move(a));
    });
  }

  template <class Message>
  void Headers(Message& res, const HttpResponse& answer) const {
    for (const auto& [name, value] : server_->options.headers) {
      res.set(name, value);
    }
    for (const auto& [name, value] : answer.headers) res.set(name, value);
    res.set(http::field::content_type, answer.content_type);
    res.keep_alive(keep_alive_ && !closing_ && !server_->stopping.load());
  }

  // Answers an error the server found itself, then closes the connection
  // after reading away what the client still sends (so that it reads the
  // answer), for at most io_timeout.
  void Refuse(const absl::Status& why, int status) {
    closing_ = true;
    drain_ = true;
    sink_.reset();
    Write(server_->Error(why, status));
  }

  void Write(HttpResponse answer) {
    if (answer.live) return WriteLive(std::move(answer));
    if (request_.method == "HEAD") {
      // The headers of the answer to GET, without its body.
      auto res = std::make_shared<http::response<http::empty_body>>(
          static_cast<http::status>(answer.status), 11);
      Headers(*res, answer);
      res->content_length(answer.body.size());
      Lowest().expires_after(Seconds(Limits().io_timeout_seconds));
      return http::async_write(stream_, *res,
                               [self = this->shared_from_this(), res](
                                   const beast::error_code& ec, size_t) {
                                 self->OnWritten(ec, res->keep_alive());
                               });
    }
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(answer.status), 11);
    Headers(*res, answer);
    res->body() = std::move(answer.body);
    res->prepare_payload();
    Lowest().expires_after(Seconds(Limits().io_timeout_seconds));
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](
                          const beast::error_code& ec, size_t) {
                        self->OnWritten(ec, res->keep_alive());
                      });
  }

  void OnWritten(const beast::error_code& ec, bool keep_alive) {
    if (ec) return Close();
    if (drain_) return Drain();
    if (keep_alive) return ReadHeader(Limits().keep_alive_seconds);
    Shutdown();
  }

  void Drain() {
    Lowest().expires_after(Seconds(Limits().io_timeout_seconds));
    scratch_ = std::make_unique<char[]>(kScratchBytes);
    DrainSome();
  }
  void DrainSome() {
    stream_.async_read_some(
        net::buffer(scratch_.get(), kScratchBytes),
        [self = this->shared_from_this()](const beast::error_code& ec, size_t) {
          if (ec) return self->Close();
          self->DrainSome();
        });
  }

  // Runs `start(done)` on the strand and waits (on a worker) for `done`,
  // at most io_timeout and a little.
  beast::error_code OnStrand(
      std::function<void(std::function<void(beast::error_code)>)> start) {
    auto done = std::make_shared<std::promise<beast::error_code>>();
    std::future<beast::error_code> result = done->get_future();
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), start, done] {
                self->Lowest().expires_after(
                    self->Seconds(self->Limits().io_timeout_seconds));
                start([done](beast::error_code ec) { done->set_value(ec); });
              });
    if (result.wait_for(Seconds(Limits().io_timeout_seconds + 5)) !=
        std::future_status::ready) {
      // The stream's own deadline should have ended it: close the socket,
      // and wait for the write to give up, since it reads what `start`
      // points to on this thread's stack.
      CloseSoon();
      result.wait();
      return beast::error::timeout;
    }
    return result.get();
  }

  // An answer the door writes as it produces it (a file streamed out):
  // the worker waits for each piece to be written.
  void StreamFromWorker(HttpResponse answer) {
    http::response<http::empty_body> res{
        static_cast<http::status>(answer.status), 11};
    Headers(res, answer);
    res.chunked(true);
    http::response_serializer<http::empty_body> serializer{res};
    beast::error_code ec = OnStrand([&](auto done) {
      http::async_write_header(
          stream_, serializer,
          [done](const beast::error_code& e, size_t) { done(e); });
    });
    if (!ec) {
      absl::Status streamed = answer.stream([&](const char* data, size_t n) {
        if (n == 0) return true;
        ec = OnStrand([&](auto done) {
          net::async_write(
              stream_, http::make_chunk(net::const_buffer(data, n)),
              [done](const beast::error_code& e, size_t) { done(e); });
        });
        return !ec;
      });
      if (!streamed.ok()) {
        LogEvent("http_stream_failed",
                 {{"door", server_->options.what},
                  {"path", request_.path},
                  {"error", std::string(streamed.message())}});
        if (!ec) ec = net::error::operation_aborted;
      }
    }
    if (!ec) {
      ec = OnStrand([&](auto done) {
        net::async_write(
            stream_, http::make_chunk_last(),
            [done](const beast::error_code& e, size_t) { done(e); });
      });
    }
    const bool keep = res.keep_alive();
    net::post(stream_.get_executor(), [self = this->shared_from_this(), ec,
                                       keep] { self->OnWritten(ec, keep); });
  }

  // A live answer: the headers, then what the door Sends, as chunks.
  void WriteLive(HttpResponse answer) {
    live_res_.emplace(static_cast<http::status>(answer.status), 11);
    Headers(*live_res_, answer);
    live_res_->keep_alive(false);
    live_res_->chunked(true);
    live_serializer_.emplace(*live_res_);
    Lowest().expires_after(Seconds(Limits().io_timeout_seconds));
    http::async_write_header(
        stream_, *live_serializer_,
        [self = this->shared_from_this(), live = std::move(answer.live)](
            const beast::error_code& ec, size_t) {
          if (ec) {
            // The door still hears of it, through a closed stream.
            self->Close();
            return live(self);
          }
          self->Lowest().expires_never();
          {
            absl::MutexLock lock(&self->live_mu_);
            self->live_open_ = !self->closed_;
          }
          self->WatchForClose();
          live(self);
        });
  }

  // A live answer's client sends nothing more; a read stays pending so that
  // its leaving (or anything it sends) closes the connection at once, and
  // the door sees a closed stream without waiting to write to it.
  void WatchForClose() {
    stream_.async_read_some(
        net::buffer(watch_),
        [self = this->shared_from_this()](const beast::error_code&, size_t) {
          self->Close();
        });
  }

  // On the strand: writes the next queued piece, or the end.
  void Pump() {
    bool end = false;
    {
      absl::MutexLock lock(&live_mu_);
      if (closed_) return;
      if (queue_.empty()) {
        if (!ended_) {
          writing_ = false;
          return;
        }
        end = true;
      } else {
        current_ = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= current_.size();
      }
    }
    Lowest().expires_after(Seconds(Limits().io_timeout_seconds));
    auto next = [self = this->shared_from_this(), end](
                    const beast::error_code& ec, size_t) {
      self->Lowest().expires_never();
      if (ec || end) return end && !ec ? self->Shutdown() : self->Close();
      self->Pump();
    };
    if (end) {
      net::async_write(stream_, http::make_chunk_last(), std::move(next));
    } else {
      net::async_write(stream_, http::make_chunk(net::buffer(current_)),
                       std::move(next));
    }
  }

  // Ends the connection politely (TLS close_notify), within a second.
  void Shutdown() {
    if constexpr (kTls) {
      Lowest().expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = this->shared_from_this()](
                                 const beast::error_code&) { self->Close(); });
    } else {
      beast::error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      Close();
    }
  }

  void Close() {
    {
      absl::MutexLock lock(&live_mu_);
      if (closed_) return;
      closed_ = true;
      live_open_ = false;
      queue_.clear();
    }
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  const std::shared_ptr<HttpServerImpl> server_;
  Stream stream_;
  const std::string ip_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_;
  std::optional<http::request_parser<http::string_body>> body_;
  std::unique_ptr<HttpBodySink> sink_;
  HttpRequest request_;
  bool keep_alive_ = false;
  bool closing_ = false;
  bool drain_ = false;
  // What a refused request still sends is read here and dropped.
  static constexpr size_t kScratchBytes = 16 * 1024;
  std::unique_ptr<char[]> scratch_;

  std::array<char, 64> watch_;
  std::optional<http::response<http::empty_body>> live_res_;
  std::optional<http::response_serializer<http::empty_body>> live_serializer_;
  std::string current_;
  mutable absl::Mutex live_mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(live_mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(live_mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(live_mu_) = false;
  bool ended_ ABSL_GUARDED_BY(live_mu_) = false;
  bool live_open_ ABSL_GUARDED_BY(live_mu_) = false;
  bool closed_ ABSL_GUARDED_BY(live_mu_) = false;
};

}  // namespace

absl::Status HttpServer::Impl::SetUpTls() {
  tls.emplace(ssl::context::tls_server);
  SSL_CTX* ctx = tls->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // A connection between reads (a live board, mostly) gives its 16 KiB
  // record buffers back: a thousand open boards cost tens of MiB less.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_cert_cb(
      ctx,
      [](SSL* ssl, void* arg) -> int {
        const std::shared_ptr<const Signer> pair =
            (*static_cast<const CurrentPair*>(arg))();
        if (pair == nullptr) return 0;
        // SSL_use_cert_and_key takes its own references.
        return SSL_use_cert_and_key(ssl, pair->certificate().x509(),
                                    pair->private_key(), nullptr, 1) == 1
                   ? 1
                   : 0;
      },
      const_cast<CurrentPair*>(options.tls));
  if (!options.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, options.client_ca_file.c_str(),
                                      nullptr) != 1) {
      return absl::InternalError(
          absl::StrCat(options.what, ": cannot set up TLS: the client CA ",
                       options.client_ca_file, ": ", OpenSslError()));
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  }
  return absl::OkStatus();
}

absl::Status HttpServer::Impl::Bind() {
  TRUC_ASSIGN_OR_RETURN(HostPort hp,
                        ParseHostPort(options.address, options.address_field,
                                      PortZero::kPicksAFreePort));
  const auto unavailable = [&](const std::string& why) {
    return absl::UnavailableError(absl::StrCat(
        options.what, ": cannot listen on ", options.address, " (", why, ")"));
  };
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto found = resolver.resolve(hp.host, std::to_string(hp.port),
                                tcp::resolver::passive, ec);
  if (ec || found.empty()) {
    return unavailable(absl::StrCat("not an address of this machine: ",
                                    ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = found.begin()->endpoint();
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return unavailable(
        ec == net::error::address_in_use
            ? "address in use"
            : absl::StrCat("not an address of this machine: ", ec.message()));
  }
  port = acceptor.local_endpoint().port();
  return absl::OkStatus();
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        [self = shared_from_this()](const beast::error_code& ec,
                                                    tcp::socket socket) {
                          self->OnAccept(ec, std::move(socket));
                        });
}

void HttpServer::Impl::OnAccept(const beast::error_code& ec,
                                tcp::socket socket) {
  if (stopping.load() || !acceptor.is_open()) return;
  if (ec) {
    // Out of descriptors or memory: wait a little rather than spin.
    LogEvent("http_accept_failed",
             {{"door", options.what}, {"error", ec.message()}});
    retry.expires_after(std::chrono::milliseconds(100));
    retry.async_wait([self = shared_from_this()](const beast::error_code& e) {
      if (!e) self->Accept();
    });
    return;
  }
  beast::error_code peer_ec;
  const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
  if (peer_ec) {
    Accept();
    return;
  }
  std::string ip = peer.address().to_string();
  // Answers and live events are small writes: without this, Nagle's
  // algorithm holds each behind the client's delayed ACK (40 ms).
  beast::error_code nodelay_ec;
  socket.set_option(tcp::no_delay(true), nodelay_ec);
  if (!Admit(ip)) {
    beast::error_code ignored;
    socket.close(ignored);
    Accept();
    return;
  }
  std::string remote = absl::StrCat(ip, ":", peer.port());
  std::shared_ptr<ConnectionBase> base;
  if (tls) {
    auto c = std::make_shared<Connection<TlsStream>>(
        shared_from_this(), std::move(socket), ip, std::move(remote));
    base = c;
    {
      absl::MutexLock lock(&mu);
      live[c.get()] = base;
    }
    c->Start();
  } else {
    auto c = std::make_shared<Connection<beast::tcp_stream>>(
        shared_from_this(), std::move(socket), ip, std::move(remote));
    base = c;
    {
      absl::MutexLock lock(&mu);
      live[c.get()] = base;
    }
    c->Start();
  }
  Accept();
}

bool HttpServer::Impl::Admit(const std::string& ip) {
  absl::MutexLock lock(&mu);
  const HttpLimits& l = options.limits;
  uint32_t& mine = per_client[ip];
  const bool over_total = open >= l.max_connections;
  const bool over_client = mine >= l.max_connections_per_client;
  if (!over_total && !over_client) {
    ++mine;
    ++open;
    return true;
  }
  if (mine == 0) per_client.erase(ip);
  (over_total ? refused_total : refused_client) += 1;
  refused_last = ip;
  const absl::Time now = absl::Now();
  if (now - refusal_logged >= kRefusalLogEvery) {
    refusal_logged = now;
    LogEvent("http_connections_refused",
             {{"door", options.what},
              {"over_total_cap", absl::StrCat(refused_total)},
              {"over_client_cap", absl::StrCat(refused_client)},
              {"last_client", refused_last},
              {"max_connections", absl::StrCat(l.max_connections)},
              {"max_connections_per_client",
               absl::StrCat(l.max_connections_per_client)}});
    refused_total = 0;
    refused_client = 0;
  }
  return false;
}

void HttpServer::Impl::Release(const std::string& ip, ConnectionBase* c) {
  absl::MutexLock lock(&mu);
  live.erase(c);
  --open;
  auto it = per_client.find(ip);
  if (it != per_client.end() && --it->second == 0) per_client.erase(it);
}

void HttpServer::Impl::Stop() {
  if (stopping.exchange(true)) return;
  net::post(acceptor.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor.close(ignored);
    self->retry.cancel();
  });
  std::vector<std::shared_ptr<ConnectionBase>> open_now;
  {
    absl::MutexLock lock(&mu);
    for (const auto& [raw, weak] : live) {
      if (auto c = weak.lock()) open_now.push_back(std::move(c));
    }
  }
  for (const auto& c : open_now) c->CloseSoon();
  open_now.clear();
  // Handlers running finish; what they write fails at once.
  pool->Shutdown();
  guard.reset();
  // The loops end once nothing is pending; a connection a door still
  // holds (a live answer) has nothing pending once closed.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!ioc.stopped() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ioc.stop();
  for (std::thread& t : loops) t.join();
  loops.clear();
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpServerOptions options, HttpHandler handler) {
  const HttpLimits& l = options.limits;
  if (l.max_connections == 0 || l.max_connections_per_client == 0 ||
      l.handshake_timeout_seconds == 0 || l.header_timeout_seconds == 0 ||
      l.keep_alive_seconds == 0 || l.io_timeout_seconds == 0 ||
      l.worker_threads == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.what, ": every web door limit must be above 0"));
  }
  auto impl = std::make_shared<Impl>(std::move(options), std::move(handler));
  if (impl->options.tls != nullptr) TRUC_RETURN_IF_ERROR(impl->SetUpTls());
  TRUC_RETURN_IF_ERROR(impl->Bind());
  impl->pool = std::make_unique<WorkPool>(
      static_cast<int>(impl->options.limits.worker_threads), "truc-http");
  impl->Accept();
  for (int i = 0; i < kEventLoops; ++i) {
    impl->loops.emplace_back([raw = impl.get()] {
      pthread_setname_np(pthread_self(), "truc-http-loop");
      raw->ioc.run();
    });
  }
  std::unique_ptr<HttpServer> server(new HttpServer(impl));
  if (!impl->options.port_file.empty()) {
    absl::Status written = WriteFileDurably(impl->options.port_file,
                                            absl::StrCat(impl->port, "\n"));
    if (!written.ok()) {
      server->Stop();
      return written;
    }
  }
  return server;
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }

uint32_t HttpServer::connections() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->open;
}

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace truc::hub
