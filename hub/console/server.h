// ConsoleServer: the web console over HTTPS (hub/http's HttpServer). It
// serves the static interface (hub/console/ui), hands every /api/ request
// to ConsoleApi, and streams live changes to each logged-in board as
// server-sent events (GET /api/events) from the hub's change feed,
// filtered to what the user may see. Every answer carries a strict
// Content-Security-Policy, HSTS, nosniff and no-referrer; API answers are
// never cached.
//
// TLS is the hub's own certificate and key (the province CA's server
// certificate), TLS 1.2 or later. Each handshake presents the pair the hub
// holds at that moment, so a renewed certificate is served once the hub
// has reloaded its files, without a restart.
//
// Live boards cost no thread each: one thread takes the changes from the
// feed and queues, for every open board, what its user may see (and a
// heartbeat every 15 s, which also finds browsers that went away); the
// server's event loops write them. Up to max_event_streams boards are open
// at once; the next is answered 503 with a message, and the board retries.
//
// Thread-safety: Start and Stop from one controlling thread.
#ifndef TRUC_HUB_CONSOLE_SERVER_H_
#define TRUC_HUB_CONSOLE_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "hub/console/api.h"
#include "hub/exchange/change_feed.h"
#include "hub/http/http_server.h"
#include "truc/v1/config.pb.h"

namespace truc::hub {

class HubSigningKey;

class ConsoleServer {
 public:
  // Listens on config.listen_address presenting `key`'s certificate, with
  // `limits` for its connections. INVALID_ARGUMENT if `key` holds none,
  // UNAVAILABLE if the address cannot be bound. `key`, `api`, `sessions`
  // and `feed` must outlive the server.
  static absl::StatusOr<std::unique_ptr<ConsoleServer>> Start(
      const truc::v1::ConsoleConfig& config, const HttpLimits& limits,
      const HubSigningKey* key, ConsoleApi* api, SessionTable* sessions,
      ChangeFeed* feed);
  ~ConsoleServer();

  int port() const { return server_->port(); }
  // Live boards open now.
  uint32_t boards() const;
  // Ends the event streams and stops serving. Idempotent.
  void Stop();

 private:
  // One open board. `last_sent` is the pump's alone.
  struct Board {
    std::shared_ptr<HttpStream> stream;
    ConsoleUser user;
    std::string token;
    absl::Time last_sent;
  };

  ConsoleServer() = default;
  HttpResponse Route(HttpRequest& request);
  HttpResponse Events(HttpRequest& request);
  // The one thread that feeds every board.
  void Pump();

  ConsoleApi* api_ = nullptr;
  SessionTable* sessions_ = nullptr;
  uint32_t max_boards_ = 1000;
  CurrentPair current_;  // the TLS pair
  std::unique_ptr<ChangeFeed::Subscription> changes_;
  std::unique_ptr<HttpServer> server_;
  std::thread pump_;
  absl::Notification stopping_;
  std::atomic<bool> stopped_{false};

  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<Board>> boards_ ABSL_GUARDED_BY(mu_);
  // Boards admitted whose stream has not opened yet.
  uint32_t opening_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_CONSOLE_SERVER_H_
