// truc edxml check | import | export: edXML (QCVN 102:2016) files at the
// clerk's border (docs/EDXML.md).
#include <iostream>

#include "cli/command_groups.h"
#include "cli/commands.h"
#include "cli/edxml.h"
#include "common/status_macros.h"

namespace truc::cli {
namespace {

struct EdxmlFlags {
  std::string file, document_id, out, idempotency_key, receipt;
  bool json = false;
};

}  // namespace

void AddEdxmlCommands(CommandLine& cl) {
  EdxmlFlags* f = cl.Keep<EdxmlFlags>();
  CLI::App* edxml = cl.app().add_subcommand(
      "edxml", "edXML (QCVN 102:2016), the national axis's format");
  edxml->require_subcommand(1);

  CLI::App* check = edxml->add_subcommand(
      "check",
      "Read an edXML file and print what it holds: fields, attachments "
      "(size, SHA-256), its own signature");
  check->add_option("FILE", f->file, "The .edxml file")->required();
  check->add_flag("--json", f->json, "Print it as JSON");
  cl.OnRun(check, [f]() { return RunEdxmlCheck(f->file, f->json, std::cout); });

  CLI::App* import = edxml->add_subcommand(
      "import",
      "Send an edXML document as this profile's agency (its From); prints "
      "the document id");
  import->add_option("FILE", f->file, "The .edxml file")->required();
  import->add_option("--idempotency-key", f->idempotency_key,
                     "Default: the document's own, so importing the same file "
                     "twice stores it once");
  import->add_option("--receipt", f->receipt,
                     "Save the hub's signed receipt to this file");
  import->add_flag("--json", f->json, "Print the hub's answer as JSON");
  cl.AddProfile(import);
  cl.OnRun(import, [&cl, f]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, cl.Load());
    TRUC_RETURN_IF_ERROR(
        RequireRole(profile, Role::kAgency, "truc edxml import"));
    TRUC_ASSIGN_OR_RETURN(auto signer, LoadSigner(profile));
    TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor, LoadAnchor(profile));
    TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
    auto stub = truc::v1::Exchange::NewStub(channel);
    return RunEdxmlImport(stub.get(), *signer, anchor, f->file,
                          f->idempotency_key, f->receipt, f->json, std::cout,
                          std::cerr);
  });

  CLI::App* exp = edxml->add_subcommand(
      "export",
      "Write a document this agency sent as edXML, with a TraceHeader for "
      "this hub");
  exp->add_option("DOC-ID", f->document_id, "Document id")->required();
  exp->add_option("--out", f->out, "The .edxml file to write (must not exist)")
      ->required();
  cl.AddProfile(exp);
  cl.OnRun(exp, [&cl, f]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, cl.Load());
    TRUC_RETURN_IF_ERROR(
        RequireRole(profile, Role::kAgency, "truc edxml export"));
    TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
    auto stub = truc::v1::Exchange::NewStub(channel);
    return RunEdxmlExport(stub.get(), f->document_id, f->out, std::cout,
                          std::cerr);
  });
}

}  // namespace truc::cli
