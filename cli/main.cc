// truc: the command line of the province's document exchange hub, for
// operators (CA, agency directory, pending list) and clerks (send, status).
//
// Every error prints one line "truc: error: <what>" on stderr and exits 1;
// usage errors (CLI11) and a profile that cannot be used (none named, a
// missing file, a wrong field) exit 2, as a wrong configuration does.
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/ca.h"
#include "cli/commands.h"
#include "cli/evidence.h"
#include "cli/profile.h"
#include "cli/send.h"
#include "common/pki.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "truc/v1/audit.grpc.pb.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::cli {
namespace {

// Set when the profile could not be used: the command exits 2.
bool profile_failed = false;

// Loads the profile named by --profile or $TRUC_PROFILE.
absl::StatusOr<LoadedProfile> Load(const std::string& flag) {
  absl::StatusOr<std::string> path =
      ChooseProfilePath(flag, std::getenv(kProfileEnv));
  absl::StatusOr<LoadedProfile> profile =
      path.ok() ? LoadProfile(*path)
                : absl::StatusOr<LoadedProfile>(path.status());
  if (!profile.ok()) profile_failed = true;
  return profile;
}

// The province CA for checking evidence: --ca FILE when given, else the
// profile's (without talking to the hub).
absl::StatusOr<TrustAnchor> AnchorFor(const std::string& ca_flag,
                                      const std::string& profile_flag) {
  if (!ca_flag.empty()) return TrustAnchor::FromFile(ca_flag);
  auto profile = Load(profile_flag);
  if (!profile.ok()) {
    return absl::Status(
        profile.status().code(),
        absl::StrCat("name the province CA's certificate with --ca FILE, or "
                     "use a profile: ",
                     profile.status().message()));
  }
  return LoadAnchor(*profile);
}

// Runs `body` with an Audit stub and the profile's CA (any profile of an
// agency or an operator).
absl::Status WithAudit(
    const std::string& profile_flag,
    const std::function<absl::Status(truc::v1::Audit::StubInterface*,
                                     const TrustAnchor&)>& body) {
  TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load(profile_flag));
  TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor, LoadAnchor(profile));
  TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
  auto stub = truc::v1::Audit::NewStub(channel);
  return body(stub.get(), anchor);
}

// Runs `body` with an Operator stub, after checking that the profile is an
// operator's.
absl::Status WithOperator(
    const std::string& profile_flag, absl::string_view command,
    const std::function<absl::Status(truc::v1::Operator::StubInterface*)>&
        body) {
  TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load(profile_flag));
  TRUC_RETURN_IF_ERROR(RequireRole(profile, Role::kOperator, command));
  TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
  auto stub = truc::v1::Operator::NewStub(channel);
  return body(stub.get());
}

