#include "common/identity.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <map>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/file_util.h"
#include "common/status_macros.h"

namespace truc {
namespace {

constexpr absl::string_view kUriPrefix = "urn:truc:";

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::string SerialHex(const X509* cert) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? absl::AsciiStrToLower(hex) : "";
  OPENSSL_free(hex);
  BN_free(bn);
  // BN_bn2hex writes whole bytes ("0a12"); one spelling for a serial, the
  // one an operator types and `truc cert list` shows: no leading zeros.
  const size_t first = out.find_first_not_of('0');
  if (first == std::string::npos) return out.empty() ? out : "0";
  return out.substr(first);
}

int64_t UnixTime(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
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

std::shared_ptr<x509_st> Own(X509* cert) {
  return std::shared_ptr<x509_st>(cert, X509_free);
}

// "2026-11-22 09:00:00 UTC", for messages about validity.
std::string UtcTime(int64_t unix) {
  time_t t = static_cast<time_t>(unix);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
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
    case Role::kAccount:
      return "account";
    case Role::kBridge:
      return "bridge";
  }
  return "unknown";
}

std::string Identity::ToString() const {
  return absl::StrCat(RoleName(role), " ", name);
}

std::string Identity::Principal() const {
  return absl::StrCat(RoleName(role), ":", name);
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

absl::StatusOr<Certificate> Certificate::FromPem(absl::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("certificate is not valid PEM X.509");
  }
  return Certificate(Own(cert));
}

absl::StatusOr<Certificate> Certificate::FromDer(absl::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = p + der.size();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr || p != end) {
    X509_free(cert);
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "certificate is not one valid DER X.509 certificate");
  }
  return Certificate(Own(cert));
}

std::string Certificate::Der() const {
  unsigned char* out = nullptr;
  int len = i2d_X509(cert_.get(), &out);
  if (len <= 0) return "";
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return der;
}

std::string Certificate::common_name() const { return CommonName(x509()); }

std::string Certificate::serial_hex() const { return SerialHex(cert_.get()); }

int64_t Certificate::not_before_unix() const {
  return UnixTime(X509_get0_notBefore(cert_.get()));
}

int64_t Certificate::not_after_unix() const {
  return UnixTime(X509_get0_notAfter(cert_.get()));
}

absl::StatusOr<Identity> Certificate::GetIdentity() const {
  X509* cert = cert_.get();
  std::vector<std::string> uris;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
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
  ERR_clear_error();
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
  } else if (role == "bridge") {
    id.role = Role::kBridge;
    valid = ValidatePrincipalName(id.name);
  } else {
    return absl::UnauthenticatedError(
        absl::StrCat("unknown role \"", role, "\" in ", uris[0]));
  }
  if (!valid.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("identity URI ", uris[0], ": ", valid.message()));
  }
  id.serial_hex = SerialHex(cert);
  id.common_name = CommonName(cert);
  id.not_before_unix = not_before_unix();
  id.not_after_unix = not_after_unix();
  return id;
}

absl::StatusOr<Identity> IdentityFromCertificatePem(absl::string_view pem) {
  TRUC_ASSIGN_OR_RETURN(Certificate cert, Certificate::FromPem(pem));
  return cert.GetIdentity();
}

// Certificates verified against this anchor, by their DER bytes. Bounded:
// past kMaxCached it starts again.
struct TrustAnchor::Cache {
  static constexpr size_t kMaxCached = 20000;
  absl::Mutex mu;
  std::map<std::string, Verified, std::less<>> verified ABSL_GUARDED_BY(mu);
};

TrustAnchor::TrustAnchor(Certificate ca, std::shared_ptr<x509_store_st> store)
    : ca_(std::move(ca)),
      store_(std::move(store)),
      cache_(std::make_shared<Cache>()) {}

absl::StatusOr<TrustAnchor::Verified> TrustAnchor::VerifyDer(
    absl::string_view der, int64_t at_unix) const {
  {
    absl::MutexLock lock(&cache_->mu);
    auto it = cache_->verified.find(der);
    if (it != cache_->verified.end()) {
      const Identity& id = it->second.identity;
      const bool valid =
          at_unix >= id.not_before_unix && at_unix <= id.not_after_unix &&
          at_unix >= ca_.not_before_unix() && at_unix <= ca_.not_after_unix();
      // Outside its validity: the full check below says exactly why.
      if (valid) return it->second;
    }
  }
  TRUC_ASSIGN_OR_RETURN(Certificate cert, Certificate::FromDer(der));
  TRUC_ASSIGN_OR_RETURN(Identity identity, Verify(cert, at_unix));
  Verified out{std::move(cert), std::move(identity)};
  absl::MutexLock lock(&cache_->mu);
  if (cache_->verified.size() >= Cache::kMaxCached) cache_->verified.clear();
  cache_->verified.emplace(std::string(der), out);
  return out;
}

absl::StatusOr<TrustAnchor> TrustAnchor::FromPem(absl::string_view pem) {
  TRUC_ASSIGN_OR_RETURN(Certificate ca, Certificate::FromPem(pem));
  if (X509_check_ca(ca.x509()) == 0) {
    return absl::InvalidArgumentError(
        "the CA certificate is not a certificate authority's (no basic "
        "constraints CA:TRUE)");
  }
  std::shared_ptr<x509_store_st> store(X509_STORE_new(), X509_STORE_free);
  if (!store || X509_STORE_add_cert(store.get(), ca.x509()) != 1) {
    ERR_clear_error();
    return absl::InternalError("cannot build a certificate store");
  }
  return TrustAnchor(std::move(ca), std::move(store));
}

absl::StatusOr<TrustAnchor> TrustAnchor::FromFile(const std::string& path) {
  auto pem = ReadFile(path, 1 << 20);
  if (!pem.ok()) {
    return absl::Status(pem.status().code(),
                        absl::StrCat("cannot read the CA certificate: ",
                                     pem.status().message()));
  }
  auto anchor = FromPem(*pem);
  if (!anchor.ok()) {
    return absl::Status(anchor.status().code(),
                        absl::StrCat(path, ": ", anchor.status().message()));
  }
  return anchor;
}

absl::StatusOr<Identity> TrustAnchor::Verify(const Certificate& cert,
                                             int64_t at_unix) const {
  std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> ctx(
      X509_STORE_CTX_new(), X509_STORE_CTX_free);
  if (!ctx ||
      X509_STORE_CTX_init(ctx.get(), store_.get(), cert.x509(), nullptr) != 1) {
    ERR_clear_error();
    return absl::InternalError("cannot set up a certificate check");
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                             static_cast<time_t>(at_unix));
  const int ok = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  if (ok != 1) {
    const std::string serial = cert.serial_hex();
    switch (err) {
      case X509_V_ERR_CERT_HAS_EXPIRED:
        return absl::UnauthenticatedError(absl::StrCat(
            "certificate ", serial, " expired on ",
            UtcTime(cert.not_after_unix()), ", before ", UtcTime(at_unix)));
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return absl::UnauthenticatedError(absl::StrCat(
            "certificate ", serial, " is valid only from ",
            UtcTime(cert.not_before_unix()), ", after ", UtcTime(at_unix)));
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        return absl::UnauthenticatedError(absl::StrCat(
            "certificate ", serial, " was not issued by the province CA (",
            CommonName(ca_.x509()), ")"));
      default:
        return absl::UnauthenticatedError(
            absl::StrCat("certificate ", serial,
                         " does not check out against "
                         "the province CA: ",
                         X509_verify_cert_error_string(err)));
    }
  }
  return cert.GetIdentity();
}

}  // namespace truc
