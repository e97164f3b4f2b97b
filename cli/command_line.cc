#include "cli/command_line.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"

namespace truc::cli {

CommandLine::CommandLine()
    : app_(
          "truc: document exchange between the province's agencies.\n"
          "Commands that talk to the hub take --profile FILE (or "
          "$TRUC_PROFILE).") {
  app_.name("truc");
  app_.require_subcommand(1);
  app_.failure_message([](const CLI::App*, const CLI::Error& e) {
    return absl::StrCat("truc: error: ", e.what(),
                        " (see truc --help, or truc COMMAND --help)\n");
  });
  AddProfile(&app_);
}

void CommandLine::AddProfile(CLI::App* cmd) {
  cmd->add_option("--profile", profile_flag_,
                  "Profile file: hub address and certificate (default: "
                  "$TRUC_PROFILE)");
}

void CommandLine::OnRun(CLI::App* cmd, std::function<absl::Status()> action) {
  cmd->callback([this, action = std::move(action)] { action_ = action; });
}

absl::StatusOr<LoadedProfile> CommandLine::Load() {
  absl::StatusOr<std::string> path =
      ChooseProfilePath(profile_flag_, std::getenv(kProfileEnv));
  absl::StatusOr<LoadedProfile> profile =
      path.ok() ? LoadProfile(*path)
                : absl::StatusOr<LoadedProfile>(path.status());
  if (!profile.ok()) profile_failed_ = true;
  return profile;
}

absl::StatusOr<TrustAnchor> CommandLine::AnchorFor(const std::string& ca_flag) {
  if (!ca_flag.empty()) return TrustAnchor::FromFile(ca_flag);
  auto profile = Load();
  if (!profile.ok()) {
    return absl::Status(
        profile.status().code(),
        absl::StrCat("name the province CA's certificate with --ca FILE, or "
                     "use a profile: ",
                     profile.status().message()));
  }
  return LoadAnchor(*profile);
}

absl::Status CommandLine::WithAudit(
    const std::function<absl::Status(truc::v1::Audit::StubInterface*,
                                     const TrustAnchor&)>& body) {
  TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load());
  TRUC_ASSIGN_OR_RETURN(TrustAnchor anchor, LoadAnchor(profile));
  TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
  auto stub = truc::v1::Audit::NewStub(channel);
  return body(stub.get(), anchor);
}

absl::Status CommandLine::WithOperator(
    absl::string_view command,
    const std::function<absl::Status(truc::v1::Operator::StubInterface*)>&
        body) {
  TRUC_ASSIGN_OR_RETURN(LoadedProfile profile, Load());
  TRUC_RETURN_IF_ERROR(RequireRole(profile, Role::kOperator, command));
  TRUC_ASSIGN_OR_RETURN(auto channel, ConnectToHub(profile));
  auto stub = truc::v1::Operator::NewStub(channel);
  return body(stub.get());
}

int CommandLine::Run(int argc, char** argv) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app_.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!action_) return 2;  // unreachable: a subcommand is required
  absl::Status status = action_();
  std::cout.flush();
  if (!status.ok()) {
    std::cerr << "truc: error: "
              << absl::StrReplaceAll(status.message(), {{"\n", " "}}) << "\n";
    return profile_failed_ ? 2 : 1;
  }
  return 0;
}

}  // namespace truc::cli
