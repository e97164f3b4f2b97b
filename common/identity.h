// Who a certificate speaks for. The one place that parses certificates
// (Certificate) and checks that one was issued by the province CA
// (TrustAnchor).
//
// Every truc certificate carries exactly one subjectAltName URI of the form
//   urn:truc:agency:<agency code>     an agency (its agent and its clerks)
//   urn:truc:operator:<name>          a province operator
//   urn:truc:hub:<name>               the hub itself (server certificate)
// The hub takes the caller's identity from its verified TLS certificate with
// IdentityFromCertificatePem, never from a request field.
#ifndef TRUC_COMMON_IDENTITY_H_
#define TRUC_COMMON_IDENTITY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// OpenSSL's types (openssl/types.h), kept out of this header.
struct x509_st;
struct x509_store_st;

namespace truc {

// kAccount is a console account acting (hub/accounts.h): it names actors
// in the audit log, and never comes from a certificate.
// kBridge: a bridge to agencies beyond this hub (docs/FEDERATION.md).
enum class Role { kAgency, kOperator, kHub, kAccount, kBridge };

absl::string_view RoleName(Role role);

struct Identity {
  Role role = Role::kAgency;
  // The agency code for kAgency, the operator's name for kOperator, the
  // hub's name for kHub, the bridge's name for kBridge.
  std::string name;
  // The certificate's serial number: lower-case hex, no leading zeros.
  std::string serial_hex;
  std::string common_name;
  int64_t not_before_unix = 0;  // validity, Unix seconds
  int64_t not_after_unix = 0;

  std::string ToString() const;   // "agency 000.07.00.H99", "operator an"
  std::string Principal() const;  // "agency:000.07.00.H99", "operator:an"
};

// A parsed X.509 certificate. Copies share the parsed object.
//
// Thread-safety: const methods are thread-safe.
class Certificate {
 public:
  // Fails INVALID_ARGUMENT if the bytes are not one PEM (or DER) X.509
  // certificate, with nothing after it.
  static absl::StatusOr<Certificate> FromPem(absl::string_view pem);
  static absl::StatusOr<Certificate> FromDer(absl::string_view der);

  // The identity in its truc SAN URI, with serial, CN and validity. Fails
  // UNAUTHENTICATED if it has no truc URI, more than one, or one with a
  // malformed name.
  absl::StatusOr<Identity> GetIdentity() const;

  std::string Der() const;
  std::string serial_hex() const;
  // The subject's common name (UTF-8), "" if it has none: for a CA, its
  // name ("CA tỉnh Hải Dương").
  std::string common_name() const;
  int64_t not_before_unix() const;
  int64_t not_after_unix() const;
  // The OpenSSL object, owned by this Certificate.
  x509_st* x509() const { return cert_.get(); }

 private:
  explicit Certificate(std::shared_ptr<x509_st> cert)
      : cert_(std::move(cert)) {}
  std::shared_ptr<x509_st> cert_;
};

// Parses a PEM certificate and returns the identity in its truc SAN URI.
// Fails as Certificate::FromPem and Certificate::GetIdentity do.
absl::StatusOr<Identity> IdentityFromCertificatePem(absl::string_view pem);

// The province CA's certificate, against which every certificate met on
// the axis (in a signature, a receipt, a checkpoint) is checked.
//
// Thread-safety: const methods are thread-safe.
class TrustAnchor {
 public:
  // Fails INVALID_ARGUMENT if `pem` is not a CA certificate (basic
  // constraints CA:TRUE); NOT_FOUND naming the file for FromFile.
  static absl::StatusOr<TrustAnchor> FromPem(absl::string_view pem);
  static absl::StatusOr<TrustAnchor> FromFile(const std::string& path);

  // The identity of `cert` if this CA issued it and it was valid at
  // `at_unix` (Unix seconds). Fails UNAUTHENTICATED saying why not
  // (another issuer, a bad signature, not yet valid or expired at that
  // time, no truc identity).
  absl::StatusOr<Identity> Verify(const Certificate& cert,
                                  int64_t at_unix) const;

  // As Verify, for a certificate given as DER bytes (as signatures carry
  // it), returning the parsed certificate too. A certificate this anchor
  // has already verified is neither parsed nor checked against the CA
  // again: only its validity, and the CA's, at `at_unix`. Fails
  // INVALID_ARGUMENT if the bytes are not a DER certificate, else as Verify.
  struct Verified {
    Certificate certificate;
    Identity identity;
  };
  absl::StatusOr<Verified> VerifyDer(absl::string_view der,
                                     int64_t at_unix) const;

  const Certificate& certificate() const { return ca_; }

 private:
  struct Cache;
  TrustAnchor(Certificate ca, std::shared_ptr<x509_store_st> store);
  Certificate ca_;
  std::shared_ptr<x509_store_st> store_;  // holds the CA alone
  std::shared_ptr<Cache> cache_;          // shared by copies
};

// The SAN URI for an identity: "urn:truc:agency:000.07.00.H99".
std::string IdentityUri(Role role, absl::string_view name);

// Agency codes follow the national pattern "DDD.DD.DD.LDD" (for example
// 000.00.12.H42). Fails INVALID_ARGUMENT naming the code.
absl::Status ValidateAgencyCode(absl::string_view code);

// Operator and hub names: 1 to 64 of [A-Za-z0-9._-].
absl::Status ValidatePrincipalName(absl::string_view name);

}  // namespace truc

#endif  // TRUC_COMMON_IDENTITY_H_
