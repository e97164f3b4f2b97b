// ConsoleServer: the web console over HTTPS (cpp-httplib, built with
// OpenSSL). It serves the static interface (hub/console/ui), hands every
// /api/ request to ConsoleApi, and streams live changes to each logged-in
// board as server-sent events (GET /api/events) from the hub's change
// feed, filtered to what the user may see. Every answer carries a strict
// Content-Security-Policy, HSTS, nosniff and no-referrer; API answers are
// never cached.
//
// TLS is the hub's own certificate and key (the province CA's server
// certificate), TLS 1.2 or later. Each handshake presents the pair the hub
// holds at that moment, so a renewed certificate is served once the hub
// has reloaded its files, without a restart.
//
// Thread-safety: Start and Stop from one controlling thread. Requests run
// on the server's own pool (threads are few: each open event stream holds
// one, up to max_event_streams; more are refused with 503).
#ifndef TRUC_HUB_CONSOLE_SERVER_H_
#define TRUC_HUB_CONSOLE_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "hub/console/api.h"
#include "hub/exchange/change_feed.h"
#include "truc/v1/config.pb.h"

namespace httplib {
class SSLServer;
}

namespace truc::hub {

class HubSigningKey;

class ConsoleServer {
 public:
  // Listens on config.listen_address presenting `key`'s certificate.
  // INVALID_ARGUMENT if `key` holds none, UNAVAILABLE if the address cannot
  // be bound. `key`, `api`, `sessions` and `feed` must outlive the server.
  static absl::StatusOr<std::unique_ptr<ConsoleServer>> Start(
      const truc::v1::ConsoleConfig& config, const HubSigningKey* key,
      ConsoleApi* api, SessionTable* sessions, ChangeFeed* feed);
  ~ConsoleServer();

  int port() const { return port_; }
  // Ends the event streams and stops serving. Idempotent.
  void Stop();

 private:
  ConsoleServer() = default;
  void Routes();

  ConsoleApi* api_ = nullptr;
  SessionTable* sessions_ = nullptr;
  ChangeFeed* feed_ = nullptr;
  std::function<std::shared_ptr<const Signer>()> current_;  // the TLS pair
  uint32_t max_streams_ = 64;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<uint32_t> streams_{0};
};

}  // namespace truc::hub

#endif  // TRUC_HUB_CONSOLE_SERVER_H_
