// truc agency add | import | list | suspend | resume: the directory.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/command_groups.h"
#include "cli/commands.h"

namespace truc::cli {
namespace {

struct AgencyFlags {
  std::string code, name, parent, bridge, csv_path;
  bool json = false;
};

}  // namespace

void AddAgencyCommands(CommandLine& cl) {
  AgencyFlags* f = cl.Keep<AgencyFlags>();
  CLI::App* agency = cl.app().add_subcommand(
      "agency", "The directory of agencies (needs an operator profile)");
  agency->require_subcommand(1);

  CLI::App* add = agency->add_subcommand("add", "Register an agency");
  add->add_option("CODE", f->code, "Agency code, e.g. 000.07.00.H99")
      ->required();
  add->add_option("NAME", f->name, "Name, e.g. \"Sở Y tế\"")->required();
  add->add_option("--parent", f->parent, "Code of the parent agency");
  add->add_option("--bridge", f->bridge,
                  "An agency beyond this hub: the bridge that reaches it "
                  "(docs/FEDERATION.md)");
  cl.AddProfile(add);
  cl.OnRun(add, [&cl, f] {
    return cl.WithOperator("truc agency add", [f](auto* stub) {
      return RunAgencyAdd(stub, f->code, f->name, f->parent, f->bridge,
                          std::cout);
    });
  });

  CLI::App* import = agency->add_subcommand(
      "import",
      "Register the agencies of a CSV file (code,name,parent,kind[,bridge])");
  import->add_option("FILE", f->csv_path, "CSV file, UTF-8")->required();
  cl.AddProfile(import);
  cl.OnRun(import, [&cl, f] {
    return cl.WithOperator("truc agency import", [f](auto* stub) {
      auto counts = RunAgencyImport(stub, f->csv_path, std::cout);
      if (!counts.ok()) return counts.status();
      int bad = counts->conflicting + counts->failed;
      if (bad > 0) {
        return absl::FailedPreconditionError(
            absl::StrCat(bad, " agencies of ", f->csv_path,
                         " were not registered (see above)"));
      }
      return absl::OkStatus();
    });
  });

  CLI::App* list = agency->add_subcommand(
      "list", "List agencies with their state and last poll; SILENT marked");
  list->add_flag("--json", f->json, "Print the hub's answer as JSON");
  cl.AddProfile(list);
  cl.OnRun(list, [&cl, f] {
    return cl.WithOperator("truc agency list", [f](auto* stub) {
      return RunAgencyList(stub, f->json, std::cout);
    });
  });

  CLI::App* suspend = agency->add_subcommand(
      "suspend",
      "Suspend an agency: no new documents to it, its agent refused");
  suspend->add_option("CODE", f->code, "Agency code")->required();
  cl.AddProfile(suspend);
  cl.OnRun(suspend, [&cl, f] {
    return cl.WithOperator("truc agency suspend", [f](auto* stub) {
      return RunAgencySuspend(stub, f->code, std::cout);
    });
  });

  CLI::App* resume =
      agency->add_subcommand("resume", "Resume a suspended agency");
  resume->add_option("CODE", f->code, "Agency code")->required();
  cl.AddProfile(resume);
  cl.OnRun(resume, [&cl, f] {
    return cl.WithOperator("truc agency resume", [f](auto* stub) {
      return RunAgencyResume(stub, f->code, std::cout);
    });
  });
}

}  // namespace truc::cli
