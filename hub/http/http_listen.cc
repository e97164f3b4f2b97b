#include "hub/http/http_listen.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/net_address.h"
#include "common/status_macros.h"

namespace truc::hub {

absl::StatusOr<int> BindHttp(httplib::Server& server,
                             const std::string& address,
                             absl::string_view field, absl::string_view what) {
  TRUC_ASSIGN_OR_RETURN(
      HostPort hp, ParseHostPort(address, field, PortZero::kPicksAFreePort));
  int port = hp.port;
  if (port == 0) {
    port = server.bind_to_any_port(hp.host);
  } else if (!server.bind_to_port(hp.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat(what, ": cannot listen on ", address,
                     " (address in use, or not an address of this machine)"));
  }
  return port;
}

absl::StatusOr<int> ListenHttp(httplib::Server& server,
                               const std::string& address,
                               absl::string_view field, absl::string_view what,
                               const std::string& port_file,
                               std::thread* thread) {
  TRUC_ASSIGN_OR_RETURN(const int port, BindHttp(server, address, field, what));
  *thread = std::thread([&server] { server.listen_after_bind(); });
  if (!port_file.empty()) {
    absl::Status written =
        WriteFileDurably(port_file, absl::StrCat(port, "\n"));
    if (!written.ok()) {
      server.stop();
      thread->join();
      return written;
    }
  }
  return port;
}

}  // namespace truc::hub
