// truc send | sent | status | resend | pending: documents and who has not
// received them.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/command_groups.h"
#include "cli/commands.h"
#include "cli/send.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::cli {
namespace {

struct DocumentFlags {
  SendFlags send;
  SentFlags sent;
  PendingFlags pending;
  std::string document_id, save_dir;
  bool json = false, with_evidence = false;
};

}  // namespace

void AddDocumentCommands(CommandLine& cl) {
  DocumentFlags* f = cl.Keep<DocumentFlags>();

  CLI::App* send = cl.app().add_subcommand(
      "send", "Send a document with its files; prints the document id");
  send->add_option("--to", f->send.to,
                   "Recipient agency codes, comma-separated or repeated "
                   "(required)")
      ->delimiter(',')
      ->allow_extra_args(false);  // `--to X a.pdf b.pdf`: the files stay files
  send->add_option("--subject", f->send.subject, "Trích yếu")->required();
  send->add_option("--number", f->send.number, "Số, e.g. 123")->required();
  send->add_option("--notation", f->send.notation, "Ký hiệu, e.g. UBND-VP")
      ->required();
  send->add_option("--type", f->send.type, "Loại văn bản, e.g. \"Công văn\"")
      ->required();
  send->add_option("--signer", f->send.signer,
                   "Người ký, e.g. \"Nguyễn Văn A\"")
      ->required();
  send->add_option("--signer-position", f->send.signer_position,
                   "Chức vụ, e.g. \"Chủ tịch\"");
  send->add_option("--urgency", f->send.urgency,
                   "normal | urgent | very-urgent | express | express-timed")
      ->capture_default_str();
  send->add_option("--deadline", f->send.deadline,
                   "\"dd/MM/yyyy HH:mm\" Vietnam time; required with "
                   "express-timed");
  send->add_option("--secrecy", f->send.secrecy,
                   "none | confidential | secret | top-secret (only none "
                   "travels on the axis)")
      ->capture_default_str();
  send->add_option("--due", f->send.due, "Hạn xử lý, dd/MM/yyyy");
  send->add_option("--place", f->send.place, "Nơi ban hành, e.g. \"Lạng Sơn\"");
  send->add_option("--content", f->send.content, "Summary");
  send->add_option("--idempotency-key", f->send.idempotency_key,
                   "Reuse to retry a send without storing it twice");
  send->add_option("--receipt", f->send.receipt,
                   "Save the hub's signed receipt to this file");
  send->add_flag("--json", f->json, "Print the hub's answer as JSON");
  send->add_option("FILE", f->send.files, "The document's files")->required();
  cl.AddProfile(send);
  cl.OnRun(send, [&cl, f]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, cl.Load());
    if (profile.identity.role != Role::kAgency) {
      return absl::FailedPreconditionError(absl::StrCat(
          "this profile's certificate is for ", profile.identity.ToString(),
          ", which cannot send documents: use the sending agency's "
          "profile"));
    }
    TRUC_ASSIGN_OR_RETURN(auto signer, LoadSigner(profile));
    TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor, LoadAnchor(profile));
    TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
    auto stub = truc::v1::Exchange::NewStub(channel);
    return RunSend(stub.get(), *signer, anchor, f->send, f->json, std::cout,
                   std::cerr);
  });

  CLI::App* sent = cl.app().add_subcommand(
      "sent", "Documents this agency sent, and who has not received them");
  sent->add_option("--since", f->sent.since,
                   "Documents sent in the last ..., e.g. 2h, 2d (default 7d)");
  sent->add_flag("--outstanding", f->sent.outstanding,
                 "Only documents some recipient has not received "
                 "(refused on arrival included)");
  sent->add_flag("--refused", f->sent.refused,
                 "Only documents some recipient received and refused "
                 "(02); with --outstanding, either");
  sent->add_option("--limit", f->sent.limit, "At most N documents")
      ->check(CLI::Range(1, 1000));
  sent->add_flag("--json", f->sent.json, "Print the hub's answer as JSON");
  cl.AddProfile(sent);
  cl.OnRun(sent, [&cl, f]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, cl.Load());
    TRUC_RETURN_IF_ERROR(RequireRole(profile, Role::kAgency, "truc sent"));
    TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
    auto stub = truc::v1::Exchange::NewStub(channel);
    return RunSent(stub.get(), f->sent, std::cout);
  });

  CLI::App* status = cl.app().add_subcommand(
      "status", "Where a document stands with each recipient");
  status->add_option("DOC-ID", f->document_id, "Document id")->required();
  status->add_flag("--json", f->json, "Print the hub's answer as JSON");
  status->add_flag("--evidence", f->with_evidence,
                   "Also check and show the signatures: the sender's, the "
                   "hub's receipt, each recipient's statements");
  status
      ->add_option("--save", f->save_dir,
                   "With --evidence: save each receipt in this folder")
      ->needs(status->get_option("--evidence"));
  cl.AddProfile(status);
  cl.OnRun(status, [&cl, f]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, cl.Load());
    TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor, LoadAnchor(profile));
    EvidenceOptions evidence{&anchor, f->save_dir};
    const EvidenceOptions* ev = f->with_evidence ? &evidence : nullptr;
    TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
    switch (profile.identity.role) {
      case Role::kAgency: {
        auto stub = truc::v1::Exchange::NewStub(channel);
        return RunStatusAsAgency(stub.get(), f->document_id, f->json, std::cout,
                                 NowMicros(), ev);
      }
      case Role::kOperator: {
        auto stub = truc::v1::Operator::NewStub(channel);
        return RunStatusAsOperator(stub.get(), f->document_id, f->json,
                                   std::cout, NowMicros(), ev);
      }
      case Role::kHub:
      case Role::kAccount:
      case Role::kBridge:
        break;
    }
    return RequireRole(profile, Role::kOperator, "truc status");
  });

  CLI::App* resend = cl.app().add_subcommand(
      "resend",
      "Offer a document again to every unit that has not received it "
      "(its sender, or an operator)");
  resend->add_option("DOC-ID", f->document_id, "Document id")->required();
  resend->add_flag("--json", f->json, "Print the hub's answer as JSON");
  cl.AddProfile(resend);
  cl.OnRun(resend, [&cl, f]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, cl.Load());
    if (profile.identity.role == Role::kAgency) {
      TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
      auto stub = truc::v1::Exchange::NewStub(channel);
      return RunResendAsAgency(stub.get(), f->document_id, f->json, std::cout);
    }
    TRUC_RETURN_IF_ERROR(RequireRole(profile, Role::kOperator, "truc resend"));
    TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
    auto stub = truc::v1::Operator::NewStub(channel);
    return RunResendAsOperator(stub.get(), f->document_id, f->json, std::cout);
  });

  CLI::App* pending = cl.app().add_subcommand(
      "pending", "Documents some recipient has not received (operator)");
  pending->add_option("--urgency", f->pending.urgency,
                      "At least this urgent (express includes "
                      "express-timed)");
  pending->add_option("--older-than", f->pending.older_than,
                      "Only documents accepted at least this long ago, "
                      "e.g. 10m, 2h, 1d");
  pending->add_option("--limit", f->pending.limit, "At most N documents")
      ->check(CLI::Range(1, 1000));
  pending->add_flag("--json", f->pending.json,
                    "Print the hub's answer as JSON");
  cl.AddProfile(pending);
  cl.OnRun(pending, [&cl, f] {
    return cl.WithOperator("truc pending", [f](auto* stub) {
      return RunPending(stub, f->pending, std::cout);
    });
  });
}

}  // namespace truc::cli
