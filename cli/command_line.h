// The `truc` command line's frame: the CLI11 app, the --profile flag every
// command that talks to the hub takes, the action the chosen command runs,
// and the helpers commands reach the hub through. Each group of commands
// registers itself (command_groups.h) with the flags it owns.
//
// Exit codes: 0 success; 1 the command failed (one line "truc: error:
// <what>" on stderr); 2 a usage error (CLI11's) or a profile that cannot
// be used (none named, a missing file, a wrong field), as a wrong
// configuration does.
//
// Thread-safety: one thread.
#ifndef TRUC_CLI_COMMAND_LINE_H_
#define TRUC_CLI_COMMAND_LINE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/profile.h"
#include "common/identity.h"
#include "truc/v1/audit.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::cli {

class CommandLine {
 public:
  CommandLine();

  CLI::App& app() { return app_; }

  // Adds --profile to `cmd`.
  void AddProfile(CLI::App* cmd);
  // When `cmd` is the command parsed, `action` is what runs.
  void OnRun(CLI::App* cmd, std::function<absl::Status()> action);
  // A group's flags, kept as long as the command line: CLI11 writes the
  // parsed values into them.
  template <typename Flags>
  Flags* Keep() {
    auto flags = std::make_shared<Flags>();
    kept_.push_back(flags);
    return flags.get();
  }

  // The profile named by --profile or $TRUC_PROFILE. A failure makes the
  // command exit 2.
  absl::StatusOr<LoadedProfile> Load();
  // The province CA for checking evidence: `ca_flag` when given, else the
  // profile's (without talking to the hub).
  absl::StatusOr<TrustAnchor> AnchorFor(const std::string& ca_flag);
  // Runs `body` with an Audit stub and the profile's CA (any profile of an
  // agency or an operator).
  absl::Status WithAudit(
      const std::function<absl::Status(truc::v1::Audit::StubInterface*,
                                       const TrustAnchor&)>& body);
  // Runs `body` with an Operator stub, after checking that the profile is
  // an operator's (`command` names it in the error).
  absl::Status WithOperator(
      absl::string_view command,
      const std::function<absl::Status(truc::v1::Operator::StubInterface*)>&
          body);

  // Parses `argv`, runs the command and returns the exit code.
  int Run(int argc, char** argv);

 private:
  CLI::App app_;
  std::string profile_flag_;
  std::function<absl::Status()> action_;
  bool profile_failed_ = false;
  std::vector<std::shared_ptr<void>> kept_;
};

}  // namespace truc::cli

#endif  // TRUC_CLI_COMMAND_LINE_H_
