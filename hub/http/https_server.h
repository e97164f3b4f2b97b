// An HTTPS server (cpp-httplib, built with OpenSSL) for one of the hub's
// doors, in one place: TLS 1.2 or later, and each handshake presents the
// key and certificate the hub holds at that moment, so a renewed
// certificate is served as soon as the hub has reloaded it, without a
// restart. Optionally it requires a client certificate from a CA.
//
// Thread-safety: call before the server runs.
#ifndef TRUC_HUB_HTTP_HTTPS_SERVER_H_
#define TRUC_HUB_HTTP_HTTPS_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/signature.h"

namespace httplib {
class SSLServer;
}

namespace truc::hub {

// The pair a server presents, asked at each handshake.
using CurrentPair = std::function<std::shared_ptr<const Signer>()>;

// How much a door serves at once and how long it waits, in one place for
// every door.
struct HttpsLimits {
  uint32_t threads;            // connections served at once
  uint64_t max_body_bytes;     // a larger request is answered 413
  int io_timeout_seconds;      // reading a request, writing an answer
  int keep_alive_seconds = 5;  // an idle connection kept open
};

// `current` (which must outlive the server) gives the pair to present.
// With `client_ca_file`, a client must present a certificate that chains to
// it. INTERNAL naming `what` and OpenSSL's error if TLS cannot be set up.
absl::StatusOr<std::unique_ptr<httplib::SSLServer>> NewHttpsServer(
    const CurrentPair* current, const std::string& client_ca_file,
    absl::string_view what, const HttpsLimits& limits);

}  // namespace truc::hub

#endif  // TRUC_HUB_HTTP_HTTPS_SERVER_H_
