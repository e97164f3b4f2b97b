#include "common/net_address.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace truc {

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address,
                                       absl::string_view field, PortZero zero) {
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " \"", address, "\": ", why,
                     "; write HOST:PORT, e.g. 127.0.0.1:8443"));
  };
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return bad("no port");
  absl::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) return bad("no host");
  const absl::string_view digits = address.substr(colon + 1);
  if (digits.empty()) return bad("no port");
  // Digits only: no sign, no space, at most 5 of them.
  if (digits.size() > 5) return bad("the port must be at most 65535");
  int port = 0;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
      return bad("the port must be a number");
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return bad("the port must be at most 65535");
  if (port == 0 && zero == PortZero::kRefused)
    return bad("the port must be between 1 and 65535");
  HostPort hp;
  hp.host = std::string(host);
  hp.port = port;
  return hp;
}

}  // namespace truc
