// HOST:PORT addresses as the configuration files and profiles write them
// ("127.0.0.1:8443", "[::1]:8443", "hub.langson.gov.vn:7443", "0.0.0.0:0").
// The one place that checks them, so that every listen address and every
// hub address is refused the same way when it is wrong, where the file is
// read.
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
  int port = 0;      // 1..65535, or 0 ("pick a free port") where allowed
};

// Whether port 0 is accepted: a server's own listen address may ask the
// system for a free port (the real one is written to its port file); an
// address to connect to may not.
enum class PortZero { kRefused, kPicksAFreePort };

// The host and port of `address`. INVALID_ARGUMENT naming `field` and the
// text for an address without a host, without a port, or with a port
// that is not a decimal number in 1..65535 (0 too with kPicksAFreePort):
// "99999", "65536", "", "abc", "+80" and " 80" are all refused.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address,
                                       absl::string_view field,
                                       PortZero zero = PortZero::kRefused);

}  // namespace truc

#endif  // TRUC_COMMON_NET_ADDRESS_H_
