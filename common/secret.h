// Secrets drawn from OpenSSL's CSPRNG, in one place: session tokens,
// passwords the hub draws, CSRF tokens.
//
// Thread-safety: thread-safe.
#ifndef TRUC_COMMON_SECRET_H_
#define TRUC_COMMON_SECRET_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc {

// `n` random bytes. INTERNAL if OpenSSL's generator fails.
absl::StatusOr<std::string> RandomBytes(size_t n);
// `bytes` random bytes, base64url without padding (a cookie's value).
absl::StatusOr<std::string> RandomToken(size_t bytes = 32);
// A password for a person to type once: 4 groups of 4 characters from 29
// that cannot be mistaken for one another ("k7mq-x4rt-9yhe-2pwn"), about
// 78 bits.
absl::StatusOr<std::string> NewPassword();
// Compares in time that depends only on the lengths.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace truc

#endif  // TRUC_COMMON_SECRET_H_
