#include "common/identity.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace truc {
namespace {

constexpr absl::string_view kUriPrefix = "urn:truc:";

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::string SerialHex(X509* cert) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? absl::AsciiStrToLower(hex) : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

int64_t NotAfter(X509* cert) {
  const ASN1_TIME* t = X509_get0_notAfter(cert);
  struct tm tm = {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string CommonName(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx < 0) return "";
  ASN1_STRING* data =
      X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAgency:
      return "agency";
    case Role::kOperator:
      return "operator";
    case Role::kHub:
      return "hub";
  }
  return "unknown";
}

std::string Identity::ToString() const {
  return absl::StrCat(RoleName(role), " ", name);
}

std::string IdentityUri(Role role, absl::string_view name) {
  return absl::StrCat(kUriPrefix, RoleName(role), ":", name);
}

absl::Status ValidateAgencyCode(absl::string_view code) {
  // DDD.DD.DD.LDD
  static constexpr absl::string_view kShape = "999.99.99.A99";
  bool ok = code.size() == kShape.size();
  for (size_t i = 0; ok && i < code.size(); ++i) {
    char c = code[i], s = kShape[i];
    if (s == '9')
      ok = std::isdigit(static_cast<unsigned char>(c));
    else if (s == 'A')
      ok = c >= 'A' && c <= 'Z';
    else
      ok = c == s;
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed agency code \"", code,
        "\": expected the form 000.00.12.H42 (digits, dots, an upper-case "
        "letter and two digits)"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePrincipalName(absl::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
          c == '-')) {
      ok = false;
    }
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed name \"", name, "\": use 1 to 64 of A-Z a-z 0-9 . _ -"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Identity> IdentityFromCertificatePem(absl::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();
    return absl::InvalidArgumentError("certificate is not valid PEM X.509");
  }
  std::vector<std::string> uris;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
      if (gn->type != GEN_URI) continue;
      const ASN1_IA5STRING* s = gn->d.uniformResourceIdentifier;
      std::string uri(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                      static_cast<size_t>(ASN1_STRING_length(s)));
      if (absl::StartsWith(uri, kUriPrefix)) uris.push_back(std::move(uri));
    }
    GENERAL_NAMES_free(names);
  }
  if (uris.size() != 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "certificate must carry exactly one urn:truc: subjectAltName URI, "
        "found ",
        uris.size()));
  }
  absl::string_view rest = absl::string_view(uris[0]).substr(kUriPrefix.size());
  Identity id;
  size_t colon = rest.find(':');
  if (colon == absl::string_view::npos) {
    return absl::UnauthenticatedError(
        absl::StrCat("malformed identity URI ", uris[0]));
  }
  absl::string_view role = rest.substr(0, colon);
  id.name = std::string(rest.substr(colon + 1));
  absl::Status valid;
  if (role == "agency") {
    id.role = Role::kAgency;
    valid = ValidateAgencyCode(id.name);
  } else if (role == "operator") {
    id.role = Role::kOperator;
    valid = ValidatePrincipalName(id.name);
  } else if (role == "hub") {
    id.role = Role::kHub;
    valid = ValidatePrincipalName(id.name);
  } else {
    return absl::UnauthenticatedError(
        absl::StrCat("unknown role \"", role, "\" in ", uris[0]));
  }
  if (!valid.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("identity URI ", uris[0], ": ", valid.message()));
  }
  id.serial_hex = SerialHex(cert.get());
  id.common_name = CommonName(cert.get());
  id.not_after_unix = NotAfter(cert.get());
  return id;
}

}  // namespace truc
