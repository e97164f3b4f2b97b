#include "common/pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace truc {
namespace {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Deleter>;

absl::Status OpenSslError(absl::string_view what) {
  unsigned long err = ERR_get_error();
  char buf[256] = "unknown error";
  if (err != 0) ERR_error_string_n(err, buf, sizeof buf);
  ERR_clear_error();
  return absl::InternalError(absl::StrCat(what, ": ", buf));
}

absl::StatusOr<Ptr<EVP_PKEY>> NewKey(KeyType type = KeyType::kEcP256) {
  switch (type) {
    case KeyType::kEcP256: {
      Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
      if (!key) return OpenSslError("generate P-256 key");
      return key;
    }
    case KeyType::kRsa2048:
    case KeyType::kRsa3072: {
      const unsigned bits = type == KeyType::kRsa2048 ? 2048 : 3072;
      Ptr<EVP_PKEY> key(EVP_RSA_gen(bits));
      if (!key) return OpenSslError("generate RSA key");
      return key;
    }
  }
  return absl::InvalidArgumentError("unknown key type");
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> KeyPem(EVP_PKEY* key) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return OpenSslError("encode private key");
  }
  return BioToString(bio.get());
}

absl::StatusOr<std::string> CertPem(X509* cert) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslError("encode certificate");
  }
  return BioToString(bio.get());
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid,
                          const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) return OpenSslError(absl::StrCat("extension ", value));
  if (X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError("add extension");
  }
  return absl::OkStatus();
}

// A certificate with a random serial, the subject CN and a validity window
// starting an hour ago (to tolerate clock skew), or the one given.
absl::StatusOr<Ptr<X509>> NewCert(const std::string& common_name, EVP_PKEY* key,
                                  int validity_days, int64_t not_before = 0,
                                  int64_t not_after = 0) {
  Ptr<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return OpenSslError("random");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  if (not_before != 0 && not_after != 0) {
    ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                  static_cast<time_t>(not_before));
    ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                  static_cast<time_t>(not_after));
  } else {
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                    static_cast<long>(validity_days) * 86400);
  }
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_UTF8,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  return cert;
}

}  // namespace

absl::StatusOr<KeyType> ParseKeyType(absl::string_view word) {
  if (word == "ec" || word == "p256") return KeyType::kEcP256;
  if (word == "rsa" || word == "rsa2048") return KeyType::kRsa2048;
  if (word == "rsa3072") return KeyType::kRsa3072;
  return absl::InvalidArgumentError(
      absl::StrCat("key type \"", word,
                   "\" is not one of ec (ECDSA P-256), rsa (RSA 2048), "
                   "rsa3072"));
}

absl::StatusOr<KeyAndCert> CreateCertificateAuthority(
    const std::string& common_name, int validity_days,
    int64_t not_before_unix) {
  TRUC_ASSIGN_OR_RETURN(Ptr<EVP_PKEY> key, NewKey());
  TRUC_ASSIGN_OR_RETURN(
      Ptr<X509> cert,
      NewCert(common_name, key.get(), validity_days, not_before_unix,
              not_before_unix == 0
                  ? 0
                  : not_before_unix + int64_t{validity_days} * 86400));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  TRUC_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(),
                                    NID_basic_constraints,
                                    "critical,CA:TRUE,pathlen:0"));
  TRUC_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_key_usage,
                                    "critical,keyCertSign,cRLSign"));
  TRUC_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return OpenSslError("sign CA certificate");
  }
  KeyAndCert out;
  TRUC_ASSIGN_OR_RETURN(out.key_pem, KeyPem(key.get()));
  TRUC_ASSIGN_OR_RETURN(out.cert_pem, CertPem(cert.get()));
  return out;
}

absl::StatusOr<KeyAndCert> IssueCertificate(const KeyAndCert& ca,
                                            const IssueRequest& request) {
  if (request.role == Role::kAgency) {
    TRUC_RETURN_IF_ERROR(ValidateAgencyCode(request.name));
  } else {
    TRUC_RETURN_IF_ERROR(ValidatePrincipalName(request.name));
  }
  auto ca_parsed = Certificate::FromPem(ca.cert_pem);
  if (!ca_parsed.ok())
    return absl::InvalidArgumentError("CA certificate does not parse");
  X509* ca_cert = ca_parsed->x509();
  Ptr<BIO> ca_key_bio(
      BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())));
  Ptr<EVP_PKEY> ca_key(
      PEM_read_bio_PrivateKey(ca_key_bio.get(), nullptr, nullptr, nullptr));
  if (!ca_key) return absl::InvalidArgumentError("CA key does not parse");

  TRUC_ASSIGN_OR_RETURN(Ptr<EVP_PKEY> key, NewKey(request.key_type));
  std::string cn =
      request.common_name.empty() ? request.name : request.common_name;
  TRUC_ASSIGN_OR_RETURN(
      Ptr<X509> cert, NewCert(cn, key.get(), request.validity_days,
                              request.not_before_unix, request.not_after_unix));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert));

  std::vector<std::string> sans = {
      absl::StrCat("URI:", IdentityUri(request.role, request.name))};
  for (const auto& dns : request.dns_names)
    sans.push_back(absl::StrCat("DNS:", dns));
  for (const auto& ip : request.ip_addresses)
    sans.push_back(absl::StrCat("IP:", ip));
  TRUC_RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert, NID_subject_alt_name,
                                    absl::StrJoin(sans, ",")));
  TRUC_RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert, NID_basic_constraints,
                                    "critical,CA:FALSE"));
  // The key signs TLS handshakes and, for the axis, documents, receipts
  // and checkpoints (nonRepudiation).
  TRUC_RETURN_IF_ERROR(AddExtension(
      cert.get(), ca_cert, NID_key_usage,
      request.key_type == KeyType::kEcP256
          ? "critical,digitalSignature,nonRepudiation,keyAgreement"
          : "critical,digitalSignature,nonRepudiation,keyEncipherment"));
  TRUC_RETURN_IF_ERROR(AddExtension(
      cert.get(), ca_cert, NID_ext_key_usage,
      request.role == Role::kHub ? "serverAuth,clientAuth" : "clientAuth"));
  TRUC_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert, NID_authority_key_identifier, "keyid"));
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) {
    return OpenSslError("sign certificate");
  }
  KeyAndCert out;
  TRUC_ASSIGN_OR_RETURN(out.key_pem, KeyPem(key.get()));
  TRUC_ASSIGN_OR_RETURN(out.cert_pem, CertPem(cert.get()));
  return out;
}

}  // namespace truc
