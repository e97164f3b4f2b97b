// truc: the command line of the province's document exchange hub, for
// operators (CA, agency directory, pending list, certificates, alerts,
// reports, console accounts) and clerks (send, status, sent, resend).
// Exit codes: cli/command_line.h.
#include "cli/command_groups.h"

int main(int argc, char** argv) {
  truc::cli::CommandLine cl;
  truc::cli::AddCaCommands(cl);
  truc::cli::AddAgencyCommands(cl);
  truc::cli::AddDocumentCommands(cl);
  truc::cli::AddEdxmlCommands(cl);
  truc::cli::AddAxisCommands(cl);
  truc::cli::AddEvidenceCommands(cl);
  truc::cli::AddOperatorCommands(cl);
  return cl.Run(argc, argv);
}