int Main(int argc, char** argv) {
  CLI::App app{
      "truc: document exchange between the province's agencies.\n"
      "Commands that talk to the hub take --profile FILE (or $TRUC_PROFILE)."};
  app.name("truc");
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return absl::StrCat("truc: error: ", e.what(),
                        " (see truc --help, or truc COMMAND --help)\n");
  });
  std::string profile_flag;
  const auto add_profile = [&](CLI::App* cmd) {
    cmd->add_option("--profile", profile_flag,
                    "Profile file: hub address and certificate (default: "
                    "$TRUC_PROFILE)");
  };
  add_profile(&app);
  bool json = false;
  std::function<absl::Status()> action;

  // truc ca init / issue
  CLI::App* ca =
      app.add_subcommand("ca", "The province's certificate authority");
  ca->require_subcommand(1);
  std::string ca_dir, ca_name;
  CLI::App* ca_init = ca->add_subcommand(
      "init",
      "Create a CA: DIR/ca.key (0600) and DIR/ca.crt; never overwrites");
  ca_init->add_option("--dir", ca_dir, "Directory of the CA")->required();
  ca_init->add_option("--name", ca_name,
                      "Name of the CA, e.g. \"CA tỉnh Lạng Sơn\"");
  ca_init->callback(
      [&] { action = [&] { return CaInit(ca_dir, ca_name, std::cout); }; });

  IssueOptions issue;
  std::string agency_code, operator_name, hub_name;
  CLI::App* ca_issue = ca->add_subcommand(
      "issue",
      "Issue a certificate: OUT/<code-or-name>.key (0600) and .crt, and with "
      "--profile-out a ready-to-use profile");
  ca_issue->add_option("--dir", issue.ca_dir, "Directory of the CA")
      ->required();
  CLI::Option_group* who = ca_issue->add_option_group(
      "identity", "Whom the certificate is for (exactly one)");
  who->add_option("--agency", agency_code, "Agency code, e.g. 000.07.00.H99");
  who->add_option("--operator", operator_name, "Operator name, e.g. van-thu");
  who->add_option("--hub", hub_name, "Hub name, e.g. hub");
  who->require_option(1);
  ca_issue->add_option("--name", issue.display_name,
                       "Human-readable name, e.g. \"Sở Y tế\"");
  ca_issue
      ->add_option("--dns", issue.dns_names,
                   "Hub only: DNS name clients dial (default localhost)")
      ->allow_extra_args(false);
  ca_issue
      ->add_option("--ip", issue.ip_addresses,
                   "Hub only: IP address clients dial (default 127.0.0.1)")
      ->allow_extra_args(false);
  ca_issue->add_option("--out", issue.out_dir,
                       "Directory for the key and certificate (default: .)");
  ca_issue->add_option("--days", issue.days, "Validity in days")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  CLI::Option* hub_address =
      ca_issue->add_option("--hub-address", issue.hub_address,
                           "HOST:PORT of the hub, for the profile");
  ca_issue
      ->add_option("--profile-out", issue.profile_out,
                   "Also write a profile naming the hub and these files")
      ->needs(hub_address);
  ca_issue->add_flag("--force", issue.force,
                     "Replace an existing key, certificate or profile");
  std::string key_type = "ec";
  ca_issue
      ->add_option("--key-type", key_type,
                   "ec (ECDSA P-256), rsa (RSA 2048) or rsa3072")
      ->capture_default_str();
  ca_issue->callback([&] {
    action = [&]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(issue.key_type, ParseKeyType(key_type));
      if (!agency_code.empty()) {
        issue.role = Role::kAgency, issue.name = agency_code;
      } else if (!operator_name.empty()) {
        issue.role = Role::kOperator, issue.name = operator_name;
      } else {
        issue.role = Role::kHub, issue.name = hub_name;
      }
      return CaIssue(issue, std::cout);
    };
  });

  // truc agency add / import / list / suspend / resume
  CLI::App* agency = app.add_subcommand(
      "agency", "The directory of agencies (needs an operator profile)");
  agency->require_subcommand(1);
  std::string code, name, parent, csv_path;
  CLI::App* add_cmd = agency->add_subcommand("add", "Register an agency");
  add_cmd->add_option("CODE", code, "Agency code, e.g. 000.07.00.H99")
      ->required();
  add_cmd->add_option("NAME", name, "Name, e.g. \"Sở Y tế\"")->required();
  add_cmd->add_option("--parent", parent, "Code of the parent agency");
  add_profile(add_cmd);
  add_cmd->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc agency add", [&](auto* stub) {
        return RunAgencyAdd(stub, code, name, parent, std::cout);
      });
    };
  });
  CLI::App* import_cmd = agency->add_subcommand(
      "import", "Register the agencies of a CSV file (code,name,parent,kind)");
  import_cmd->add_option("FILE", csv_path, "CSV file, UTF-8")->required();
  add_profile(import_cmd);
  import_cmd->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc agency import", [&](auto* stub) {
        auto counts = RunAgencyImport(stub, csv_path, std::cout);
        if (!counts.ok()) return counts.status();
        int bad = counts->conflicting + counts->failed;
        if (bad > 0) {
          return absl::FailedPreconditionError(
              absl::StrCat(bad, " agencies of ", csv_path,
                           " were not registered (see above)"));
        }
        return absl::OkStatus();
      });
    };  // namespace
  }     // namespace truc::cli
  );
  CLI::App* list_cmd = agency->add_subcommand(
      "list", "List agencies with their state and last poll; SILENT marked");
  list_cmd->add_flag("--json", json, "Print the hub's answer as JSON");
  add_profile(list_cmd);
  list_cmd->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc agency list", [&](auto* stub) {
        return RunAgencyList(stub, json, std::cout);
      });
    };
  });
  CLI::App* suspend_cmd = agency->add_subcommand(
      "suspend",
      "Suspend an agency: no new documents to it, its agent refused");
  suspend_cmd->add_option("CODE", code, "Agency code")->required();
  add_profile(suspend_cmd);
  suspend_cmd->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc agency suspend", [&](auto* stub) {
        return RunAgencySuspend(stub, code, std::cout);
      });
    };
  });
  CLI::App* resume_cmd =
      agency->add_subcommand("resume", "Resume a suspended agency");
  resume_cmd->add_option("CODE", code, "Agency code")->required();
  add_profile(resume_cmd);
  resume_cmd->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc agency resume", [&](auto* stub) {
        return RunAgencyResume(stub, code, std::cout);
      });
    };
  });

  // truc send
  SendFlags send;
  CLI::App* send_cmd = app.add_subcommand(
      "send", "Send a document with its files; prints the document id");
  send_cmd
      ->add_option("--to", send.to,
                   "Recipient agency codes, comma-separated or repeated "
                   "(required)")
      ->delimiter(',')
      ->allow_extra_args(false);  // `--to X a.pdf b.pdf`: the files stay files
  send_cmd->add_option("--subject", send.subject, "Trích yếu")->required();
  send_cmd->add_option("--number", send.number, "Số, e.g. 123")->required();
  send_cmd->add_option("--notation", send.notation, "Ký hiệu, e.g. UBND-VP")
      ->required();
  send_cmd->add_option("--type", send.type, "Loại văn bản, e.g. \"Công văn\"")
      ->required();
  send_cmd
      ->add_option("--signer", send.signer, "Người ký, e.g. \"Nguyễn Văn A\"")
      ->required();
  send_cmd->add_option("--signer-position", send.signer_position,
                       "Chức vụ, e.g. \"Chủ tịch\"");
  send_cmd
      ->add_option("--urgency", send.urgency,
                   "normal | urgent | very-urgent | express | express-timed")
      ->capture_default_str();
  send_cmd->add_option("--deadline", send.deadline,
                       "\"dd/MM/yyyy HH:mm\" Vietnam time; required with "
                       "express-timed");
  send_cmd
      ->add_option("--secrecy", send.secrecy,
                   "none | confidential | secret | top-secret (only none "
                   "travels on the axis)")
      ->capture_default_str();
  send_cmd->add_option("--due", send.due, "Hạn xử lý, dd/MM/yyyy");
  send_cmd->add_option("--place", send.place,
                       "Nơi ban hành, e.g. \"Lạng Sơn\"");
  send_cmd->add_option("--content", send.content, "Summary");
  send_cmd->add_option("--idempotency-key", send.idempotency_key,
                       "Reuse to retry a send without storing it twice");
  send_cmd->add_option("--receipt", send.receipt,
                       "Save the hub's signed receipt to this file");
  send_cmd->add_flag("--json", json, "Print the hub's answer as JSON");
  send_cmd->add_option("FILE", send.files, "The document's files")->required();
  add_profile(send_cmd);
  send_cmd->callback([&] {
    action = [&]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load(profile_flag));
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
      return RunSend(stub.get(), *signer, anchor, send, json, std::cout,
                     std::cerr);
    };
  });

  // truc sent
  SentFlags sent;
  CLI::App* sent_cmd = app.add_subcommand(
      "sent", "Documents this agency sent, and who has not received them");
  sent_cmd->add_option("--since", sent.since,
                       "Documents sent in the last ..., e.g. 2h, 2d "
                       "(default 7d)");
  sent_cmd->add_flag("--outstanding", sent.outstanding,
                     "Only documents some recipient has not received "
                     "(refused on arrival included)");
  sent_cmd->add_flag("--refused", sent.refused,
                     "Only documents some recipient received and refused "
                     "(02); with --outstanding, either");
  sent_cmd->add_option("--limit", sent.limit, "At most N documents")
      ->check(CLI::Range(1, 1000));
  sent_cmd->add_flag("--json", sent.json, "Print the hub's answer as JSON");
  add_profile(sent_cmd);
  sent_cmd->callback([&] {
    action = [&]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load(profile_flag));
      TRUC_RETURN_IF_ERROR(RequireRole(profile, Role::kAgency, "truc sent"));
      TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
      auto stub = truc::v1::Exchange::NewStub(channel);
      return RunSent(stub.get(), sent, std::cout);
    };
  });

  // truc status
  std::string document_id;
  CLI::App* status_cmd = app.add_subcommand(
      "status", "Where a document stands with each recipient");
  status_cmd->add_option("DOC-ID", document_id, "Document id")->required();
  status_cmd->add_flag("--json", json, "Print the hub's answer as JSON");
  bool with_evidence = false;
  std::string save_dir;
  status_cmd->add_flag("--evidence", with_evidence,
                       "Also check and show the signatures: the sender's, the "
                       "hub's receipt, each recipient's statements");
  status_cmd
      ->add_option("--save", save_dir,
                   "With --evidence: save each receipt in this folder")
      ->needs(status_cmd->get_option("--evidence"));
  add_profile(status_cmd);
  status_cmd->callback([&] {
    action = [&]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load(profile_flag));
      TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor, LoadAnchor(profile));
      EvidenceOptions evidence{&anchor, save_dir};
      const EvidenceOptions* ev = with_evidence ? &evidence : nullptr;
      TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
      switch (profile.identity.role) {
        case Role::kAgency: {
          auto stub = truc::v1::Exchange::NewStub(channel);
          return RunStatusAsAgency(stub.get(), document_id, json, std::cout,
                                   NowMicros(), ev);
        }
        case Role::kOperator: {
          auto stub = truc::v1::Operator::NewStub(channel);
          return RunStatusAsOperator(stub.get(), document_id, json, std::cout,
                                     NowMicros(), ev);
        }
        case Role::kHub:
        case Role::kAccount:
          break;
      }
      return RequireRole(profile, Role::kOperator, "truc status");
    };
  });

  // truc resend
  CLI::App* resend_cmd = app.add_subcommand(
      "resend",
      "Offer a document again to every unit that has not received it "
      "(its sender, or an operator)");
  resend_cmd->add_option("DOC-ID", document_id, "Document id")->required();
  resend_cmd->add_flag("--json", json, "Print the hub's answer as JSON");
  add_profile(resend_cmd);
  resend_cmd->callback([&] {
    action = [&]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load(profile_flag));
      if (profile.identity.role == Role::kAgency) {
        TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
        auto stub = truc::v1::Exchange::NewStub(channel);
        return RunResendAsAgency(stub.get(), document_id, json, std::cout);
      }
      TRUC_RETURN_IF_ERROR(
          RequireRole(profile, Role::kOperator, "truc resend"));
      TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
      auto stub = truc::v1::Operator::NewStub(channel);
      return RunResendAsOperator(stub.get(), document_id, json, std::cout);
    };
  });

  // truc pending
  PendingFlags pending;
  CLI::App* pending_cmd = app.add_subcommand(
      "pending", "Documents some recipient has not received (operator)");
  pending_cmd->add_option("--urgency", pending.urgency,
                          "At least this urgent (express includes "
                          "express-timed)");
  pending_cmd->add_option("--older-than", pending.older_than,
                          "Only documents accepted at least this long ago, "
                          "e.g. 10m, 2h, 1d");
  pending_cmd->add_option("--limit", pending.limit, "At most N documents")
      ->check(CLI::Range(1, 1000));
  pending_cmd->add_flag("--json", pending.json,
                        "Print the hub's answer as JSON");
  add_profile(pending_cmd);
  pending_cmd->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc pending", [&](auto* stub) {
        return RunPending(stub, pending, std::cout);
      });
    };
  });

  // truc receipt verify
  std::string ca_flag, file_arg;
  CLI::App* receipt = app.add_subcommand(
      "receipt", "Signed receipts of the hub and of recipients");
  receipt->require_subcommand(1);
  CLI::App* receipt_verify = receipt->add_subcommand(
      "verify", "Check a saved receipt offline and show what it proves");
  receipt_verify->add_option("FILE", file_arg, "The receipt file")->required();
  receipt_verify->add_option(
      "--ca", ca_flag,
      "The province CA's certificate (default: the profile's)");
  add_profile(receipt_verify);
  receipt_verify->callback([&] {
    action = [&]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor,
                            AnchorFor(ca_flag, profile_flag));
      return RunReceiptVerify(anchor, file_arg, std::cout);
    };
  });

  // truc audit ...
  CLI::App* audit =
      app.add_subcommand("audit", "The hub's tamper-evident audit log");
  audit->require_subcommand(1);
  std::string out_file, old_file, new_file;
  CLI::App* audit_cp = audit->add_subcommand(
      "checkpoint", "Get a fresh checkpoint signed by the hub, and keep it");
  audit_cp->add_option("--out", out_file, "Save it to this file");
  add_profile(audit_cp);
  audit_cp->callback([&] {
    action = [&] {
      return WithAudit(profile_flag, [&](auto* stub, const auto& anchor) {
        return RunAuditCheckpoint(stub, anchor, out_file, std::cout);
      });
    };
  });
  CLI::App* audit_verify = audit->add_subcommand(
      "verify",
      "Recompute the log from its stored events and report the first "
      "altered, missing or reordered record (operator)");
  add_profile(audit_verify);
  audit_verify->callback([&] {
    action = [&] {
      return WithAudit(profile_flag, [&](auto* stub, const auto& anchor) {
        return RunAuditVerify(stub, anchor, std::cout);
      });
    };
  });
  CLI::App* audit_prove = audit->add_subcommand(
      "prove", "A document's events with their proofs against a checkpoint");
  audit_prove->add_option("DOC-ID", document_id, "Document id")->required();
  audit_prove->add_option("--out", out_file, "Save the proof to this file");
  add_profile(audit_prove);
  audit_prove->callback([&] {
    action = [&] {
      return WithAudit(profile_flag, [&](auto* stub, const auto& anchor) {
        return RunAuditProve(stub, anchor, document_id, out_file, std::cout);
      });
    };
  });
  CLI::App* audit_vp = audit->add_subcommand(
      "verify-proof", "Check a saved document proof offline");
  audit_vp->add_option("FILE", file_arg, "The proof file")->required();
  audit_vp->add_option("--ca", ca_flag,
                       "The province CA's certificate (default: the "
                       "profile's)");
  add_profile(audit_vp);
  audit_vp->callback([&] {
    action = [&]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor,
                            AnchorFor(ca_flag, profile_flag));
      return RunAuditVerifyProof(anchor, file_arg, std::cout);
    };
  });
  CLI::App* audit_vc = audit->add_subcommand(
      "verify-consistency",
      "Prove that a later checkpoint (or the hub's log now) extends an "
      "earlier one: the log was only appended to");
  audit_vc->add_option("OLD", old_file, "The earlier checkpoint file")
      ->required();
  audit_vc->add_option("NEW", new_file,
                       "The later checkpoint file (default: a fresh one)");
  audit_vc->add_option("--save", out_file,
                       "Without NEW: save the fresh checkpoint here");
  add_profile(audit_vc);
  audit_vc->callback([&] {
    action = [&] {
      return WithAudit(profile_flag, [&](auto* stub, const auto& anchor) {
        return RunAuditVerifyConsistency(stub, anchor, old_file, new_file,
                                         out_file, std::cout);
      });
    };
  });

  // truc cert list / revoke
  CLI::App* cert = app.add_subcommand(
      "cert", "Certificates the hub has seen, and revocation (operator)");
  cert->require_subcommand(1);
  std::string cert_agency, serial, reason;
  CLI::App* cert_list = cert->add_subcommand(
      "list", "Certificates seen in use or revoked, soonest to expire first");
  cert_list->add_option("--agency", cert_agency, "Only this agency's");
  cert_list->add_flag("--json", json, "Print the hub's answer as JSON");
  add_profile(cert_list);
  cert_list->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc cert list", [&](auto* stub) {
        return RunCertList(stub, cert_agency, json, std::cout);
      });
    };
  });
  CLI::App* cert_revoke = cert->add_subcommand(
      "revoke",
      "Revoke a certificate at once: its calls are refused, its open calls "
      "end, its signatures are no longer accepted");
  cert_revoke->add_option("SERIAL", serial, "Serial, as truc cert list shows")
      ->required();
  cert_revoke->add_option("--reason", reason, "Why (kept in the audit log)")
      ->required();
  add_profile(cert_revoke);
  cert_revoke->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc cert revoke", [&](auto* stub) {
        return RunCertRevoke(stub, serial, reason, std::cout);
      });
    };
  });

  // truc alert list
  CLI::App* alert = app.add_subcommand(
      "alert",
      "Alerts the hub raised: late deliveries, silent agencies "
      "(operator)");
  alert->require_subcommand(1);
  CLI::App* alert_list = alert->add_subcommand("list", "The alerts raised now");
  alert_list->add_flag("--json", json, "Print the hub's answer as JSON");
  add_profile(alert_list);
  alert_list->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc alert list", [&](auto* stub) {
        return RunAlertList(stub, json, std::cout);
      });
    };
  });

  // truc report service
  CLI::App* report = app.add_subcommand(
      "report", "Reports for the operations room (operator)");
  report->require_subcommand(1);
  CLI::App* report_service = report->add_subcommand(
      "service",
      "Each unit's month: p50/p95 time to arrive and to read by urgency, "
      "and the documents it never received");
  std::string report_month, report_sender;
  report_service->add_option("--month", report_month,
                             "yyyy-MM (default: this month, Vietnam time)");
  report_service->add_option("--sender", report_sender,
                             "Only the documents this agency sent");
  report_service->add_flag("--json", json, "Print the hub's answer as JSON");
  add_profile(report_service);
  report_service->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc report service", [&](auto* stub) {
        return RunServiceReport(stub, report_month, report_sender, json,
                                std::cout);
      });
    };
  });

  // truc account add / list / disable / enable / reset
  CLI::App* account =
      app.add_subcommand("account",
                         "Console accounts: who may log in to the web console "
                         "(operator)");
  account->require_subcommand(1);
  AccountFlags account_flags;
  CLI::App* account_add = account->add_subcommand(
      "add",
      "Add an account; without --password-stdin the hub draws a "
      "password, printed once, to be changed at the first log-in");
  account_add
      ->add_option("NAME", account_flags.name,
                   "Log-in name: 2 to 64 of a-z 0-9 . _ -")
      ->required();
  account_add
      ->add_option("--role", account_flags.role,
                   "operator (the whole province) or clerk (one agency)")
      ->required();
  account_add->add_option("--agency", account_flags.agency,
                          "A clerk's agency code");
  account_add
      ->add_option("--display-name", account_flags.display_name,
                   "The person's name, e.g. \"Nguyễn Thị Lan\"")
      ->required();
  account_add->add_flag("--password-stdin", account_flags.password_stdin,
                        "Read the password from the first line of stdin");
  add_profile(account_add);
  account_add->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc account add", [&](auto* stub) {
        return RunAccountAdd(stub, account_flags, std::cin, std::cout);
      });
    };
  });
  CLI::App* account_list =
      account->add_subcommand("list", "The console's accounts");
  account_list->add_flag("--json", json, "Print the hub's answer as JSON");
  add_profile(account_list);
  account_list->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc account list", [&](auto* stub) {
        return RunAccountList(stub, json, std::cout);
      });
    };
  });
  std::string account_name;
  for (bool disable : {true, false}) {
    CLI::App* cmd = account->add_subcommand(
        disable ? "disable" : "enable",
        disable ? "Disable an account: it cannot log in, its sessions end"
                : "Enable a disabled account again");
    cmd->add_option("NAME", account_name, "The account")->required();
    add_profile(cmd);
    cmd->callback([&, disable] {
      action = [&, disable] {
        return WithOperator(
            profile_flag,
            disable ? "truc account disable" : "truc account enable",
            [&](auto* stub) {
              return RunAccountSetDisabled(stub, account_name, disable,
                                           std::cout);
            });
      };
    });
  }
  CLI::App* account_reset = account->add_subcommand(
      "reset",
      "A new password (drawn unless --password-stdin), the account "
      "unlocked, its sessions ended");
  account_reset->add_option("NAME", account_name, "The account")->required();
  account_reset->add_flag("--password-stdin", account_flags.password_stdin,
                          "Read the password from the first line of stdin");
  add_profile(account_reset);
  account_reset->callback([&] {
    action = [&] {
      return WithOperator(profile_flag, "truc account reset", [&](auto* stub) {
        return RunAccountReset(stub, account_name, account_flags.password_stdin,
                               std::cin, std::cout);
      });
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!action) return 2;  // unreachable: a subcommand is required
  absl::Status status = action();
  std::cout.flush();
  if (!status.ok()) {
    std::cerr << "truc: error: "
              << absl::StrReplaceAll(status.message(), {{"\n", " "}}) << "\n";
    return profile_failed ? 2 : 1;
  }
  return 0;
}

}  // namespace
}  // namespace truc::cli

int main(int argc, char** argv) { return truc::cli::Main(argc, argv); }
