// Binding the hub's HTTP servers (the console, the axis API, the metrics),
// which use cpp-httplib, to a configured HOST:PORT and serving them, in one
// place.
//
// Thread-safety: call before the server runs.
#ifndef TRUC_HUB_HTTP_HTTP_LISTEN_H_
#define TRUC_HUB_HTTP_HTTP_LISTEN_H_

#include <string>
#include <thread>

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

// Binds `server` as BindHttp does, starts serving it on `*thread` (which
// the caller joins after server.stop()), and, when `port_file` is set,
// writes the bound port to it durably. Returns the port; on an error
// nothing is left running.
absl::StatusOr<int> ListenHttp(httplib::Server& server,
                               const std::string& address,
                               absl::string_view field, absl::string_view what,
                               const std::string& port_file,
                               std::thread* thread);

}  // namespace truc::hub

#endif  // TRUC_HUB_HTTP_HTTP_LISTEN_H_
