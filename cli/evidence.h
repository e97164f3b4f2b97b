// The evidence commands of `truc`: checking saved receipts, showing a
// document's evidence, and the audit log's checkpoints and proofs. What the
// hub sends is checked here, with the province CA's certificate alone
// (common/evidence.h): the hub's word is not taken for any of it.
//
// Thread-safety: functions are thread-safe; stubs may be shared. Failures
// are absl::Status (the hub's mapped by FromGrpcStatus); what does not
// check out is DATA_LOSS or UNAUTHENTICATED, naming why.
#ifndef TRUC_CLI_EVIDENCE_H_
#define TRUC_CLI_EVIDENCE_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/identity.h"
#include "common/time_util.h"
#include "truc/v1/audit.grpc.pb.h"
#include "truc/v1/evidence.pb.h"
#include "truc/v1/status.pb.h"

namespace truc::cli {

// A receipt, checkpoint or proof file as truc writes it (common/armor.h).
// Fails naming the file: NOT_FOUND, or INVALID_ARGUMENT if it is not such
// a file (any byte changed) or does not parse.
absl::StatusOr<truc::v1::Receipt> ReadReceiptFile(const std::string& path);
absl::StatusOr<truc::v1::SignedCheckpoint> ReadCheckpointFile(
    const std::string& path);
absl::StatusOr<truc::v1::DocumentProof> ReadProofFile(const std::string& path);

// Writes an evidence file durably (mode 0644). Fails with the file's error.
absl::Status WriteReceiptFile(const std::string& path,
                              const truc::v1::Receipt& receipt);
absl::Status WriteCheckpointFile(const std::string& path,
                                 const truc::v1::SignedCheckpoint& checkpoint);

// `truc receipt verify FILE`: checks the receipt offline and prints what
// it proves: who signed it (name, certificate), about which document and
// header, when, and what (accepted for these recipients; arrived; a
// status). Fails as ReadReceiptFile and common/evidence.h's VerifyReceipt.
absl::Status RunReceiptVerify(const TrustAnchor& anchor,
                              const std::string& path, std::ostream& out);

// `truc status DOC-ID --evidence [--save DIR]`: after the status table
// (printed by the caller), each piece of evidence of `status` (asked for
// with evidence) checked here: the sender's signature over the header, the
// hub's acceptance receipt, and every recipient's signed statements; a
// line each, "ok" or what is wrong. With `save_dir`, each receipt is also
// written there as <document>.<who>.<status>.receipt. Fails DATA_LOSS when
// any piece does not check out (after printing them all).
absl::Status RunShowEvidence(const TrustAnchor& anchor,
                             const truc::v1::DocumentStatus& status,
                             const std::string& save_dir, std::ostream& out);

// `truc audit checkpoint [--out FILE]`: a fresh signed checkpoint from the
// hub, checked, printed, and written to FILE when given.
absl::Status RunAuditCheckpoint(truc::v1::Audit::StubInterface* stub,
                                const TrustAnchor& anchor,
                                const std::string& out_path, std::ostream& out);

// `truc audit verify`: the hub recomputes its log (operators); prints the
// result, and fails DATA_LOSS naming the first record that does not hold.
absl::Status RunAuditVerify(truc::v1::Audit::StubInterface* stub,
                            const TrustAnchor& anchor, std::ostream& out);

// `truc audit prove DOC-ID [--out FILE]`: the document's events with their
// inclusion proofs against a signed checkpoint, checked here, printed, and
// written to FILE when given.
absl::Status RunAuditProve(truc::v1::Audit::StubInterface* stub,
                           const TrustAnchor& anchor,
                           const std::string& document_id,
                           const std::string& out_path, std::ostream& out);

// `truc audit verify-proof FILE`: checks a saved proof offline and prints
// the events it proves.
absl::Status RunAuditVerifyProof(const TrustAnchor& anchor,
                                 const std::string& path, std::ostream& out);

// `truc audit verify-consistency OLD [NEW]`: asks the hub for the proof
// that the checkpoint NEW (when not given: a fresh one, written to
// `save_new` when set) extends the checkpoint OLD, and checks it here.
// Fails DATA_LOSS if the log was not only appended to.
absl::Status RunAuditVerifyConsistency(truc::v1::Audit::StubInterface* stub,
                                       const TrustAnchor& anchor,
                                       const std::string& old_path,
                                       const std::string& new_path,
                                       const std::string& save_new,
                                       std::ostream& out);

}  // namespace truc::cli

#endif  // TRUC_CLI_EVIDENCE_H_
