#include "cli/evidence.h"

#include <chrono>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/text.h"
#include "cli/vocabulary.h"
#include "common/armor.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/sha256.h"
#include "common/signature.h"
#include "common/status_macros.h"

namespace truc::cli {
namespace {

// "agency 000.07.00.H99 (Sở Y tế), certificate 3f24..."
std::string Signer(const Identity& id) {
  std::string out = id.ToString();
  if (!id.common_name.empty() && id.common_name != id.name)
    absl::StrAppend(&out, " (", Printable(id.common_name), ")");
  absl::StrAppend(&out, ", certificate ", id.serial_hex);
  return out;
}

template <typename Proto>
absl::StatusOr<Proto> ReadArmored(const std::string& path,
                                  absl::string_view label,
                                  absl::string_view what) {
  auto text = ReadFile(path, 64 << 20);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("cannot read ", what, " ", path, ": ",
                                     text.status().message()));
  }
  auto bytes = Dearmor(label, *text);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", bytes.status().message()));
  }
  Proto p;
  if (!p.ParseFromString(*bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the ", what, " inside does not parse"));
  }
  return p;
}

absl::Status WriteArmored(const std::string& path, absl::string_view label,
                          const google::protobuf::Message& message) {
  return WriteFileDurably(path, Armor(label, message.SerializeAsString()),
                          0644);
}

std::string StatusLabel(truc::v1::EdxmlStatus status) {
  return EdxmlStatusLabel(status);
}

std::string DescribeReceipt(const VerifiedReceipt& v) {
  const truc::v1::ReceiptBody& b = v.body;
  std::vector<std::vector<std::string>> rows;
  if (b.kind() == truc::v1::ReceiptBody::KIND_ACCEPTED) {
    rows.push_back(
        {"What", "the hub accepted the document for its recipients"});
  } else {
    rows.push_back({"What", absl::StrCat("status ", StatusLabel(b.status()),
                                         " stated by the recipient")});
  }
  rows.push_back({"Signed by", Signer(v.signer)});
  rows.push_back({"Document", Printable(b.document_id())});
  rows.push_back(
      {"Header", absl::StrCat("SHA-256 ", HexEncode(b.header_sha256()))});
  rows.push_back({"At", FormatVietnamTime(b.at().unix_micros())});
  if (b.kind() == truc::v1::ReceiptBody::KIND_ACCEPTED) {
    rows.push_back({"Sender", Printable(b.sender())});
    std::vector<std::string> to;
    for (const auto& r : b.recipients()) to.push_back(Printable(r));
    rows.push_back(
        {"Recipients", absl::StrCat(to.size(), ": ", absl::StrJoin(to, ", "))});
    if (!b.edxml_document_id().empty())
      rows.push_back({"edXML id", Printable(b.edxml_document_id())});
  } else {
    rows.push_back({"Recipient", Printable(b.recipient())});
    if (!b.description().empty())
      rows.push_back({"Description", Printable(b.description())});
  }
  std::string out;
  for (const auto& row : rows)
    absl::StrAppend(&out, PadRight(row[0], 12), row[1], "\n");
  return out;
}

std::string DescribeEvent(const truc::v1::AuditEvent& e) {
  std::string line =
      absl::StrCat("  #", e.index(), "  ", FormatVietnamTime(e.time_micros()),
                   "  ", PadRight(e.kind(), 11), " ", Printable(e.actor()));
  if (!e.agency().empty()) absl::StrAppend(&line, " about ", e.agency());
  if (!e.detail().empty()) absl::StrAppend(&line, "  ", Printable(e.detail()));
  return line + "\n";
}

std::string DescribeCheckpoint(const VerifiedCheckpoint& v) {
  const truc::v1::Checkpoint& cp = v.checkpoint;
  return absl::StrCat(
      "Checkpoint  ", cp.size(), " events of the audit log of hub ",
      Printable(cp.hub()), "\nRoot hash   ", HexEncode(cp.root_hash()),
      " (RFC 6962, SHA-256)\nSigned at   ",
      FormatVietnamTime(cp.at().unix_micros()), " by ", Signer(v.signer), "\n");
}

// A fresh checkpoint from the hub, not yet checked.
absl::StatusOr<truc::v1::SignedCheckpoint> FetchCheckpoint(
    truc::v1::Audit::StubInterface* stub) {
  truc::v1::GetCheckpointRequest req;
  req.set_fresh(true);
  return Call<truc::v1::SignedCheckpoint>(
      [&](auto* ctx, auto* r) { return stub->GetCheckpoint(ctx, req, r); });
}

}  // namespace

