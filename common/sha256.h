// SHA-256 over OpenSSL's EVP interface, incremental.
//
// Thread-safety: one object per thread.
#ifndef TRUC_COMMON_SHA256_H_
#define TRUC_COMMON_SHA256_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view data);
  // The 32-byte digest; the object is reset and can be used again.
  std::string Finish();

  // One-shot digest of `data` (32 bytes).
  static std::string Of(absl::string_view data);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// The 32-byte digest of the file at `path`, read once in bounded memory;
// the errno's status, naming the path, if it cannot be read.
absl::StatusOr<std::string> Sha256OfFile(const std::string& path);

// HMAC-SHA256 of `data` under `key` (32 bytes), over OpenSSL.
std::string HmacSha256(absl::string_view key, absl::string_view data);

// Lower-case hex of `bytes`.
std::string HexEncode(absl::string_view bytes);

}  // namespace truc

#endif  // TRUC_COMMON_SHA256_H_
