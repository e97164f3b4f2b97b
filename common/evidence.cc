#include "common/evidence.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/merkle.h"
#include "common/status_macros.h"

namespace truc {
namespace {

int64_t Seconds(const truc::v1::Timestamp& t) {
  return t.unix_micros() / 1'000'000;
}

absl::Status CheckBody(const truc::v1::ReceiptBody& b) {
  if (b.document_id().empty())
    return absl::InvalidArgumentError("the receipt names no document");
  if (b.header_sha256().size() != 32) {
    return absl::InvalidArgumentError(
        "the receipt's header_sha256 is not a SHA-256 digest (32 bytes)");
  }
  if (b.at().unix_micros() <= 0)
    return absl::InvalidArgumentError("the receipt has no time");
  switch (b.kind()) {
    case truc::v1::ReceiptBody::KIND_ACCEPTED:
      if (b.sender().empty())
        return absl::InvalidArgumentError(
            "the acceptance receipt names no sender");
      return absl::OkStatus();
    case truc::v1::ReceiptBody::KIND_STATUS:
      if (b.recipient().empty())
        return absl::InvalidArgumentError(
            "the status statement names no recipient");
      if (b.status() < truc::v1::EDXML_STATUS_ARRIVED ||
          b.status() > truc::v1::EDXML_STATUS_COMPLETED) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the status statement's status ", static_cast<int>(b.status()),
            " is not an edXML status 01 to 06"));
      }
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "the receipt's kind ", static_cast<int>(b.kind()), " is unknown"));
  }
}

}  // namespace

absl::StatusOr<truc::v1::Receipt> SignReceipt(
    const Signer& signer, const truc::v1::ReceiptBody& body) {
  truc::v1::Receipt r;
  body.SerializeToString(r.mutable_body());
  TRUC_ASSIGN_OR_RETURN(*r.mutable_signature(),
                        signer.Sign(kReceiptContext, r.body()));
  return r;
}

absl::StatusOr<truc::v1::Receipt> SignStatusStatement(
    const Signer& signer, const std::string& document_id,
    const std::string& header_sha256, truc::v1::EdxmlStatus status,
    const std::string& description, int64_t at_micros) {
  truc::v1::ReceiptBody body;
  body.set_kind(truc::v1::ReceiptBody::KIND_STATUS);
  body.set_document_id(document_id);
  body.set_header_sha256(header_sha256);
  body.mutable_at()->set_unix_micros(at_micros);
  body.set_recipient(signer.identity().name);
  body.set_status(status);
  body.set_description(description);
  return SignReceipt(signer, body);
}

absl::StatusOr<truc::v1::Receipt> SignBridgedStatement(
    const Signer& bridge, const std::string& document_id,
    const std::string& header_sha256, const std::string& recipient,
    truc::v1::EdxmlStatus status, const std::string& description,
    int64_t at_micros) {
  truc::v1::ReceiptBody body;
  body.set_kind(truc::v1::ReceiptBody::KIND_STATUS);
  body.set_document_id(document_id);
  body.set_header_sha256(header_sha256);
  body.mutable_at()->set_unix_micros(at_micros);
  body.set_recipient(recipient);
  body.set_status(status);
  body.set_description(description);
  body.set_carried_by_bridge(bridge.identity().name);
  return SignReceipt(bridge, body);
}

