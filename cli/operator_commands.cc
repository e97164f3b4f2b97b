// truc cert list | revoke; truc alert list; truc report service;
// truc account add | list | disable | enable | reset: the operators'.
#include <iostream>

#include "cli/command_groups.h"
#include "cli/commands.h"

namespace truc::cli {
namespace {

struct OperatorFlags {
  std::string cert_agency, serial, reason;
  std::string month, sender;
  AccountFlags account;
  std::string account_name;
  bool json = false;
};

}  // namespace

void AddOperatorCommands(CommandLine& cl) {
  OperatorFlags* f = cl.Keep<OperatorFlags>();

  CLI::App* cert = cl.app().add_subcommand(
      "cert", "Certificates the hub has seen, and revocation (operator)");
  cert->require_subcommand(1);
  CLI::App* cert_list = cert->add_subcommand(
      "list", "Certificates seen in use or revoked, soonest to expire first");
  cert_list->add_option("--agency", f->cert_agency, "Only this agency's");
  cert_list->add_flag("--json", f->json, "Print the hub's answer as JSON");
  cl.AddProfile(cert_list);
  cl.OnRun(cert_list, [&cl, f] {
    return cl.WithOperator("truc cert list", [f](auto* stub) {
      return RunCertList(stub, f->cert_agency, f->json, std::cout);
    });
  });
  CLI::App* cert_revoke = cert->add_subcommand(
      "revoke",
      "Revoke a certificate at once: its calls are refused, its open calls "
      "end, its signatures are no longer accepted");
  cert_revoke
      ->add_option("SERIAL", f->serial, "Serial, as truc cert list shows")
      ->required();
  cert_revoke->add_option("--reason", f->reason, "Why (kept in the audit log)")
      ->required();
  cl.AddProfile(cert_revoke);
  cl.OnRun(cert_revoke, [&cl, f] {
    return cl.WithOperator("truc cert revoke", [f](auto* stub) {
      return RunCertRevoke(stub, f->serial, f->reason, std::cout);
    });
  });

  CLI::App* alert = cl.app().add_subcommand(
      "alert",
      "Alerts the hub raised: late deliveries, silent agencies (operator)");
  alert->require_subcommand(1);
  CLI::App* alert_list = alert->add_subcommand("list", "The alerts raised now");
  alert_list->add_flag("--json", f->json, "Print the hub's answer as JSON");
  cl.AddProfile(alert_list);
  cl.OnRun(alert_list, [&cl, f] {
    return cl.WithOperator("truc alert list", [f](auto* stub) {
      return RunAlertList(stub, f->json, std::cout);
    });
  });

  CLI::App* report = cl.app().add_subcommand(
      "report", "Reports for the operations room (operator)");
  report->require_subcommand(1);
  CLI::App* service = report->add_subcommand(
      "service",
      "Each unit's month: p50/p95 time to arrive and to read by urgency, "
      "and the documents it never received");
  service->add_option("--month", f->month,
                      "yyyy-MM (default: this month, Vietnam time)");
  service->add_option("--sender", f->sender,
                      "Only the documents this agency sent");
  service->add_flag("--json", f->json, "Print the hub's answer as JSON");
  cl.AddProfile(service);
  cl.OnRun(service, [&cl, f] {
    return cl.WithOperator("truc report service", [f](auto* stub) {
      return RunServiceReport(stub, f->month, f->sender, f->json, std::cout);
    });
  });

  CLI::App* account = cl.app().add_subcommand(
      "account",
      "Console accounts: who may log in to the web console (operator)");
  account->require_subcommand(1);
  CLI::App* add = account->add_subcommand(
      "add",
      "Add an account; without --password-stdin the hub draws a "
      "password, printed once, to be changed at the first log-in");
  add->add_option("NAME", f->account.name,
                  "Log-in name: 2 to 64 of a-z 0-9 . _ -")
      ->required();
  add->add_option("--role", f->account.role,
                  "operator (the whole province) or clerk (one agency)")
      ->required();
  add->add_option("--agency", f->account.agency, "A clerk's agency code");
  add->add_option("--display-name", f->account.display_name,
                  "The person's name, e.g. \"Nguyễn Thị Lan\"")
      ->required();
  add->add_flag("--password-stdin", f->account.password_stdin,
                "Read the password from the first line of stdin");
  cl.AddProfile(add);
  cl.OnRun(add, [&cl, f] {
    return cl.WithOperator("truc account add", [f](auto* stub) {
      return RunAccountAdd(stub, f->account, std::cin, std::cout);
    });
  });
  CLI::App* list = account->add_subcommand("list", "The console's accounts");
  list->add_flag("--json", f->json, "Print the hub's answer as JSON");
  cl.AddProfile(list);
  cl.OnRun(list, [&cl, f] {
    return cl.WithOperator("truc account list", [f](auto* stub) {
      return RunAccountList(stub, f->json, std::cout);
    });
  });
  for (bool disable : {true, false}) {
    CLI::App* cmd = account->add_subcommand(
        disable ? "disable" : "enable",
        disable ? "Disable an account: it cannot log in, its sessions end"
                : "Enable a disabled account again");
    cmd->add_option("NAME", f->account_name, "The account")->required();
    cl.AddProfile(cmd);
    cl.OnRun(cmd, [&cl, f, disable] {
      return cl.WithOperator(
          disable ? "truc account disable" : "truc account enable",
          [f, disable](auto* stub) {
            return RunAccountSetDisabled(stub, f->account_name, disable,
                                         std::cout);
          });
    });
  }
  CLI::App* reset = account->add_subcommand(
      "reset",
      "A new password (drawn unless --password-stdin), the account "
      "unlocked, its sessions ended");
  reset->add_option("NAME", f->account_name, "The account")->required();
  reset->add_flag("--password-stdin", f->account.password_stdin,
                  "Read the password from the first line of stdin");
  cl.AddProfile(reset);
  cl.OnRun(reset, [&cl, f] {
    return cl.WithOperator("truc account reset", [f](auto* stub) {
      return RunAccountReset(stub, f->account_name, f->account.password_stdin,
                             std::cin, std::cout);
    });
  });
}

}  // namespace truc::cli
