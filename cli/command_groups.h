// The groups of `truc`'s commands, each registering its commands, and the
// flags they own, on the command line.
#ifndef TRUC_CLI_COMMAND_GROUPS_H_
#define TRUC_CLI_COMMAND_GROUPS_H_

#include "cli/command_line.h"

namespace truc::cli {

// truc ca init | issue
void AddCaCommands(CommandLine& cl);
// truc agency add | import | list | suspend | resume
void AddAgencyCommands(CommandLine& cl);
// truc send | sent | status | resend | pending
void AddDocumentCommands(CommandLine& cl);
// truc receipt verify; truc audit checkpoint | verify | prove |
// verify-proof | verify-consistency
void AddEvidenceCommands(CommandLine& cl);
// truc cert list | revoke; truc alert list; truc report service;
// truc account add | list | disable | enable | reset
void AddOperatorCommands(CommandLine& cl);

// truc edxml check | import | export
void AddEdxmlCommands(CommandLine& cl);
// truc system add | list | revoke; truc axis send | received | get |
// status | sent | agencies
void AddAxisCommands(CommandLine& cl);

}  // namespace truc::cli

#endif  // TRUC_CLI_COMMAND_GROUPS_H_
