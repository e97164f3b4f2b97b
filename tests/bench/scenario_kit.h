// What truc-bench's scenarios share: the clock helpers, the header a clerk
// fills, one send and one acknowledgement as an agent makes them, the
// operator's status, and a throughput loop; and the scenarios themselves,
// which tests/bench/scenarios.cc lists in the order they run.
//
// Thread-safety: the helpers are thread-safe when each thread has its own
// stub; a scenario runs alone.
#ifndef TRUC_TESTS_BENCH_SCENARIO_KIT_H_
#define TRUC_TESTS_BENCH_SCENARIO_KIT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/bench/report.h"
#include "tests/bench/scenarios.h"
#include "tests/bench/world.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::bench {

using SteadyClock = std::chrono::steady_clock;
using truc::v1::DocumentHeader;

inline constexpr uint64_t kMB = 1'000'000;

double MillisSince(SteadyClock::time_point t);
int64_t NowMicros();
// One line on stderr, prefixed "truc-bench: ".
void Progress(const std::string& text);

// A header as a clerk of the office fills it, its content padded so that
// the serialized header is about `target_bytes`.
DocumentHeader BenchHeader(const std::vector<std::string>& to,
                           truc::v1::Urgency urgency,
                           size_t target_bytes = 4096);
// The codes of the first `n` agencies.
std::vector<std::string> Codes(const std::vector<BenchAgency>& agencies,
                               size_t n);
// Sends `header` (no attachments) signed by its sender; the document id,
// or the hub's error.
absl::StatusOr<std::string> Send(World* w, truc::v1::Exchange::Stub* stub,
                                 const DocumentHeader& header);
// The acknowledgement of `d` by `agency`, with its signed statement, as an
// agent makes it.
absl::StatusOr<truc::v1::AcknowledgeRequest> Ack(World* w,
                                                 const std::string& agency,
                                                 const truc::v1::Delivery& d);
// The operator's view of document `id`; the hub's error as a status.
absl::StatusOr<truc::v1::DocumentStatus> GetStatus(truc::v1::Operator::Stub* op,
                                                   const std::string& id);
// Asks for the document's status every `every` until all recipients have
// received it. DEADLINE_EXCEEDED after `timeout`, naming how many had.
absl::StatusOr<truc::v1::DocumentStatus> WaitAllArrived(
    truc::v1::Operator::Stub* op, const std::string& id, absl::Duration timeout,
    absl::Duration every);
// Runs `threads` loops of `op` for `window` after a 0.3 s warm-up:
// operations per second. Fails with the first operation's error.
absl::StatusOr<double> Throughput(int threads, absl::Duration window,
                                  const std::function<absl::Status()>& op);
double Median(const std::vector<double>& v);

// When the hub answered long polls, measured from the send (ms).
struct Arrivals {
  std::vector<double> each;  // one per (document, poller)
  std::vector<double> last;  // per document, its last poller's
};
// `pollers` long-poll (each on its own thread and connection) and
// acknowledge what they get; the office sends `probes` express documents
// to all of them, `spacing` apart. The first send or poll error fails it.
absl::StatusOr<Arrivals> ProbeArrivals(World* w,
                                       const std::vector<std::string>& pollers,
                                       int probes, absl::Duration spacing);

// The scenarios (exchange_scenarios.cc, storage_scenarios.cc,
// federation_scenario.cc). Each starts
// its own province under <run_dir>/<scenario> and adds rows to `r`; the
// first failure of a step, naming it.
absl::Status DurableSends(const BenchOptions& o, Report* r);
absl::Status ExpressFanout(const BenchOptions& o, Report* r);
absl::Status LargeAttachment(const BenchOptions& o, Report* r);
absl::Status Growth(const BenchOptions& o, Report* r);
absl::Status Fairness(const BenchOptions& o, Report* r);
absl::Status NationalBroadcast(const BenchOptions& o, Report* r);
absl::Status WebDoors(const BenchOptions& o, Report* r);

}  // namespace truc::bench

#endif  // TRUC_TESTS_BENCH_SCENARIO_KIT_H_