absl::StatusOr<truc::v1::Receipt> ReadReceiptFile(const std::string& path) {
  return ReadArmored<truc::v1::Receipt>(path, kReceiptLabel, "receipt");
}

absl::StatusOr<truc::v1::SignedCheckpoint> ReadCheckpointFile(
    const std::string& path) {
  return ReadArmored<truc::v1::SignedCheckpoint>(path, kCheckpointLabel,
                                                 "checkpoint");
}

absl::StatusOr<truc::v1::DocumentProof> ReadProofFile(const std::string& path) {
  return ReadArmored<truc::v1::DocumentProof>(path, kDocumentProofLabel,
                                              "document proof");
}

absl::Status WriteReceiptFile(const std::string& path,
                              const truc::v1::Receipt& receipt) {
  return WriteArmored(path, kReceiptLabel, receipt);
}

absl::Status WriteCheckpointFile(const std::string& path,
                                 const truc::v1::SignedCheckpoint& checkpoint) {
  return WriteArmored(path, kCheckpointLabel, checkpoint);
}

absl::Status RunReceiptVerify(const TrustAnchor& anchor,
                              const std::string& path, std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(truc::v1::Receipt receipt, ReadReceiptFile(path));
  auto v = VerifyReceipt(anchor, receipt);
  if (!v.ok()) {
    return absl::Status(v.status().code(),
                        absl::StrCat("receipt ", path, " does not verify: ",
                                     v.status().message()));
  }
  out << "Receipt " << path << " verifies with the province CA's certificate.\n"
      << DescribeReceipt(*v);
  return absl::OkStatus();
}

absl::Status RunShowEvidence(const TrustAnchor& anchor,
                             const truc::v1::DocumentStatus& status,
                             const std::string& save_dir, std::ostream& out) {
  int bad = 0;
  auto line = [&](bool ok, const std::string& text) {
    bad += ok ? 0 : 1;
    out << (ok ? "  ok   " : "  BAD  ") << text << "\n";
  };
  auto save = [&](const std::string& name, const truc::v1::Receipt& r) {
    if (save_dir.empty()) return;
    const std::string path = JoinPath(save_dir, name);
    absl::Status s = WriteReceiptFile(path, r);
    out << "       " << (s.ok() ? "saved " + path : std::string(s.message()))
        << "\n";
    if (!s.ok()) ++bad;
  };
  if (!save_dir.empty()) {
    TRUC_RETURN_IF_ERROR(MakeDirectories(save_dir));
  }
  out << "\nEvidence, checked here with the province CA's certificate:\n";
  const std::string& id = status.document_id();
  const std::string header = status.envelope().header();
  const std::string digest = Sha256::Of(header);
  const int64_t accepted_s = status.accepted_at().unix_micros() / 1'000'000;
  // The sender's signature over the header.
  auto sender =
      VerifyEnvelope(anchor, status.envelope(), status.sender(), accepted_s);
  const std::string& carried = status.envelope().carried_for_system();
  if (!sender.ok()) {
    line(false,
         absl::StrCat("the sender's signature: ", sender.status().message()));
  } else {
    line(true, absl::StrCat("header (SHA-256 ", HexEncode(digest),
                            ") signed by ", Signer(*sender),
                            carried.empty()
                                ? ""
                                : absl::StrCat(" as the carrier for system ",
                                               carried, " of ", status.sender(),
                                               " (national-axis API)")));
  }
  if (!status.original_edxml_sha256().empty()) {
    out << "  --   the original edXML it came as is kept by the hub: SHA-256 "
        << HexEncode(status.original_edxml_sha256()) << ", "
        << status.original_edxml_size() << " bytes\n";
  }
  // From beyond the hub: what became of its sender's own signature.
  if (!status.envelope().carried_by_bridge().empty()) {
    if (!status.origin_checked_under().empty()) {
      line(true, absl::StrCat("the sender's own signature checked end to end "
                              "by the hub under ",
                              Printable(status.origin_checked_under())));
    } else {
      out << "  --   the sender's own signature (of another CA) is kept as "
             "evidence, not checked: the hub has no federated CA for it\n";
    }
  }
  // The hub's acceptance.
  auto accepted = VerifyReceipt(anchor, status.acceptance_receipt());
  if (!accepted.ok()) {
    line(false, absl::StrCat("the hub's acceptance receipt: ",
                             accepted.status().message()));
  } else if (accepted->body.document_id() != id ||
             accepted->body.header_sha256() != digest) {
    line(false,
         "the hub's acceptance receipt is about another document or "
         "header");
  } else {
    line(true,
         absl::StrCat("accepted at ",
                      FormatVietnamTime(accepted->body.at().unix_micros()),
                      " for ", accepted->body.recipients_size(),
                      " recipients, receipt signed by ",
                      Signer(accepted->signer)));
    save(absl::StrCat(id, ".acceptance.receipt"), status.acceptance_receipt());
  }
  // Each recipient's statements.
  for (const truc::v1::RecipientStatus& r : status.recipients()) {
    const std::string who = Printable(r.organ_id());
    if (r.history().empty()) {
      out << "  --   " << who << ": no statement yet ("
          << DeliveryStateLabel(r.state()) << ")\n";
      continue;
    }
    for (int i = 0; i < r.history_size(); ++i) {
      const truc::v1::StatusEvent& step = r.history(i);
      const std::string what =
          absl::StrCat(who, ": ", StatusLabel(step.status()), " recorded at ",
                       FormatVietnamTime(step.at().unix_micros()));
      auto v = VerifyReceipt(anchor, step.receipt());
      if (!v.ok()) {
        line(false, absl::StrCat(what, ": ", v.status().message()));
        continue;
      }
      const truc::v1::ReceiptBody& b = v->body;
      if (b.document_id() != id || b.recipient() != r.organ_id() ||
          b.status() != step.status()) {
        line(false, absl::StrCat(what, ": the statement says ",
                                 StatusLabel(b.status()), " by ", b.recipient(),
                                 " about ", b.document_id()));
        continue;
      }
      if (b.header_sha256() != digest) {
        // A refusal names what the recipient received: other bytes than
        // the hub stored means they were altered on the way.
        line(b.status() == truc::v1::EDXML_STATUS_REFUSED,
             absl::StrCat(what,
                          ": the recipient received a header with "
                          "SHA-256 ",
                          HexEncode(b.header_sha256()),
                          ", not the one the hub stored"));
      } else {
        line(true, absl::StrCat(what, ", stated at ",
                                FormatVietnamTime(b.at().unix_micros()),
                                ", signed by ", Signer(v->signer)));
      }
      save(absl::StrFormat("%s.%s.step%d-%02d.receipt", id, r.organ_id(), i + 1,
                           static_cast<int>(step.status())),
           step.receipt());
    }
  }
  if (bad > 0) {
    return absl::DataLossError(absl::StrCat(
        bad, " piece", bad == 1 ? "" : "s", " of the evidence of document ", id,
        " did not check out (see BAD above)"));
  }
  return absl::OkStatus();
}

