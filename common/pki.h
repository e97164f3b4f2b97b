// The province's certificate authority, on OpenSSL: creates the CA and
// issues certificates for agencies, operators and the hub. Keys are ECDSA
// P-256. Each issued certificate carries one truc identity URI (see
// identity.h) in its subjectAltName, which is what the hub trusts.
//
// Thread-safety: the functions are thread-safe.
#ifndef TRUC_COMMON_PKI_H_
#define TRUC_COMMON_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/identity.h"

namespace truc {

struct KeyAndCert {
  std::string key_pem;   // PKCS#8 private key
  std::string cert_pem;  // X.509 certificate
};

// A self-signed CA certificate valid for `validity_days`.
absl::StatusOr<KeyAndCert> CreateCertificateAuthority(
    const std::string& common_name, int validity_days = 3650);

struct IssueRequest {
  Role role = Role::kAgency;
  std::string name;         // agency code, operator or hub name
  std::string common_name;  // human-readable, UTF-8 (e.g. "Sở Y tế")
  // For the hub's server certificate: the names clients dial.
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  int validity_days = 825;
};

// A certificate signed by `ca`. Fails INVALID_ARGUMENT on a malformed name
// (agency code or principal name) and INTERNAL if OpenSSL fails.
absl::StatusOr<KeyAndCert> IssueCertificate(const KeyAndCert& ca,
                                            const IssueRequest& request);

}  // namespace truc

#endif  // TRUC_COMMON_PKI_H_
