// Signatures on the axis (truc.v1.Signature): one format and one code path
// for everything that is signed (a sender's document header, the hub's
// receipts and audit checkpoints, a recipient agent's statements), with RSA
// (PKCS#1 v1.5, 2048 bits or more) or ECDSA P-256, over SHA-256.
//
// What is signed is never the bare data: it is a context naming what the
// data is, one zero byte, then the data. A signature made over one kind of
// thing therefore never verifies as another (a header as a receipt, say).
// docs/TRUST.md says who signs what.
#ifndef TRUC_COMMON_SIGNATURE_H_
#define TRUC_COMMON_SIGNATURE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/identity.h"
#include "truc/v1/envelope.pb.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace truc {

// The contexts: what the signed data is.
inline constexpr absl::string_view kHeaderContext = "truc.v1.DocumentHeader";
// A header the hub signs as the carrier of a document that came through its
// national-axis API (Envelope.carried_for_system).
inline constexpr absl::string_view kCarriedHeaderContext =
    "truc.v1.DocumentHeader.carried";
// A header a bridge signs as the carrier of a document it brought in from
// beyond the hub (Envelope.carried_by_bridge).
inline constexpr absl::string_view kBridgedHeaderContext =
    "truc.v1.DocumentHeader.bridged";
inline constexpr absl::string_view kReceiptContext = "truc.v1.ReceiptBody";
inline constexpr absl::string_view kCheckpointContext = "truc.v1.Checkpoint";

// A private key and the certificate that names its holder.
//
// Thread-safety: thread-safe (each Sign has its own OpenSSL context).
class Signer {
 public:
  // Fails INVALID_ARGUMENT if the key or the certificate does not parse,
  // if the key is not RSA of 2048 bits or more nor ECDSA P-256, or if it is
  // not the certificate's key; UNAUTHENTICATED if the certificate names no
  // truc identity.
  static absl::StatusOr<std::unique_ptr<Signer>> FromPem(
      absl::string_view key_pem, absl::string_view cert_pem);
  // The same, read from files; errors name the file (NOT_FOUND,
  // PERMISSION_DENIED, or the above).
  static absl::StatusOr<std::unique_ptr<Signer>> FromFiles(
      const std::string& key_path, const std::string& cert_path);
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // Signs context || 0x00 || data. Fails INTERNAL if OpenSSL does.
  absl::StatusOr<truc::v1::Signature> Sign(absl::string_view context,
                                           absl::string_view data) const;

  const Identity& identity() const { return identity_; }
  const Certificate& certificate() const { return cert_; }
  // The private key, owned by this Signer, for a TLS server that presents
  // certificate() (the console takes a reference of its own per handshake).
  evp_pkey_st* private_key() const { return key_; }

 private:
  Signer(evp_pkey_st* key, Certificate cert, Identity identity)
      : key_(key), cert_(std::move(cert)), identity_(std::move(identity)) {}
  evp_pkey_st* key_;
  Certificate cert_;
  Identity identity_;
};

// Checks `signature` over context || 0x00 || data: its certificate parses,
// was issued by `anchor` and was valid at `at_unix` (Unix seconds), has an
// accepted key (as Signer), and the value verifies with that key. Returns
// the signer's identity. Fails INVALID_ARGUMENT when the signature or its
// certificate is missing or does not parse, and UNAUTHENTICATED naming what
// does not check out.
absl::StatusOr<Identity> VerifySignature(const TrustAnchor& anchor,
                                         absl::string_view context,
                                         absl::string_view data,
                                         const truc::v1::Signature& signature,
                                         int64_t at_unix);

}  // namespace truc

#endif  // TRUC_COMMON_SIGNATURE_H_
