// Who a certificate speaks for. The one place that parses certificates.
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
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc {

enum class Role { kAgency, kOperator, kHub };

absl::string_view RoleName(Role role);

struct Identity {
  Role role = Role::kAgency;
  // The agency code for kAgency, the operator's name for kOperator, the
  // hub's name for kHub.
  std::string name;
  std::string serial_hex;  // certificate serial number, lower-case hex
  std::string common_name;
  int64_t not_after_unix = 0;  // expiry, Unix seconds

  std::string ToString() const;  // "agency 000.07.00.H99", "operator an"
};

// Parses a PEM certificate and returns the identity in its truc SAN URI.
// Fails INVALID_ARGUMENT if the PEM does not parse, and UNAUTHENTICATED if
// it has no truc URI, more than one, or one with a malformed name.
absl::StatusOr<Identity> IdentityFromCertificatePem(absl::string_view pem);

// The SAN URI for an identity: "urn:truc:agency:000.07.00.H99".
std::string IdentityUri(Role role, absl::string_view name);

// Agency codes follow the national pattern "DDD.DD.DD.LDD" (for example
// 000.00.12.H42). Fails INVALID_ARGUMENT naming the code.
absl::Status ValidateAgencyCode(absl::string_view code);

// Operator and hub names: 1 to 64 of [A-Za-z0-9._-].
absl::Status ValidatePrincipalName(absl::string_view name);

}  // namespace truc

#endif  // TRUC_COMMON_IDENTITY_H_
