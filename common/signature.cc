#include "common/signature.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/status_macros.h"

namespace truc {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string Framed(absl::string_view context, absl::string_view data) {
  std::string out;
  out.reserve(context.size() + 1 + data.size());
  out.append(context.data(), context.size());
  out.push_back('\0');
  out.append(data.data(), data.size());
  return out;
}

std::string OpenSslMessage() {
  unsigned long err = ERR_get_error();
  char buf[256] = "unknown error";
  if (err != 0) ERR_error_string_n(err, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// RSA of 2048 bits or more, or ECDSA on P-256: the keys the axis accepts.
absl::Status CheckKey(EVP_PKEY* key, absl::string_view whose) {
  const int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (bits >= 2048) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        whose, " is an RSA key of ", bits, " bits; at least 2048 are needed"));
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char curve[64] = "";
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve,
                                       &len) == 1 &&
        (std::string(curve) == "prime256v1" || std::string(curve) == "P-256")) {
      return absl::OkStatus();
    }
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        whose, " is an EC key on ", curve[0] ? curve : "an unknown curve",
        "; only P-256 is accepted"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(whose, " is neither an RSA nor an ECDSA P-256 key"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Signer>> Signer::FromPem(
    absl::string_view key_pem, absl::string_view cert_pem) {
  TRUC_ASSIGN_OR_RETURN(Certificate cert, Certificate::FromPem(cert_pem));
  TRUC_ASSIGN_OR_RETURN(Identity identity, cert.GetIdentity());
  std::unique_ptr<BIO, void (*)(BIO*)> bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())),
      [](BIO* b) { BIO_free(b); });
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "the signing key is not a PEM private key");
  }
  TRUC_RETURN_IF_ERROR(CheckKey(key.get(), "the signing key"));
  if (X509_check_private_key(cert.x509(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("the signing key is not the key of certificate ",
                     identity.serial_hex, " (", identity.ToString(), ")"));
  }
  return std::unique_ptr<Signer>(
      new Signer(key.release(), std::move(cert), std::move(identity)));
}

absl::StatusOr<std::unique_ptr<Signer>> Signer::FromFiles(
    const std::string& key_path, const std::string& cert_path) {
  auto key = ReadFile(key_path, 1 << 20);
  if (!key.ok()) {
    return absl::Status(
        key.status().code(),
        absl::StrCat("cannot read the signing key: ", key.status().message()));
  }
  auto cert = ReadFile(cert_path, 1 << 20);
  if (!cert.ok()) {
    return absl::Status(cert.status().code(),
                        absl::StrCat("cannot read the signing certificate: ",
                                     cert.status().message()));
  }
  auto signer = FromPem(*key, *cert);
  if (!signer.ok()) {
    return absl::Status(signer.status().code(),
                        absl::StrCat(key_path, " and ", cert_path, ": ",
                                     signer.status().message()));
  }
  return signer;
}

Signer::~Signer() { EVP_PKEY_free(key_); }

absl::StatusOr<truc::v1::Signature> Signer::Sign(absl::string_view context,
                                                 absl::string_view data) const {
  const std::string message = Framed(context, data);
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr,
                            key_, nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return absl::InternalError(absl::StrCat("sign: ", OpenSslMessage()));
  }
  std::string value(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(value.data()),
                     &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return absl::InternalError(absl::StrCat("sign: ", OpenSslMessage()));
  }
  value.resize(len);  // ECDSA signatures vary in length
  truc::v1::Signature out;
  out.set_certificate(cert_.Der());
  out.set_value(std::move(value));
  return out;
}

absl::StatusOr<Identity> VerifySignature(const TrustAnchor& anchor,
                                         absl::string_view context,
                                         absl::string_view data,
                                         const truc::v1::Signature& signature,
                                         int64_t at_unix) {
  if (signature.certificate().empty() || signature.value().empty()) {
    return absl::InvalidArgumentError(
        "no signature: the signature and its certificate are required");
  }
  auto verified = anchor.VerifyDer(signature.certificate(), at_unix);
  if (absl::IsInvalidArgument(verified.status())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the signer's certificate: ", verified.status().message()));
  }
  if (!verified.ok()) return verified.status();
  const Identity& identity = verified->identity;
  EVP_PKEY* key = X509_get0_pubkey(verified->certificate.x509());
  if (key == nullptr) {
    ERR_clear_error();
    return absl::UnauthenticatedError(absl::StrCat(
        "certificate ", identity.serial_hex, " has no usable key"));
  }
  absl::Status key_ok = CheckKey(
      key, absl::StrCat("the key of certificate ", identity.serial_hex));
  if (!key_ok.ok()) return absl::UnauthenticatedError(key_ok.message());
  const std::string message = Framed(context, data);
  MdCtx ctx(EVP_MD_CTX_new());
  const bool valid =
      ctx &&
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr,
                              key, nullptr) == 1 &&
      EVP_DigestVerify(
          ctx.get(),
          reinterpret_cast<const unsigned char*>(signature.value().data()),
          signature.value().size(),
          reinterpret_cast<const unsigned char*>(message.data()),
          message.size()) == 1;
  ERR_clear_error();  // a failed verify leaves errors queued
  if (!valid) {
    return absl::UnauthenticatedError(
        absl::StrCat("the signature of ", identity.ToString(), " (certificate ",
                     identity.serial_hex, ") does not match the signed ",
                     context, ": it was altered, or made over other data"));
  }
  return identity;
}

}  // namespace truc
