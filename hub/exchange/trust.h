// What the hub trusts and what it signs with: the province CA (every
// signature it checks must come from a certificate the CA issued), the
// certificates it has met (a revoked one is refused), and its own signing
// key, which may be replaced on disk while the hub runs.
//
// Thread-safety: all methods are thread-safe.
#ifndef TRUC_HUB_EXCHANGE_TRUST_H_
#define TRUC_HUB_EXCHANGE_TRUST_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/identity.h"
#include "common/signature.h"
#include "hub/exchange/cert_registry.h"
#include "hub/exchange/directory.h"
#include "truc/internal/records.pb.h"
#include "truc/v1/envelope.pb.h"
#include "truc/v1/evidence.pb.h"

namespace truc::hub {

// The hub's own key and certificate (receipts, audit checkpoints, and the
// console's TLS), read from two PEM files and read again when they change.
class HubSigningKey {
 public:
  // Fails as Signer::FromFiles, or INVALID_ARGUMENT if the certificate is
  // not a hub's (urn:truc:hub:...).
  static absl::StatusOr<std::unique_ptr<HubSigningKey>> Load(
      const std::string& key_path, const std::string& cert_path);

  std::shared_ptr<const Signer> Current() const;

  // Reads the files again if either changed (size or time): true if a new
  // key is in use. On an error (a half-replaced pair, a key that is not the
  // certificate's) the key in use stays and the error is returned.
  absl::StatusOr<bool> Reload();

 private:
  HubSigningKey(std::string key_path, std::string cert_path)
      : key_path_(std::move(key_path)), cert_path_(std::move(cert_path)) {}
  std::string Stamp() const;  // size and mtime of both files

  const std::string key_path_, cert_path_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Signer> signer_ ABSL_GUARDED_BY(mu_);
  std::string stamp_ ABSL_GUARDED_BY(mu_);
};

class HubTrust {
 public:
  // None may be null; all must outlive this object.
  HubTrust(TrustAnchor anchor, CertificateRegistry* registry,
           const HubSigningKey* key, Clock clock)
      : anchor_(std::move(anchor)),
        registry_(registry),
        key_(key),
        clock_(std::move(clock)) {}

  // The sender's signature over the envelope's header (common/evidence.h's
  // VerifyEnvelope: the agency's own, or the hub's for a document its
  // national-axis API carried), made now, not revoked. Returns the
  // signer. INVALID_ARGUMENT if there is no signature; UNAUTHENTICATED
  // saying what does not check out (another agency's, another CA's,
  // revoked, expired, altered).
  absl::StatusOr<Identity> CheckEnvelope(
      const truc::v1::Envelope& envelope,
      const std::string& sender_agency) const;

  // The CAs of the hubs this one federates with (HubConfig
  // federated_ca_certs). Set once, before the hub serves.
  void SetFederatedAnchors(std::vector<TrustAnchor> anchors) {
    federated_ = std::move(anchors);
  }
  // For a document a bridge brought in: its sender's own signature
  // (kHeaderContext, a certificate issued to `sender_agency` by a
  // federated CA or this hub's, valid now), or for one its first hub took
  // from an axis system (carried_for_system) that hub's signature as
  // carrier (kCarriedHeaderContext, a hub's certificate). Returns the name of
  // the CA it checks out under; "" when no federated CA is set (the signature
  // is then kept as evidence only). UNAUTHENTICATED naming why under each CA
  // when federated CAs are set and none vouches for the sender, or there is no
  // sender's signature (a document from the national axis).
  absl::StatusOr<std::string> CheckOriginSignature(
      const truc::v1::Envelope& envelope,
      const std::string& sender_agency) const;

  // A recipient agent's signed statement (ReceiptBody KIND_STATUS) about
  // `doc`: it verifies as common/evidence.h's VerifyReceipt does (so it
  // will verify offline too), its certificate is `recipient`'s, not
  // revoked and valid now, and it states this document, header digest,
  // status and description. INVALID_ARGUMENT for a missing or mismatched
  // statement, UNAUTHENTICATED for one that does not check out.
  // A statement brought back by a bridge must name `carrier_bridge`, the
  // calling bridge (and any other must name none).
  absl::Status CheckStatement(const truc::v1::Receipt& statement,
                              const std::string& recipient,
                              const truc::internal::DocumentRecord& doc,
                              truc::v1::EdxmlStatus status,
                              const std::string& description,
                              const std::string& carrier_bridge = "") const;

  // The hub's acceptance receipt for a document about to be committed
  // (its id, sender, recipients, header digest and time set). Fails
  // with the signer's error.
  absl::StatusOr<truc::v1::Receipt> SignAcceptance(
      const truc::internal::DocumentRecord& doc) const;

  // The national-axis API's documents and statuses (hub/axis/): the
  // system's software signs nothing truc can check, so the hub, having
  // authenticated the system, signs as its carrier. An envelope of
  // `header_bytes` carried for `system_id` (context kCarriedHeaderContext);
  // a status statement of `recipient` about `doc`, carried for
  // `system_id` (of bridge `carrier_bridge`, when the system is a
  // bridge's). Fail with the signer's error.
  absl::StatusOr<truc::v1::Envelope> SignCarriedEnvelope(
      const std::string& header_bytes, const std::string& system_id) const;
  absl::StatusOr<truc::v1::Receipt> SignCarriedStatement(
      const truc::internal::DocumentRecord& doc, const std::string& recipient,
      truc::v1::EdxmlStatus status, const std::string& description,
      const std::string& system_id,
      const std::string& carrier_bridge = "") const;

  std::shared_ptr<const Signer> signer() const { return key_->Current(); }
  const TrustAnchor& anchor() const { return anchor_; }
  CertificateRegistry* registry() const { return registry_; }

 private:
  const TrustAnchor anchor_;
  std::vector<TrustAnchor> federated_;
  CertificateRegistry* const registry_;
  const HubSigningKey* const key_;
  const Clock clock_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_TRUST_H_