absl::Status RunAuditCheckpoint(truc::v1::Audit::StubInterface* stub,
                                const TrustAnchor& anchor,
                                const std::string& out_path,
                                std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(truc::v1::SignedCheckpoint cp, FetchCheckpoint(stub));
  auto v = VerifyCheckpoint(anchor, cp);
  if (!v.ok()) {
    return absl::Status(v.status().code(),
                        absl::StrCat("the hub's checkpoint does not verify: ",
                                     v.status().message()));
  }
  out << DescribeCheckpoint(*v);
  if (!out_path.empty()) {
    TRUC_RETURN_IF_ERROR(WriteCheckpointFile(out_path, cp));
    out << "Saved to    " << out_path
        << " (keep it: `truc audit verify-consistency " << out_path
        << "` later proves the log only grew since)\n";
  }
  return absl::OkStatus();
}

absl::Status RunAuditVerify(truc::v1::Audit::StubInterface* stub,
                            const TrustAnchor& anchor, std::ostream& out) {
  truc::v1::VerifyLogResponse resp;
  // Recomputing a long log takes a while: a longer deadline than others.
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
  TRUC_RETURN_IF_ERROR(FromGrpcStatus(
      stub->VerifyLog(&ctx, truc::v1::VerifyLogRequest(), &resp)));
  if (!resp.intact()) {
    return absl::DataLossError(
        absl::StrCat("the audit log is broken: ", Printable(resp.problem())));
  }
  out << "The audit log is intact: " << resp.events()
      << " events recomputed from the store; every stored hash and "
      << resp.checkpoints()
      << (resp.checkpoints() == 1 ? " signed checkpoint agree"
                                  : " signed checkpoints agree")
      << " with them.\n";
  if (resp.has_latest_checkpoint()) {
    auto v = VerifyCheckpoint(anchor, resp.latest_checkpoint());
    if (!v.ok()) {
      return absl::Status(
          v.status().code(),
          absl::StrCat("the hub's latest checkpoint does not verify: ",
                       v.status().message()));
    }
    out << "Latest:\n" << DescribeCheckpoint(*v);
  }
  return absl::OkStatus();
}

