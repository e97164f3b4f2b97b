// truc ca init | issue: the province's certificate authority.
#include <iostream>

#include "cli/ca.h"
#include "cli/command_groups.h"
#include "common/pki.h"
#include "common/status_macros.h"

namespace truc::cli {
namespace {

struct CaFlags {
  std::string dir, name;
  IssueOptions issue;
  std::string agency, operator_name, hub, bridge, key_type = "ec";
};

}  // namespace

void AddCaCommands(CommandLine& cl) {
  CaFlags* f = cl.Keep<CaFlags>();
  CLI::App* ca =
      cl.app().add_subcommand("ca", "The province's certificate authority");
  ca->require_subcommand(1);

  CLI::App* init = ca->add_subcommand(
      "init",
      "Create a CA: DIR/ca.key (0600) and DIR/ca.crt; never overwrites");
  init->add_option("--dir", f->dir, "Directory of the CA")->required();
  init->add_option("--name", f->name,
                   "Name of the CA, e.g. \"CA tỉnh Lạng Sơn\"");
  cl.OnRun(init, [f] { return CaInit(f->dir, f->name, std::cout); });

  CLI::App* issue = ca->add_subcommand(
      "issue",
      "Issue a certificate: OUT/<code-or-name>.key (0600) and .crt, and with "
      "--profile-out a ready-to-use profile");
  issue->add_option("--dir", f->issue.ca_dir, "Directory of the CA")
      ->required();
  CLI::Option_group* who = issue->add_option_group(
      "identity", "Whom the certificate is for (exactly one)");
  who->add_option("--agency", f->agency, "Agency code, e.g. 000.07.00.H99");
  who->add_option("--operator", f->operator_name,
                  "Operator name, e.g. van-thu");
  who->add_option("--hub", f->hub, "Hub name, e.g. hub");
  who->add_option("--bridge", f->bridge,
                  "Bridge name, e.g. quoc-gia (a bridge to agencies beyond "
                  "this hub: docs/FEDERATION.md)");
  who->require_option(1);
  issue->add_option("--name", f->issue.display_name,
                    "Human-readable name, e.g. \"Sở Y tế\"");
  issue
      ->add_option("--dns", f->issue.dns_names,
                   "Hub only: DNS name clients dial (default localhost)")
      ->allow_extra_args(false);
  issue
      ->add_option("--ip", f->issue.ip_addresses,
                   "Hub only: IP address clients dial (default 127.0.0.1)")
      ->allow_extra_args(false);
  issue->add_option("--out", f->issue.out_dir,
                    "Directory for the key and certificate (default: .)");
  issue->add_option("--days", f->issue.days, "Validity in days")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  CLI::Option* hub_address =
      issue->add_option("--hub-address", f->issue.hub_address,
                        "HOST:PORT of the hub, for the profile");
  issue
      ->add_option("--profile-out", f->issue.profile_out,
                   "Also write a profile naming the hub and these files")
      ->needs(hub_address);
  issue->add_flag("--force", f->issue.force,
                  "Replace an existing key, certificate or profile");
  issue
      ->add_option("--key-type", f->key_type,
                   "ec (ECDSA P-256), rsa (RSA 2048) or rsa3072")
      ->capture_default_str();
  cl.OnRun(issue, [f]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(f->issue.key_type, ParseKeyType(f->key_type));
    if (!f->agency.empty()) {
      f->issue.role = Role::kAgency, f->issue.name = f->agency;
    } else if (!f->operator_name.empty()) {
      f->issue.role = Role::kOperator, f->issue.name = f->operator_name;
    } else if (!f->bridge.empty()) {
      f->issue.role = Role::kBridge, f->issue.name = f->bridge;
    } else {
      f->issue.role = Role::kHub, f->issue.name = f->hub;
    }
    return CaIssue(f->issue, std::cout);
  });
}

}  // namespace truc::cli
