// Binding the hub's HTTP servers (the console, the metrics), which use
// cpp-httplib, to a configured HOST:PORT, in one place.
//
// Thread-safety: call before the server runs.
#ifndef TRUC_HUB_HTTP_HTTP_LISTEN_H_
#define TRUC_HUB_HTTP_HTTP_LISTEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace httplib {
class Server;
}

namespace truc::hub {

// Binds `server` to `address` (port 0: any free port) and returns the port.
// INVALID_ARGUMENT naming `field` for a malformed address; UNAVAILABLE,
// naming `what`, if it cannot be bound.
absl::StatusOr<int> BindHttp(httplib::Server& server,
                             const std::string& address,
                             absl::string_view field, absl::string_view what);

}  // namespace truc::hub

#endif  // TRUC_HUB_HTTP_HTTP_LISTEN_H_