namespace {

void PrintProof(const VerifiedProof& v, const std::string& document_id,
                std::ostream& out) {
  out << "Document " << Printable(document_id) << ": " << v.events.size()
      << " audit events, each proven against the signed checkpoint of "
      << v.checkpoint.checkpoint.size() << " events:\n";
  for (const auto& e : v.events) out << DescribeEvent(e);
  out << DescribeCheckpoint(v.checkpoint);
}

}  // namespace

absl::Status RunAuditProve(truc::v1::Audit::StubInterface* stub,
                           const TrustAnchor& anchor,
                           const std::string& document_id,
                           const std::string& out_path, std::ostream& out) {
  truc::v1::ProveDocumentRequest req;
  req.set_document_id(document_id);
  TRUC_ASSIGN_OR_RETURN(truc::v1::DocumentProof proof,
                        Call<truc::v1::DocumentProof>([&](auto* ctx, auto* r) {
                          return stub->ProveDocument(ctx, req, r);
                        }));
  auto v = VerifyDocumentProof(anchor, proof);
  if (!v.ok()) {
    return absl::Status(v.status().code(),
                        absl::StrCat("the hub's proof does not verify: ",
                                     v.status().message()));
  }
  PrintProof(*v, document_id, out);
  if (!out_path.empty()) {
    TRUC_RETURN_IF_ERROR(WriteArmored(out_path, kDocumentProofLabel, proof));
    out << "Saved to    " << out_path << " (`truc audit verify-proof "
        << out_path << "` checks it offline)\n";
  }
  return absl::OkStatus();
}

absl::Status RunAuditVerifyProof(const TrustAnchor& anchor,
                                 const std::string& path, std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(truc::v1::DocumentProof proof, ReadProofFile(path));
  auto v = VerifyDocumentProof(anchor, proof);
  if (!v.ok()) {
    return absl::Status(v.status().code(),
                        absl::StrCat("proof ", path, " does not verify: ",
                                     v.status().message()));
  }
  out << "Proof " << path << " verifies with the province CA's certificate.\n";
  PrintProof(*v, proof.document_id(), out);
  return absl::OkStatus();
}

absl::Status RunAuditVerifyConsistency(truc::v1::Audit::StubInterface* stub,
                                       const TrustAnchor& anchor,
                                       const std::string& old_path,
                                       const std::string& new_path,
                                       const std::string& save_new,
                                       std::ostream& out) {
  TRUC_ASSIGN_OR_RETURN(truc::v1::SignedCheckpoint older,
                        ReadCheckpointFile(old_path));
  truc::v1::SignedCheckpoint newer;
  if (!new_path.empty()) {
    TRUC_ASSIGN_OR_RETURN(newer, ReadCheckpointFile(new_path));
  } else {
    TRUC_ASSIGN_OR_RETURN(newer, FetchCheckpoint(stub));
  }
  auto a = VerifyCheckpoint(anchor, older);
  if (!a.ok()) {
    return absl::Status(a.status().code(), absl::StrCat("checkpoint ", old_path,
                                                        " does not verify: ",
                                                        a.status().message()));
  }
  auto b = VerifyCheckpoint(anchor, newer);
  if (!b.ok()) {
    return absl::Status(b.status().code(),
                        absl::StrCat("the later checkpoint does not verify: ",
                                     b.status().message()));
  }
  truc::v1::GetConsistencyProofRequest req;
  req.set_old_size(a->checkpoint.size());
  req.set_new_size(b->checkpoint.size());
  truc::v1::ConsistencyProof proof;
  if (a->checkpoint.size() <= b->checkpoint.size()) {
    TRUC_ASSIGN_OR_RETURN(
        proof, Call<truc::v1::ConsistencyProof>([&](auto* ctx, auto* r) {
          return stub->GetConsistencyProof(ctx, req, r);
        }));
  }
  TRUC_RETURN_IF_ERROR(
      VerifyCheckpointConsistency(anchor, older, newer, proof));
  out << "The log of " << b->checkpoint.size() << " events (signed "
      << FormatVietnamTime(b->checkpoint.at().unix_micros())
      << ") extends the log of " << a->checkpoint.size() << " events (signed "
      << FormatVietnamTime(a->checkpoint.at().unix_micros())
      << "): nothing in it was changed or removed, only appended to.\n";
  if (new_path.empty() && !save_new.empty()) {
    TRUC_RETURN_IF_ERROR(WriteCheckpointFile(save_new, newer));
    out << "The later checkpoint is saved to " << save_new << "\n";
  }
  return absl::OkStatus();
}

}  // namespace truc::cli
