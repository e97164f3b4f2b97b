// truc receipt verify; truc audit checkpoint | verify | prove |
// verify-proof | verify-consistency: evidence, checked here.
#include <iostream>

#include "cli/command_groups.h"
#include "cli/evidence.h"
#include "common/status_macros.h"

namespace truc::cli {
namespace {

struct EvidenceFlags {
  std::string ca, file, out, old_file, new_file, document_id;
};

}  // namespace

void AddEvidenceCommands(CommandLine& cl) {
  EvidenceFlags* f = cl.Keep<EvidenceFlags>();

  CLI::App* receipt = cl.app().add_subcommand(
      "receipt", "Signed receipts of the hub and of recipients");
  receipt->require_subcommand(1);
  CLI::App* receipt_verify = receipt->add_subcommand(
      "verify", "Check a saved receipt offline and show what it proves");
  receipt_verify->add_option("FILE", f->file, "The receipt file")->required();
  receipt_verify->add_option(
      "--ca", f->ca, "The province CA's certificate (default: the profile's)");
  cl.AddProfile(receipt_verify);
  cl.OnRun(receipt_verify, [&cl, f]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor, cl.AnchorFor(f->ca));
    return RunReceiptVerify(anchor, f->file, std::cout);
  });

  CLI::App* audit =
      cl.app().add_subcommand("audit", "The hub's tamper-evident audit log");
  audit->require_subcommand(1);

  CLI::App* checkpoint = audit->add_subcommand(
      "checkpoint", "Get a fresh checkpoint signed by the hub, and keep it");
  checkpoint->add_option("--out", f->out, "Save it to this file");
  cl.AddProfile(checkpoint);
  cl.OnRun(checkpoint, [&cl, f] {
    return cl.WithAudit([f](auto* stub, const auto& anchor) {
      return RunAuditCheckpoint(stub, anchor, f->out, std::cout);
    });
  });

  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Recompute the log from its stored events and report the first "
      "altered, missing or reordered record (operator)");
  cl.AddProfile(verify);
  cl.OnRun(verify, [&cl] {
    return cl.WithAudit([](auto* stub, const auto& anchor) {
      return RunAuditVerify(stub, anchor, std::cout);
    });
  });

  CLI::App* prove = audit->add_subcommand(
      "prove", "A document's events with their proofs against a checkpoint");
  prove->add_option("DOC-ID", f->document_id, "Document id")->required();
  prove->add_option("--out", f->out, "Save the proof to this file");
  cl.AddProfile(prove);
  cl.OnRun(prove, [&cl, f] {
    return cl.WithAudit([f](auto* stub, const auto& anchor) {
      return RunAuditProve(stub, anchor, f->document_id, f->out, std::cout);
    });
  });

  CLI::App* verify_proof = audit->add_subcommand(
      "verify-proof", "Check a saved document proof offline");
  verify_proof->add_option("FILE", f->file, "The proof file")->required();
  verify_proof->add_option(
      "--ca", f->ca, "The province CA's certificate (default: the profile's)");
  cl.AddProfile(verify_proof);
  cl.OnRun(verify_proof, [&cl, f]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor, cl.AnchorFor(f->ca));
    return RunAuditVerifyProof(anchor, f->file, std::cout);
  });

  CLI::App* consistency = audit->add_subcommand(
      "verify-consistency",
      "Prove that a later checkpoint (or the hub's log now) extends an "
      "earlier one: the log was only appended to");
  consistency->add_option("OLD", f->old_file, "The earlier checkpoint file")
      ->required();
  consistency->add_option("NEW", f->new_file,
                          "The later checkpoint file (default: a fresh one)");
  consistency->add_option("--save", f->out,
                          "Without NEW: save the fresh checkpoint here");
  cl.AddProfile(consistency);
  cl.OnRun(consistency, [&cl, f] {
    return cl.WithAudit([f](auto* stub, const auto& anchor) {
      return RunAuditVerifyConsistency(stub, anchor, f->old_file, f->new_file,
                                       f->out, std::cout);
    });
  });
}

}  // namespace truc::cli
