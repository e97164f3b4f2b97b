// truc: the command line of the province's document exchange hub, for
// operators (CA, agency directory, pending list) and clerks (send, status).
//
// Every error prints one line "truc: error: <what>" on stderr and exits 1;
// usage errors (CLI11) exit 2.
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
#include "cli/profile.h"
#include "cli/send.h"
#include "common/status_macros.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::cli {
namespace {

// Loads the profile named by --profile or $TRUC_PROFILE.
absl::StatusOr<LoadedProfile> Load(const std::string& flag) {
  TRUC_ASSIGN_OR_RETURN(std::string path,
                        ChooseProfilePath(flag, std::getenv(kProfileEnv)));
  return LoadProfile(path);
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
  ca_issue->callback([&] {
    action = [&] {
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
  send_cmd->add_flag("--json", json, "Print the hub's answer as JSON");
  send_cmd->add_option("FILE", send.files, "The document's files")->required();
  add_profile(send_cmd);
  send_cmd->callback([&] {
    action = [&]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load(profile_flag));
      TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
      auto stub = truc::v1::Exchange::NewStub(channel);
      return RunSend(stub.get(), profile.identity, send, json, std::cout,
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
                     "Only documents some recipient has not received");
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
  add_profile(status_cmd);
  status_cmd->callback([&] {
    action = [&]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load(profile_flag));
      TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
      switch (profile.identity.role) {
        case Role::kAgency: {
          auto stub = truc::v1::Exchange::NewStub(channel);
          return RunStatusAsAgency(stub.get(), document_id, json, std::cout);
        }
        case Role::kOperator: {
          auto stub = truc::v1::Operator::NewStub(channel);
          return RunStatusAsOperator(stub.get(), document_id, json, std::cout);
        }
        case Role::kHub:
          break;
      }
      return RequireRole(profile, Role::kOperator, "truc status");
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
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace truc::cli

int main(int argc, char** argv) { return truc::cli::Main(argc, argv); }
