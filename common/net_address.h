// HOST:PORT addresses as the configuration files write them
// ("127.0.0.1:8443", "[::1]:8443", "0.0.0.0:0"), for the servers that are
// not gRPC's (the console, the metrics).
//
// Thread-safety: pure functions, thread-safe.
#ifndef TRUC_COMMON_NET_ADDRESS_H_
#define TRUC_COMMON_NET_ADDRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc {

struct HostPort {
  std::string host;  // without brackets
  int port = 0;      // 0..65535; 0: any free port
};

// INVALID_ARGUMENT naming `field` and the text for an address without a
// host or a valid port.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address,
                                       absl::string_view field);

}  // namespace truc

#endif  // TRUC_COMMON_NET_ADDRESS_H_
