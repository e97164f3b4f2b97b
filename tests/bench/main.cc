// truc-bench: measures truc against its limits and against RabbitMQ, side by
// side, in one run. See docs/PERFORMANCE.md.
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/file_util.h"
#include "common/time_util.h"
#include "tests/bench/rabbit.h"
#include "tests/bench/scenarios.h"
#include "tests/process.h"

namespace truc::bench {
namespace {

std::string Machine() {
  std::ifstream cpu("/proc/cpuinfo");
  std::string line, model;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  struct utsname u;
  uname(&u);
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return absl::StrCat(model, ", ", sysconf(_SC_NPROCESSORS_ONLN), " cores, ",
                      static_cast<long long>(pages) * page >> 30, " GiB, ",
                      u.sysname, " ", u.release);
}

int Main(int argc, char** argv) {
  std::string help =
      "truc-bench: truc against its limits and RabbitMQ.\n\nScenarios:\n";
  for (const auto& s : Scenarios())
    absl::StrAppend(&help, "  ", s.name, "\n      ", s.summary, "\n");
  CLI::App app{help};
  app.name("truc-bench");
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return absl::StrCat("truc-bench: error: ", e.what(),
                        " (see truc-bench --help)\n");
  });
  BenchOptions o;
  std::vector<std::string> only;
  std::string json;
  bool no_rabbit = false, keep = false;
  double window_s = 5;
  app.add_option("scenario", only, "Scenarios to run (default: all)");
  app.add_flag("--quick", o.quick,
               "Small sizes, seconds per scenario (what ctest runs)");
  app.add_option("--run-dir", o.run_dir,
                 "Where the hubs, agents and brokers keep their data "
                 "(default: a new directory under /tmp; must not exist)");
  app.add_option("--json", json, "Also write the results here, as JSON");
  app.add_flag("--no-rabbitmq", no_rabbit,
               "Skip the RabbitMQ references even if it is installed");
  app.add_flag("--keep", keep, "Keep the run directory afterwards");
  app.add_option("--window", window_s,
                 "Seconds per throughput measurement (default 5; quick 1)")
      ->check(CLI::Range(0.2, 600.0));
  app.add_option("--agents", o.fanout_agencies,
                 "Agents in the express fan-out (default 250)")
      ->check(CLI::Range(1, 2000));
  app.add_option("--provinces", o.broadcast_provinces,
                 "Provinces in the national broadcast (default 34)")
      ->check(CLI::Range(1, 99));
  app.add_option("--per-province", o.broadcast_agencies,
                 "Agencies per province in the national broadcast (default "
                 "100)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--poll-wait", o.broadcast_poll_wait,
                 "Each simulated agency's long-poll wait in the national "
                 "broadcast, seconds (default 30, as truc-agent's; short "
                 "waits load every hub with answers)")
      ->check(CLI::Range(1, 600));
  app.add_option("--preload", o.preload_documents,
                 "Documents preloaded for the growth scenario (default "
                 "1000000)")
      ->check(CLI::Range(int64_t{1000}, int64_t{100'000'000}));
  app.add_option("--large-mb", o.large_bytes,
                 "Size of the large attachment, MB (default 200)")
      ->check(CLI::Range(1, 100'000));
  app.add_option("--hub", o.binaries.hub,
                 "The truc-hub to measure (default: this build's); with "
                 "--agent, compares another build under the same harness")
      ->check(CLI::ExistingFile);
  app.add_option("--agent", o.binaries.agent,
                 "The truc-agent to measure (default: this build's)")
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  if (app.count("--large-mb")) o.large_bytes *= 1'000'000;
  o.window = absl::Seconds(o.quick && !app.count("--window") ? 1 : window_s);

  std::vector<const Scenario*> run;
  std::set<std::string> known;
  for (const auto& s : Scenarios()) known.insert(s.name);
  for (const auto& name : only) {
    if (!known.count(name)) {
      std::fprintf(stderr,
                   "truc-bench: error: no scenario \"%s\" (see truc-bench "
                   "--help)\n",
                   name.c_str());
      return 2;
    }
  }
  for (const auto& s : Scenarios()) {
    if (only.empty() ||
        std::find(only.begin(), only.end(), s.name) != only.end())
      run.push_back(&s);
  }

  if (o.run_dir.empty()) {
    char tmpl[] = "/tmp/truc-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::perror("truc-bench: error: cannot create a run directory");
      return 1;
    }
    o.run_dir = tmpl;
  } else if (PathExists(o.run_dir)) {
    std::fprintf(stderr,
                 "truc-bench: error: --run-dir %s exists; give a new path, "
                 "so that no earlier data is measured\n",
                 o.run_dir.c_str());
    return 2;
  } else if (absl::Status s = MakeDirectories(o.run_dir); !s.ok()) {
    std::fprintf(stderr, "truc-bench: error: %s\n", s.ToString().c_str());
    return 1;
  }

  Report report(o.quick);
  report.proto().set_started_at(
      FormatVietnamTime(absl::ToUnixMicros(absl::Now())));
  report.proto().set_machine(Machine());
  std::vector<std::string> args(argv, argv + argc);
  report.proto().set_command(absl::StrJoin(args, " "));
  std::printf("truc-bench %s, %s\nrun directory %s\nmeasuring %s and %s\n\n",
              o.quick ? "(quick)" : "", report.proto().machine().c_str(),
              o.run_dir.c_str(), o.binaries.hub.c_str(),
              o.binaries.agent.c_str());

  std::unique_ptr<RabbitBroker> broker;
  bool needs_rabbit = false;
  for (const Scenario* s : run)
    needs_rabbit |= s->name == "durable-sends" || s->name == "express-fanout";
  if (no_rabbit) {
    o.rabbit_missing = "--no-rabbitmq";
  } else if (!RabbitBroker::Installed()) {
    o.rabbit_missing =
        "rabbitmq-server is not installed (apt-get install rabbitmq-server)";
    std::fprintf(stderr, "truc-bench: %s; its references are skipped\n",
                 o.rabbit_missing.c_str());
  } else if (needs_rabbit) {
    std::fprintf(stderr, "truc-bench: starting RabbitMQ\n");
    auto b = RabbitBroker::Start(JoinPath(o.run_dir, "rabbitmq"),
                                 truc::testing::FreePort());
    if (b.ok()) {
      broker = std::move(*b);
      o.rabbit = broker.get();
    } else {
      // The references are RabbitMQ's; truc's own figures still stand.
      o.rabbit_missing =
          absl::StrCat("RabbitMQ did not start: ", b.status().message());
      std::fprintf(stderr, "truc-bench: %s; its references are skipped\n",
                   o.rabbit_missing.c_str());
    }
  }

  auto start = std::chrono::steady_clock::now();
  int failed = 0;
  for (const Scenario* s : run) {
    std::fprintf(stderr, "truc-bench: scenario %s\n", s->name.c_str());
    absl::Status st = s->run(o, &report);
    if (!st.ok()) {
      ++failed;
      std::fprintf(stderr, "truc-bench: error: scenario %s failed: %s\n",
                   s->name.c_str(), st.ToString().c_str());
    }
  }
  broker.reset();
  report.proto().set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  report.Print();
  std::printf("\n%d goals missed; %d scenarios failed; %.0f s\n",
              report.Missed(), failed, report.proto().seconds());
  if (!json.empty()) {
    if (absl::Status s = report.WriteJson(json); !s.ok()) {
      std::fprintf(stderr, "truc-bench: error: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  if (failed == 0 && !keep) {
    (void)RemoveAll(o.run_dir);
  } else {
    std::fprintf(stderr, "truc-bench: the run directory is kept: %s\n",
                 o.run_dir.c_str());
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace truc::bench

int main(int argc, char** argv) { return truc::bench::Main(argc, argv); }
