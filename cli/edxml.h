// `truc edxml check | import | export`: edXML (QCVN 102:2016) at the
// clerk's border, over the codec in common/edxml/ (docs/EDXML.md).
//
// Thread-safety: functions are thread-safe; the stub may be shared.
#ifndef TRUC_CLI_EDXML_H_
#define TRUC_CLI_EDXML_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "common/identity.h"
#include "common/signature.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::cli {

// Reads the edXML file at `path` (attachments decoded and hashed, never
// kept), maps it, checks its own signature, and prints what it found:
// the kind (document or status), its fields, each attachment with its size
// and SHA-256, the signature's result and the quirks tolerated; or, with
// `json`, one JSON object {kind, document | status, attachments,
// signature, warnings}. Fails with the first error, naming the element.
absl::Status RunEdxmlCheck(const std::string& path, bool json,
                           std::ostream& out);

// Sends the edXML document at `path` as the signer's agency, its
// attachments included, urgency and due date kept: its sender must be that
// agency (FAILED_PRECONDITION otherwise). The idempotency key is the
// document's own (edxml::IdempotencyKeyOf) unless `idempotency_key` is
// given, so importing one file twice stores it once. Notes the quirks
// tolerated and the edXML's own signature (information only) on `err`;
// prints as `truc send` does (SendPrepared).
absl::Status RunEdxmlImport(truc::v1::Exchange::StubInterface* stub,
                            const Signer& signer, const TrustAnchor& anchor,
                            const std::string& path,
                            const std::string& idempotency_key,
                            const std::string& receipt_path, bool json,
                            std::ostream& out, std::ostream& err);

// Writes document `document_id`, which the caller sent, as edXML to
// `out_path`: the header as stored, its attachments downloaded from the
// hub, and a TraceHeader for this hub (its axis_organ_id, at the time it
// accepted the document; without one configured, a note on `err` and no
// TraceHeader). Refuses an `out_path` that exists (ALREADY_EXISTS);
// leaves nothing on failure. Prints the path written.
absl::Status RunEdxmlExport(truc::v1::Exchange::StubInterface* stub,
                            const std::string& document_id,
                            const std::string& out_path, std::ostream& out,
                            std::ostream& err);

}  // namespace truc::cli

#endif  // TRUC_CLI_EDXML_H_
