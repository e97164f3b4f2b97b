// The province's certificate authority, on OpenSSL: creates the CA and
// issues certificates for agencies, operators and the hub. Keys are ECDSA
// P-256 by default, or RSA (as Vietnamese CAs issue). Each issued certificate
// carries one truc identity URI (see identity.h) in its subjectAltName, which
// is what the hub trusts.
//
// Thread-safety: the functions are thread-safe.
#ifndef TRUC_COMMON_PKI_H_
#define TRUC_COMMON_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/identity.h"

namespace truc {

struct KeyAndCert {
  std::string key_pem;   // PKCS#8 private key
  std::string cert_pem;  // X.509 certificate
};

// A self-signed CA certificate valid for `validity_days` from an hour ago,
// or from `not_before_unix` when it is set (for tests of old documents).
absl::StatusOr<KeyAndCert> CreateCertificateAuthority(
    const std::string& common_name, int validity_days = 3650,
    int64_t not_before_unix = 0);

enum class KeyType {
  kEcP256,   // ECDSA on NIST P-256
  kRsa2048,  // RSA, 2048 bits
  kRsa3072,  // RSA, 3072 bits
};

// "ec" (or "p256"), "rsa" (or "rsa2048"), "rsa3072". Fails
// INVALID_ARGUMENT naming the word and the choices.
absl::StatusOr<KeyType> ParseKeyType(absl::string_view word);

struct IssueRequest {
  Role role = Role::kAgency;
  std::string name;         // agency code, operator or hub name
  std::string common_name;  // human-readable, UTF-8 (e.g. "Sở Y tế")
  // For the hub's server certificate: the names clients dial.
  std::vector<std::string> dns_names = {};
  std::vector<std::string> ip_addresses = {};
  int validity_days = 825;
  KeyType key_type = KeyType::kEcP256;
  // When both are set (Unix seconds), the validity window instead of an
  // hour ago .. validity_days from now: for tests of expired certificates.
  int64_t not_before_unix = 0;
  int64_t not_after_unix = 0;
};

// A certificate signed by `ca`. Fails INVALID_ARGUMENT on a malformed name
// (agency code or principal name) and INTERNAL if OpenSSL fails.
absl::StatusOr<KeyAndCert> IssueCertificate(const KeyAndCert& ca,
                                            const IssueRequest& request);

}  // namespace truc

#endif  // TRUC_COMMON_PKI_H_