absl::StatusOr<VerifiedReceipt> VerifyReceipt(
    const TrustAnchor& anchor, const truc::v1::Receipt& receipt) {
  VerifiedReceipt out;
  if (receipt.body().empty() || !out.body.ParseFromString(receipt.body())) {
    return absl::InvalidArgumentError("the receipt has no readable body");
  }
  TRUC_RETURN_IF_ERROR(CheckBody(out.body));
  TRUC_ASSIGN_OR_RETURN(
      out.signer, VerifySignature(anchor, kReceiptContext, receipt.body(),
                                  receipt.signature(), Seconds(out.body.at())));
  if (out.body.kind() == truc::v1::ReceiptBody::KIND_ACCEPTED &&
      out.signer.role != Role::kHub) {
    return absl::UnauthenticatedError(
        absl::StrCat("an acceptance receipt must be signed by the hub; this "
                     "one is signed by ",
                     out.signer.ToString()));
  }
  if (out.body.kind() == truc::v1::ReceiptBody::KIND_STATUS) {
    // Reported through the national-axis API: the hub is the carrier.
    if (!out.body.carried_for_system().empty()) {
      if (out.signer.role != Role::kHub) {
        return absl::UnauthenticatedError(
            absl::StrCat("a status statement carried for system ",
                         out.body.carried_for_system(),
                         " must be signed by the hub; this one is signed by ",
                         out.signer.ToString()));
      }
    } else if (!out.body.carried_by_bridge().empty()) {
      // Brought back from beyond this hub: the bridge is the carrier.
      if (out.signer.role != Role::kBridge ||
          out.signer.name != out.body.carried_by_bridge()) {
        return absl::UnauthenticatedError(absl::StrCat(
            "a status statement brought back by bridge ",
            out.body.carried_by_bridge(),
            " must be signed by that bridge; this one is signed by ",
            out.signer.ToString()));
      }
    } else if (out.signer.role != Role::kAgency ||
               out.signer.name != out.body.recipient()) {
      return absl::UnauthenticatedError(
          absl::StrCat("a status statement of ", out.body.recipient(),
                       " must be signed by that agency; this one is signed by ",
                       out.signer.ToString()));
    }
  }
  return out;
}

absl::StatusOr<Identity> VerifyEnvelope(const TrustAnchor& anchor,
                                        const truc::v1::Envelope& envelope,
                                        const std::string& sender_agency,
                                        int64_t at_unix) {
  if (!envelope.carried_by_bridge().empty()) {
    // Brought in from beyond the hub: the sender's own signature may be of
    // another CA; the bridge vouches for the header as carrier.
    if (!envelope.has_carrier_signature()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the envelope names bridge ", envelope.carried_by_bridge(),
          " as its carrier but carries no signature of it"));
    }
    TRUC_ASSIGN_OR_RETURN(
        Identity carrier,
        VerifySignature(anchor, kBridgedHeaderContext, envelope.header(),
                        envelope.carrier_signature(), at_unix));
    if (carrier.role != Role::kBridge ||
        carrier.name != envelope.carried_by_bridge()) {
      return absl::UnauthenticatedError(absl::StrCat(
          "a document brought in by bridge ", envelope.carried_by_bridge(),
          " must be signed by that bridge as carrier; this one is signed by ",
          carrier.ToString()));
    }
    return carrier;
  }
  if (!envelope.has_signature()) {
    return absl::InvalidArgumentError(
        "the envelope carries no signature of its sender");
  }
  const bool carried = !envelope.carried_for_system().empty();
  TRUC_ASSIGN_OR_RETURN(
      Identity signer,
      VerifySignature(anchor, carried ? kCarriedHeaderContext : kHeaderContext,
                      envelope.header(), envelope.signature(), at_unix));
  if (carried) {
    if (signer.role != Role::kHub) {
      return absl::UnauthenticatedError(absl::StrCat(
          "a document carried for system ", envelope.carried_for_system(),
          " must be signed by the hub; this one is signed by ",
          signer.ToString()));
    }
  } else if (signer.role != Role::kAgency || signer.name != sender_agency) {
    return absl::UnauthenticatedError(
        absl::StrCat("the header names ", sender_agency,
                     " as its sender but is signed by ", signer.ToString()));
  }
  return signer;
}

absl::StatusOr<truc::v1::SignedCheckpoint> SignCheckpoint(
    const Signer& signer, const truc::v1::Checkpoint& checkpoint) {
  truc::v1::SignedCheckpoint out;
  checkpoint.SerializeToString(out.mutable_body());
  TRUC_ASSIGN_OR_RETURN(*out.mutable_signature(),
                        signer.Sign(kCheckpointContext, out.body()));
  return out;
}

absl::StatusOr<VerifiedCheckpoint> VerifyCheckpoint(
    const TrustAnchor& anchor, const truc::v1::SignedCheckpoint& signed_cp) {
  VerifiedCheckpoint out;
  if (signed_cp.body().empty() ||
      !out.checkpoint.ParseFromString(signed_cp.body())) {
    return absl::InvalidArgumentError("the checkpoint has no readable body");
  }
  if (out.checkpoint.root_hash().size() != merkle::kHashSize) {
    return absl::InvalidArgumentError(
        "the checkpoint's root hash is not 32 bytes");
  }
  if (out.checkpoint.at().unix_micros() <= 0)
    return absl::InvalidArgumentError("the checkpoint has no time");
  TRUC_ASSIGN_OR_RETURN(
      out.signer,
      VerifySignature(anchor, kCheckpointContext, signed_cp.body(),
                      signed_cp.signature(), Seconds(out.checkpoint.at())));
  if (out.signer.role != Role::kHub) {
    return absl::UnauthenticatedError(absl::StrCat(
        "a checkpoint must be signed by the hub; this one is signed by ",
        out.signer.ToString()));
  }
  return out;
}

