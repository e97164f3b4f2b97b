// truc-bridge: links a province's hub to the national tier (another truc
// hub), carrying documents and statuses both ways (docs/FEDERATION.md).
//
//   truc-bridge run --config bridge.conf
//   truc-bridge check --config bridge.conf
//
// Exit codes: 0 success, 2 bad command line or configuration.

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bridge/bridge.h"
#include "bridge/config.h"
#include "bridge/hub_end.h"
#include "common/stop_signal.h"

namespace truc::bridge {
namespace {

constexpr int kExitUsage = 2;

int Fail(int code, const absl::Status& status) {
  std::string line =
      absl::StrCat("truc-bridge: error: ", status.message(), "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  return code;
}

int RunCommand(const std::string& config_path) {
  TerminationSignals signals;  // before any thread exists

  absl::StatusOr<BridgeSettings> settings = LoadBridgeConfig(config_path);
  if (!settings.ok()) return Fail(kExitUsage, settings.status());
  absl::StatusOr<std::unique_ptr<Bridge>> bridge = Bridge::Create(*settings);
  if (!bridge.ok()) {
    return Fail(kExitUsage,
                absl::Status(bridge.status().code(),
                             absl::StrCat(config_path, ": ",
                                          bridge.status().message())));
  }
  std::thread waiter([&] {
    (*bridge)->log()->Event("stopping", {{"signal", signals.Wait()}});
    (*bridge)->Stop();
  });
  (*bridge)->Run();  // returns after Stop()
  waiter.join();
  return 0;
}

int CheckCommand(const std::string& config_path) {
  absl::StatusOr<BridgeSettings> settings = LoadBridgeConfig(config_path);
  if (!settings.ok()) return Fail(kExitUsage, settings.status());
  for (const auto& [end, field] :
       {std::pair{&settings->hub, "hub"},
        std::pair{&settings->upstream, "upstream_hub"}}) {
    absl::StatusOr<std::unique_ptr<HubEnd>> e = HubEnd::Create(*end, field);
    if (!e.ok()) {
      return Fail(kExitUsage, absl::Status(e.status().code(),
                                           absl::StrCat(config_path, ": ",
                                                        e.status().message())));
    }
    std::printf("%s: %s, as bridge %s\n", field, end->address.c_str(),
                (*e)->bridge_name().c_str());
  }
  return 0;
}

int Main(int argc, char** argv) {
  // As truc-agent: Debian's Abseil keeps a lock graph on every
  // acquisition; a production process must not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{
      "truc-bridge: links a province's truc hub to the national tier,\n"
      "carrying documents and their statuses both ways.",
      "truc-bridge"};
  app.require_subcommand(1);
  std::string config;
  CLI::App* run = app.add_subcommand(
      "run", "Carry documents and statuses until SIGINT or SIGTERM");
  run->add_option("--config", config, "BridgeConfig file (text format)")
      ->required();
  CLI::App* check = app.add_subcommand(
      "check", "Check the configuration and the certificates, and exit");
  check->add_option("--config", config, "BridgeConfig file (text format)")
      ->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    return Fail(kExitUsage, absl::InvalidArgumentError(absl::StrCat(
                                e.what(), " (see truc-bridge --help)")));
  }
  if (run->parsed()) return RunCommand(config);
  return CheckCommand(config);
}

}  // namespace
}  // namespace truc::bridge

int main(int argc, char** argv) { return truc::bridge::Main(argc, argv); }
