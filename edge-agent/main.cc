// truc-agent: the edge agent of one agency.
//
//   truc-agent run --config agent.conf
//   truc-agent report --config agent.conf DOCUMENT_ID CODE [--description T]
//       [--staff NAME] [--department D] [--mobile M] [--email E]
//
// Exit codes: 0 success, 1 the operation failed (the hub refused, the hub
// is unreachable), 2 bad command line or configuration.

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/stop_signal.h"
#include "common/time_util.h"
#include "edge-agent/agent.h"
#include "edge-agent/config.h"
#include "edge-agent/names.h"
#include "edge-agent/status_report.h"

namespace truc::agent {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(int code, absl::string_view message) {
  std::string line = absl::StrCat("truc-agent: error: ", message, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  return code;
}

int Fail(int code, const absl::Status& status) {
  return Fail(code, status.message());
}

int RunCommand(const std::string& config_path) {
  TerminationSignals signals;  // before any thread exists

  absl::StatusOr<AgentSettings> settings = LoadAgentConfig(config_path);
  if (!settings.ok()) return Fail(kExitUsage, settings.status());
  absl::StatusOr<std::unique_ptr<Agent>> agent = Agent::Create(*settings);
  if (!agent.ok()) return Fail(kExitUsage, agent.status());

  std::thread waiter([&] {
    (*agent)->log()->Event("stopping", {{"signal", signals.Wait()}});
    (*agent)->Stop();
  });
  (*agent)->Run();  // returns after Stop()
  waiter.join();
  return 0;
}

struct ReportArgs {
  std::string config;
  std::string document_id;
  std::string code;
  std::string description;
  std::string staff;
  std::string department;
  std::string mobile;
  std::string email;
};

int ReportCommand(const ReportArgs& args) {
  absl::StatusOr<AgentSettings> settings = LoadAgentConfig(args.config);
  if (!settings.ok()) return Fail(kExitUsage, settings.status());
  absl::StatusOr<truc::v1::EdxmlStatus> status = ParseStatusCode(args.code);
  if (!status.ok()) return Fail(kExitUsage, status.status());
  absl::Status id_ok = ValidateDocumentId(args.document_id);
  if (!id_ok.ok()) return Fail(kExitUsage, id_ok);

  truc::v1::ReportStatusRequest request;
  request.set_document_id(args.document_id);
  request.set_status(*status);
  request.set_description(args.description);
  request.mutable_staff()->set_staff(args.staff);
  request.mutable_staff()->set_department(args.department);
  request.mutable_staff()->set_mobile(args.mobile);
  request.mutable_staff()->set_email(args.email);
  if (request.staff().ByteSizeLong() == 0) request.clear_staff();

  absl::StatusOr<std::string> agency = AgencyFromCertificate(*settings);
  if (!agency.ok()) return Fail(kExitUsage, agency.status());
  auto keys = LoadAgentKeys(*settings, *agency);
  if (!keys.ok()) return Fail(kExitUsage, keys.status());
  auto stub = ConnectToHub(*settings);
  if (!stub.ok()) return Fail(kExitUsage, stub.status());
  absl::StatusOr<truc::v1::ReportStatusResponse> response =
      ReportStatus(stub->get(), settings->folders, **keys, request);
  if (!response.ok()) return Fail(kExitFailure, response.status());
  std::printf("reported %s for document %s, recorded by the hub at %s\n",
              StatusCodeLabel(*status).c_str(), args.document_id.c_str(),
              FormatVietnamTime(response->recorded_at().unix_micros()).c_str());
  return 0;
}

int Main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so absl::Mutex keeps a lock
  // graph on every acquisition and aborts the process on a lock-order
  // inversion it merely suspects. The unit tests keep that check; a
  // production process must neither pay for it nor die of it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{
      "truc-agent: the edge agent of an agency on the truc document exchange "
      "hub.\nReceives documents into the inbox, sends what is dropped into "
      "the outbox,\nand reports the status of received documents.",
      "truc-agent"};
  app.require_subcommand(1);

  std::string run_config;
  CLI::App* run = app.add_subcommand(
      "run",
      "Receive into the inbox and send the outbox until SIGINT or SIGTERM");
  run->add_option("--config", run_config, "AgentConfig file (text format)")
      ->required();

  ReportArgs r;
  CLI::App* report = app.add_subcommand(
      "report", "Report the status (02..06) of a received document");
  report->add_option("--config", r.config, "AgentConfig file (text format)")
      ->required();
  report->add_option("DOCUMENT_ID", r.document_id, "The hub's document id")
      ->required();
  report
      ->add_option("CODE", r.code,
                   "02 refused, 03 accepted, 04 assigned, 05 processing, "
                   "06 completed (\"2\", \"02\" or the name)")
      ->required();
  report->add_option("--description", r.description, "Free text, UTF-8");
  report->add_option("--staff", r.staff, "Officer handling the document");
  report->add_option("--department", r.department, "The officer's department");
  report->add_option("--mobile", r.mobile, "The officer's mobile number");
  report->add_option("--email", r.email, "The officer's e-mail");

  if (argc > 1 && argv[1][0] != '-' && std::strcmp(argv[1], "run") != 0 &&
      std::strcmp(argv[1], "report") != 0) {
    return Fail(kExitUsage,
                absl::StrCat("unknown command \"", argv[1],
                             "\" (commands: run, report; see truc-agent "
                             "--help)"));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    return Fail(kExitUsage, absl::StrCat(e.what(), " (see truc-agent --help)"));
  }
  if (run->parsed()) return RunCommand(run_config);
  return ReportCommand(r);
}

}  // namespace
}  // namespace truc::agent

int main(int argc, char** argv) { return truc::agent::Main(argc, argv); }
