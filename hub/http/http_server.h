// HttpServer: one of the hub's web doors (the console, the national axis's
// API, the metrics), HTTP/1.1 over TLS (OpenSSL) or plain TCP, served by
// Boost.Beast on Boost.Asio. It is built so that one client's idle, slow or
// many connections cannot take the door away from the others:
//
// - Connections are asynchronous on a few event-loop threads: a connection
//   that has sent nothing, or is sending slowly, holds no thread, only its
//   socket and buffers (a few KiB).
// - Deadlines are totals, not per byte: the TLS handshake must end within
//   handshake_timeout; a request's headers must be whole within
//   header_timeout of the connection's opening (keep_alive after the
//   previous answer), however slowly they trickle in; each piece of a body
//   and of an answer within io_timeout. A connection past its deadline is
//   closed.
// - Caps: connections open at once, in total and per client address. One
//   over a cap is closed at once, before its handshake, and counted in the
//   log (one line per door every 10 s at most).
// - The door's handler (which may read the store or wait for the disk)
//   runs on a pool of worker threads once a request is whole; the loops
//   never wait for it.
// - A live answer (server-sent events) is written by the loops from a
//   queue the door fills through HttpStream: an open board costs a
//   connection and a queue, not a thread.
//
// Thread-safety: Start and Stop from one controlling thread; the handler
// runs on any worker thread, concurrently; HttpStream's methods are
// thread-safe.
#ifndef TRUC_HUB_HTTP_HTTP_SERVER_H_
#define TRUC_HUB_HTTP_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/signature.h"
#include "hub/http/http_types.h"

namespace truc::hub {

// The pair a TLS door presents, asked at each handshake, so that a renewed
// certificate is served as soon as the hub has reloaded it.
using CurrentPair = std::function<std::shared_ptr<const Signer>()>;

// How much a door holds at once and how long it waits. The hub's config
// (`web_doors`) sets them for every door; the defaults are the config's.
struct HttpLimits {
  uint32_t max_connections = 4096;            // open at once, in total
  uint32_t max_connections_per_client = 256;  // from one client address
  uint32_t handshake_timeout_seconds = 5;     // the TLS handshake, whole
  uint32_t header_timeout_seconds = 5;        // a request's headers, whole
  uint32_t keep_alive_seconds = 5;            // idle between requests
  uint32_t io_timeout_seconds = 30;           // each piece of a body/answer
  uint32_t worker_threads = 8;                // handlers running at once
};

// Receives a request's body as it arrives, for a door whose bodies may be
// too large for memory (the national axis's API: a file to disk, parsed as
// it comes). Made on an event-loop thread after the headers; Write is
// called there with each piece (it must not wait long: a buffered file
// write is fine, an fsync is not); Finish on a worker thread once the body
// is whole, before the handler. Destroyed without Finish when the request
// fails: it must then drop what it wrote.
class HttpBodySink {
 public:
  virtual ~HttpBodySink() = default;
  // RESOURCE_EXHAUSTED: answered 413; any other error: answered 400 with
  // its message. Either way nothing more is read.
  virtual absl::Status Write(const char* data, size_t n) = 0;
  // Completes `request` (its body or body_file); an error is answered.
  virtual absl::Status Finish(HttpRequest& request) = 0;
};

// One live answer's writer: what the door Sends is written to the client
// in order, as chunks of the answer's body.
class HttpStream {
 public:
  virtual ~HttpStream() = default;
  // Queues `bytes`. False once the connection is gone (the client left, a
  // write timed out, the server stops) or when the client reads so slowly
  // that over 1 MiB waits: the connection is then closed.
  virtual bool Send(std::string bytes) = 0;
  // Writes what is queued, ends the answer and closes the connection.
  virtual void End() = 0;
  virtual bool open() const = 0;
};

struct HttpServerOptions {
  std::string what;           // "console": in messages and the log
  std::string address;        // HOST:PORT; port 0 picks a free one
  std::string address_field;  // "console.listen_address", for errors
  std::string port_file;      // where the bound port is written, if set
  // TLS when set (must outlive the server); plain HTTP otherwise.
  const CurrentPair* tls = nullptr;
  // With TLS: a client must present a certificate that chains to this CA.
  std::string client_ca_file;
  HttpLimits limits;
  // Bodies larger than this are answered 413 (unless `body_sink` takes
  // them, up to max_sink_body_bytes).
  uint64_t max_body_bytes = 1 << 20;
  // When set, every body goes to a sink the door makes for the request
  // (nullptr: the body is read into memory as above).
  std::function<absl::StatusOr<std::unique_ptr<HttpBodySink>>(
      const HttpRequest&)>
      body_sink;
  uint64_t max_sink_body_bytes = 0;
  // Added to every answer, including the server's own errors.
  std::vector<std::pair<std::string, std::string>> headers;
  // The door's answer for an error the server raises itself (413, 400 for
  // a request that does not parse, 500 for a handler that threw).
  std::function<HttpResponse(const absl::Status&, int http_status)> error;
};

// The door's logic: a whole request in, an answer out. A live answer sets
// HttpResponse::live, which the server calls (on a loop thread, so it must
// not block) once the answer's headers are queued.
using HttpHandler = std::function<HttpResponse(HttpRequest&)>;

class HttpServer {
 public:
  // Binds options.address and serves `handler`. INVALID_ARGUMENT for a
  // malformed address or option, UNAVAILABLE if the address cannot be
  // bound, INTERNAL if TLS cannot be set up (naming OpenSSL's error); on
  // an error nothing is left running.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpServerOptions options, HttpHandler handler);
  // Stop().
  ~HttpServer();

  int port() const;
  // Connections open now, for tests and the log.
  uint32_t connections() const;
  // Stops accepting, closes every connection (live answers end), lets the
  // handlers running finish, and joins the threads. Idempotent.
  void Stop();

  class Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_HTTP_HTTP_SERVER_H_