absl::StatusOr<VerifiedProof> VerifyDocumentProof(
    const TrustAnchor& anchor, const truc::v1::DocumentProof& proof) {
  if (proof.document_id().empty())
    return absl::InvalidArgumentError("the proof names no document");
  VerifiedProof out;
  TRUC_ASSIGN_OR_RETURN(out.checkpoint,
                        VerifyCheckpoint(anchor, proof.checkpoint()));
  const truc::v1::Checkpoint& cp = out.checkpoint.checkpoint;
  if (proof.events().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the proof holds no event of document ", proof.document_id()));
  }
  uint64_t previous = 0;
  for (int i = 0; i < proof.events_size(); ++i) {
    const truc::v1::ProvenEvent& pe = proof.events(i);
    truc::v1::AuditEvent e;
    if (!e.ParseFromString(pe.event())) {
      return absl::DataLossError(
          absl::StrCat("event ", i, " of the proof does not parse"));
    }
    if (e.document_id() != proof.document_id()) {
      return absl::DataLossError(
          absl::StrCat("audit event ", e.index(), " is about document ",
                       e.document_id(), ", not ", proof.document_id()));
    }
    if (i > 0 && e.index() <= previous) {
      return absl::DataLossError(absl::StrCat(
          "audit event ", e.index(), " comes after event ", previous,
          " in the proof: the events are out of order or repeated"));
    }
    previous = e.index();
    if (e.index() >= cp.size()) {
      return absl::DataLossError(absl::StrCat(
          "audit event ", e.index(), " is not in the checkpoint's log of ",
          cp.size(), " events"));
    }
    std::vector<std::string> path(pe.audit_path().begin(),
                                  pe.audit_path().end());
    absl::Status held = merkle::VerifyInclusion(e.index(), cp.size(),
                                                merkle::LeafHash(pe.event()),
                                                path, cp.root_hash());
    if (!held.ok()) {
      return absl::DataLossError(
          absl::StrCat("the proof of audit event ", e.index(), " (", e.kind(),
                       ") does not hold against the checkpoint of ", cp.size(),
                       " events: ", held.message()));
    }
    out.events.push_back(std::move(e));
  }
  return out;
}

absl::Status VerifyCheckpointConsistency(
    const TrustAnchor& anchor, const truc::v1::SignedCheckpoint& earlier,
    const truc::v1::SignedCheckpoint& later,
    const truc::v1::ConsistencyProof& proof) {
  TRUC_ASSIGN_OR_RETURN(VerifiedCheckpoint a,
                        VerifyCheckpoint(anchor, earlier));
  TRUC_ASSIGN_OR_RETURN(VerifiedCheckpoint b, VerifyCheckpoint(anchor, later));
  if (a.signer.name != b.signer.name) {
    return absl::InvalidArgumentError(
        absl::StrCat("the checkpoints are of two hubs (", a.signer.name,
                     " and ", b.signer.name, ")"));
  }
  const uint64_t old_size = a.checkpoint.size(), new_size = b.checkpoint.size();
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("the first checkpoint (", old_size,
                     " events) is later than the second (", new_size,
                     "): give the older one first"));
  }
  if (proof.old_size() != old_size || proof.new_size() != new_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the consistency proof is from %d to %d events, not from %d to %d",
        proof.old_size(), proof.new_size(), old_size, new_size));
  }
  std::vector<std::string> path(proof.path().begin(), proof.path().end());
  absl::Status held = merkle::VerifyConsistency(old_size, new_size, path,
                                                a.checkpoint.root_hash(),
                                                b.checkpoint.root_hash());
  if (!held.ok()) {
    return absl::DataLossError(absl::StrCat(
        "the log of ", new_size, " events does not extend the log of ",
        old_size, " events: ", held.message()));
  }
  return absl::OkStatus();
}

}  // namespace truc
