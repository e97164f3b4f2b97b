// truc-bench's scenarios. Each starts its own province (a real truc-hub and,
// where the scenario needs them, real truc-agent processes) under
// <run_dir>/<scenario>, measures truc and its references in the same run,
// and adds rows to the report.
//
// Thread-safety: run one scenario at a time.
#ifndef TRUC_TESTS_BENCH_SCENARIOS_H_
#define TRUC_TESTS_BENCH_SCENARIOS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/bench/report.h"
#include "tests/bench/world.h"

namespace truc::bench {

class RabbitBroker;

struct BenchOptions {
  bool quick = false;
  std::string run_dir;
  // The broker for the RabbitMQ references; null: those rows are skipped
  // with `rabbit_missing` as the reason.
  RabbitBroker* rabbit = nullptr;
  std::string rabbit_missing;
  int fanout_agencies = 250;                 // scenario 2 (quick: 10)
  int64_t preload_documents = 1'000'000;     // scenario 4 (quick: 20,000)
  uint64_t large_bytes = 200'000'000;        // scenario 3 (quick: 8 MB)
  absl::Duration window = absl::Seconds(5);  // each throughput run
  int broadcast_provinces = 34;              // scenario 6 (quick: 3)
  int broadcast_agencies = 100;              // per province (quick: 4)
  int broadcast_poll_wait = 30;  // the simulated agents' wait, seconds
  Binaries binaries;             // the truc-hub and truc-agent to measure
};

struct Scenario {
  std::string name;
  std::string summary;
  std::function<absl::Status(const BenchOptions&, Report*)> run;
};

// In the order they run.
const std::vector<Scenario>& Scenarios();

}  // namespace truc::bench

#endif  // TRUC_TESTS_BENCH_SCENARIOS_H_
