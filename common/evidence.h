// The evidence of the axis, made and checked: receipts (the hub's
// acceptance of a document, a recipient agent's statement of its arrival or
// status), the hub's signed audit checkpoints, and the proofs against them.
// Everything is checked with the province CA's certificate alone
// (TrustAnchor), so that the sender, an inspector or a court can check it
// offline; docs/TRUST.md says what each one proves.
//
// Thread-safety: pure functions, thread-safe.
#ifndef TRUC_COMMON_EVIDENCE_H_
#define TRUC_COMMON_EVIDENCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/identity.h"
#include "common/signature.h"
#include "truc/v1/evidence.pb.h"

namespace truc {

// Signs `body` into a receipt. Fails with the signer's error.
absl::StatusOr<truc::v1::Receipt> SignReceipt(
    const Signer& signer, const truc::v1::ReceiptBody& body);

// A recipient agent's statement of `status` about the document whose
// header bytes hash to `header_sha256`, at `at_micros`, signed by
// `signer` (an agency certificate: the recipient).
absl::StatusOr<truc::v1::Receipt> SignStatusStatement(
    const Signer& signer, const std::string& document_id,
    const std::string& header_sha256, truc::v1::EdxmlStatus status,
    const std::string& description, int64_t at_micros);

// A bridge's statement, as carrier, of a status of `recipient`, an agency
// beyond the hub that the bridge reaches (its signer must be the bridge).
absl::StatusOr<truc::v1::Receipt> SignBridgedStatement(
    const Signer& bridge, const std::string& document_id,
    const std::string& header_sha256, const std::string& recipient,
    truc::v1::EdxmlStatus status, const std::string& description,
    int64_t at_micros);

struct VerifiedReceipt {
  truc::v1::ReceiptBody body;
  Identity signer;
};

// Checks a receipt: its body parses, its signature verifies (context
// kReceiptContext) with a certificate of `anchor` valid at the body's time,
// and the signer is who the kind requires: the hub for KIND_ACCEPTED, the
// recipient agency itself for KIND_STATUS (or the hub, for one carried for
// a national-axis API system; or the bridge it names, for one brought back
// from beyond this hub). Fails INVALID_ARGUMENT for a
// receipt that is malformed (no body, unknown kind, missing fields) and
// UNAUTHENTICATED for one that does not check out, naming why.
absl::StatusOr<VerifiedReceipt> VerifyReceipt(const TrustAnchor& anchor,
                                              const truc::v1::Receipt& receipt);

// Who vouches for a document's header bytes, checked at `at_unix` with
// `anchor`: the sending agency's own signature (context kHeaderContext, a
// certificate of `sender_agency`), or, for a document that came through
// the hub's national-axis API (envelope.carried_for_system set), the hub's
// signature as its carrier (context kCarriedHeaderContext, a hub
// certificate), or, for a document a bridge brought in from beyond the hub
// (envelope.carried_by_bridge set), that bridge's signature as carrier
// (context kBridgedHeaderContext; the sender's own signature, of another
// CA maybe, is kept beside it as evidence but not checked here).
// Returns the signer. INVALID_ARGUMENT without a signature;
// UNAUTHENTICATED naming what does not check out (another agency's,
// another CA's, expired, altered). The hub, the agent and `truc status
// --evidence` all check envelopes with this.
absl::StatusOr<Identity> VerifyEnvelope(const TrustAnchor& anchor,
                                        const truc::v1::Envelope& envelope,
                                        const std::string& sender_agency,
                                        int64_t at_unix);

// Signs a checkpoint of the audit log (signer: the hub).
absl::StatusOr<truc::v1::SignedCheckpoint> SignCheckpoint(
    const Signer& signer, const truc::v1::Checkpoint& checkpoint);

struct VerifiedCheckpoint {
  truc::v1::Checkpoint checkpoint;
  Identity signer;
};

// Checks a signed checkpoint: body parses, the root is 32 bytes, the
// signature (context kCheckpointContext) is a hub's, from `anchor`, valid
// at the checkpoint's time. Errors as VerifyReceipt's.
absl::StatusOr<VerifiedCheckpoint> VerifyCheckpoint(
    const TrustAnchor& anchor, const truc::v1::SignedCheckpoint& signed_cp);

struct VerifiedProof {
  VerifiedCheckpoint checkpoint;
  std::vector<truc::v1::AuditEvent> events;  // in log order
};

// Checks a document proof: the checkpoint as VerifyCheckpoint, then every
// event: it parses, concerns `proof.document_id`, and its audit path leads
// from its leaf (index inside it) to the checkpoint's root. Fails
// INVALID_ARGUMENT for a malformed proof, UNAUTHENTICATED for a checkpoint
// that does not check out and DATA_LOSS naming the first event whose proof
// does not hold.
absl::StatusOr<VerifiedProof> VerifyDocumentProof(
    const TrustAnchor& anchor, const truc::v1::DocumentProof& proof);

// Checks that `later` extends `earlier` with `proof` (both checkpoints
// checked as VerifyCheckpoint, and signed by the same hub). Fails
// INVALID_ARGUMENT if the proof is for other sizes or the checkpoints are
// out of order, DATA_LOSS if the proof does not hold: the log was not only
// appended to.
absl::Status VerifyCheckpointConsistency(
    const TrustAnchor& anchor, const truc::v1::SignedCheckpoint& earlier,
    const truc::v1::SignedCheckpoint& later,
    const truc::v1::ConsistencyProof& proof);

}  // namespace truc

#endif  // TRUC_COMMON_EVIDENCE_H_
