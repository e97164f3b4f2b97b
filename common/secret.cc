#include "common/secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "absl/strings/escaping.h"

namespace truc {

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                          static_cast<int>(n)) != 1) {
    return absl::InternalError("OpenSSL's random generator failed");
  }
  return out;
}

absl::StatusOr<std::string> RandomToken(size_t bytes) {
  auto raw = RandomBytes(bytes);
  if (!raw.ok()) return raw.status();
  return absl::WebSafeBase64Escape(*raw);
}

absl::StatusOr<std::string> NewPassword() {
  // No 0/o, 1/l/i, u/v: read aloud or copied by hand without a mistake.
  static constexpr absl::string_view kAlphabet =
      "abcdefghjkmnpqrstwxyz23456789";
  static_assert(kAlphabet.size() == 29);
  std::string out;
  while (out.size() < 19) {
    auto raw = RandomBytes(32);
    if (!raw.ok()) return raw.status();
    for (unsigned char c : *raw) {
      if (out.size() == 19) break;
      if (out.size() % 5 == 4) out.push_back('-');
      if (c >= 29 * 8) continue;  // no bias: 232 = 29 * 8
      out.push_back(kAlphabet[c % 29]);
    }
  }
  return out;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace truc
