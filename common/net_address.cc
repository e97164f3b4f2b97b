#include "common/net_address.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace truc {

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address,
                                       absl::string_view field) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " \"", address, "\" must be HOST:PORT, e.g. 127.0.0.1:8443"));
  };
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return bad();
  HostPort hp;
  absl::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  hp.host = std::string(host);
  if (hp.host.empty() ||
      !absl::SimpleAtoi(address.substr(colon + 1), &hp.port) || hp.port < 0 ||
      hp.port > 65535) {
    return bad();
  }
  return hp;
}

}  // namespace truc
