#include "hub/store/store.h"

namespace truc::hub {

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char last = static_cast<unsigned char>(s.back());
    if (last != 0xff) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

absl::Status Store::ScanPrefix(absl::string_view prefix, const ScanFn& fn) {
  return Scan(prefix, PrefixSuccessor(prefix), fn);
}

}  // namespace truc::hub
