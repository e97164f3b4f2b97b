// truc system add | list | revoke: the systems that may call the hub's
// national-axis API (operators). truc axis send | received | get | status
// | sent | agencies: a client of that API, with an axis profile
// (docs/AXIS-API.md).
#include <iostream>

#include "cli/axis.h"
#include "cli/command_groups.h"
#include "common/status_macros.h"

namespace truc::cli {
namespace {

struct AxisFlags {
  SystemAddFlags add;
  std::string id, reason, file, out, status, axis_profile;
  int64_t since = -1;
  bool json = false, as_status = false, done = false;
};

}  // namespace

void AddAxisCommands(CommandLine& cl) {
  AxisFlags* f = cl.Keep<AxisFlags>();

  CLI::App* system = cl.app().add_subcommand(
      "system",
      "Systems (agencies' document software) that may call the hub's "
      "national-axis API (operator)");
  system->require_subcommand(1);
  CLI::App* add = system->add_subcommand(
      "add",
      "Add a system for one agency, or for a bridge; prints its id and "
      "secret, once");
  add->add_option("--agency", f->add.agency, "The agency it acts for");
  add->add_option("--bridge", f->add.bridge,
                  "Instead of --agency: the bridge it acts for (a province's "
                  "truc-bridge whose upstream is this hub's API)");
  add->add_option("--name", f->add.name, "e.g. \"Phần mềm QLVB của Sở Y tế\"")
      ->required();
  add->add_option("--profile-out", f->add.profile_out,
                  "Also write its axis profile here (for truc axis)");
  add->add_option("--url", f->add.url,
                  "The API's address, for the profile, e.g. "
                  "https://127.0.0.1:8080");
  add->add_option("--ca", f->add.ca_cert,
                  "The CA of the hub's certificate, for the profile");
  cl.AddProfile(add);
  cl.OnRun(add, [&cl, f] {
    return cl.WithOperator("truc system add", [f](auto* stub) {
      return RunSystemAdd(stub, f->add, std::cout);
    });
  });
  CLI::App* list = system->add_subcommand("list", "The systems, and their use");
  list->add_flag("--json", f->json, "Print the hub's answer as JSON");
  cl.AddProfile(list);
  cl.OnRun(list, [&cl, f] {
    return cl.WithOperator("truc system list", [f](auto* stub) {
      return RunSystemList(stub, f->json, std::cout);
    });
  });
  CLI::App* revoke = system->add_subcommand(
      "revoke", "Revoke a system at once: its calls are refused");
  revoke->add_option("ID", f->id, "The system's id")->required();
  revoke->add_option("--reason", f->reason, "Why (kept in the audit log)")
      ->required();
  cl.AddProfile(revoke);
  cl.OnRun(revoke, [&cl, f] {
    return cl.WithOperator("truc system revoke", [f](auto* stub) {
      return RunSystemRevoke(stub, f->id, f->reason, std::cout);
    });
  });

  CLI::App* axis = cl.app().add_subcommand(
      "axis",
      "Call the national axis's HTTP API (a truc hub's door, or the national "
      "axis) as a system: --axis-profile FILE or TRUC_AXIS_PROFILE");
  axis->require_subcommand(1);
  axis->add_option("--axis-profile", f->axis_profile,
                   "The endpoint and the system's credentials");
  auto run = [f](auto body) {
    return [f, body]() -> absl::Status {
      TRUC_ASSIGN_OR_RETURN(truc::v1::AxisProfile profile,
                            LoadAxisProfile(f->axis_profile));
      axis::Client client(axis::EndpointOf(profile));
      return body(client, profile);
    };
  };
  CLI::App* send = axis->add_subcommand(
      "send", "sendEdoc: send an edXML document (or status); prints its id");
  send->add_option("FILE", f->file, "The .edxml file")->required();
  send->add_flag("--status", f->as_status,
                 "The file is a status message (messagetype status)");
  cl.OnRun(send, run([f](axis::Client& c, const truc::v1::AxisProfile& p) {
             return RunAxisSend(c, p, f->file, f->as_status, std::cout);
           }));
  CLI::App* received = axis->add_subcommand(
      "received", "getReceivedEdocList: documents and statuses waiting");
  received->add_flag("--json", f->json, "Print the answer as JSON");
  cl.OnRun(received, run([f](axis::Client& c, const truc::v1::AxisProfile& p) {
             return RunAxisReceived(c, p, f->json, std::cout);
           }));
  CLI::App* get = axis->add_subcommand("get", "getEdoc: fetch one as edXML");
  get->add_option("ID", f->id, "Its docId, as received lists it")->required();
  get->add_option("--out", f->out, "The file to write (must not exist)")
      ->required();
  get->add_flag("--done", f->done, "Then mark it done (updateStatus)");
  cl.OnRun(get, run([f](axis::Client& c, const truc::v1::AxisProfile& p) {
             return RunAxisGet(c, p, f->id, f->out, f->done, std::cout);
           }));
  CLI::App* status = axis->add_subcommand(
      "status", "updateStatus: processing, done (taken: 01) or fail");
  status->add_option("ID", f->id, "Its docId")->required();
  status->add_option("STATUS", f->status, "processing | done | fail")
      ->required();
  cl.OnRun(status, run([f](axis::Client& c, const truc::v1::AxisProfile& p) {
             return RunAxisUpdate(c, p, f->id, f->status, std::cout);
           }));
  CLI::App* sent = axis->add_subcommand(
      "sent", "getSentEdocList: where each recipient stands");
  sent->add_flag("--json", f->json, "Print the answer as JSON");
  cl.OnRun(sent, run([f](axis::Client& c, const truc::v1::AxisProfile& p) {
             return RunAxisSent(c, p, f->json, std::cout);
           }));
  CLI::App* agencies = axis->add_subcommand(
      "agencies",
      "getAgenciesList, or with --since getSynchronizeUnit (the changes "
      "after a version)");
  agencies->add_option("--since", f->since, "A version (0: every agency)");
  agencies->add_flag("--json", f->json, "Print the answer as JSON");
  cl.OnRun(agencies, run([f](axis::Client& c, const truc::v1::AxisProfile& p) {
             return RunAxisAgencies(c, p, f->since, f->json, std::cout);
           }));
}

}  // namespace truc::cli
