// A province on loopback for truc-bench: the shared harness
// (tests/loopback.h: a fresh CA and certificates, a real truc-hub process,
// real truc-agent processes) in the run directory, with the bench's invented
// agencies registered through the operator service and their signing keys.
// Failures are statuses (the bench is a program, not a test).
//
// Thread-safety: one controlling thread; the stub factories are thread-safe.
#ifndef TRUC_TESTS_BENCH_WORLD_H_
#define TRUC_TESTS_BENCH_WORLD_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/pki.h"
#include "common/signature.h"
#include "tests/loopback.h"
#include "tests/process.h"
#include "truc/v1/config.pb.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::bench {

using truc::testing::Process;

struct BenchAgency {
  std::string code;
  std::string name;
};

// `n` agencies with valid codes (000.<i/100>.<i%100>.H98, "H98" marks them
// as invented) and Vietnamese names ("UBND xã Thử nghiệm 17").
std::vector<BenchAgency> BenchAgencies(int n, int first = 1);

// The office that sends in every scenario: Văn phòng UBND tỉnh.
inline constexpr char kOfficeCode[] = "000.01.00.H99";

// The truc-hub and truc-agent a run drives: the build's by default.
struct Binaries {
  std::string hub = TRUC_HUB_BIN;
  std::string agent = TRUC_AGENT_BIN;
};

class World {
 public:
  // Creates `dir` (which must not exist or be empty), the CA, the hub's and
  // the operator's certificates, and hub.conf on a free port. `hub_extra` is
  // appended to hub.conf (text format). Fails with the file error.
  static absl::StatusOr<std::unique_ptr<World>> Create(
      const std::string& dir, const Binaries& binaries,
      const std::string& hub_extra = "");
  ~World();  // stops every agent and the hub

  const std::string& dir() const { return loopback_->dir(); }
  std::string Path(const std::string& name) const {
    return loopback_->Path(name);
  }
  std::string address() const { return loopback_->address(); }
  std::string DataDir() const { return Path("hub-data"); }

  // Starts truc-hub and waits until it answers a health check (at most
  // 60 s), then registers the office (unless `with_office` is false: a
  // province hub of the national broadcast, whose office is the national
  // one, beyond it). Fails UNAVAILABLE with the tail of hub.log.
  absl::Status StartHub(bool with_office = true);
  // SIGTERM and wait; fails INTERNAL if the exit code is not 0.
  absl::Status StopHub();
  Process* hub() { return loopback_->hub(); }

  // Issues each agency a certificate and registers it (the office is
  // registered at creation). Fails with the first error.
  absl::Status AddAgencies(const std::vector<BenchAgency>& agencies);

  // Registers agencies beyond this hub, reached through `bridge` (no
  // certificates: their agents connect to their own hub).
  absl::Status AddRemoteAgencies(const std::vector<BenchAgency>& agencies,
                                 const std::string& bridge);
  // Writes <dir>/<file>.crt and .key for a certificate of this hub's CA.
  absl::Status Issue(const std::string& file, const IssueRequest& request);

  // Writes <dir>/agents/<code>/agent.conf and starts truc-agent for it,
  // long-polling 30 s (the bench sends through the hub, not the outbox).
  absl::Status StartAgent(const std::string& code);
  void StopAgents();
  std::string AgentDir(const std::string& code) const;
  std::vector<Process*> Agents();

  // A new channel (its own connection) for the agency or "operator".
  std::shared_ptr<grpc::Channel> Channel(const std::string& principal) const;
  std::unique_ptr<truc::v1::Exchange::Stub> Exchange(
      const std::string& code) const;
  std::unique_ptr<truc::v1::Operator::Stub> Operator() const;

  // The TLS files of a principal, for references that use the same TLS.
  truc::v1::TlsFiles Tls(const std::string& principal) const;
  // The signing key of an agency (its TLS key), loaded once. The agency
  // must have been added.
  const truc::Signer& SignerOf(const std::string& code);

 private:
  World() = default;
  // Registers `a` (beyond, through `bridge`, when set), again while the
  // outcome is unknown; already registered is success.
  absl::Status RegisterPatiently(const BenchAgency& a,
                                 const std::string& bridge);

  std::unique_ptr<truc::testing::Loopback> loopback_;
  absl::Mutex signers_mu_;
  std::map<std::string, std::unique_ptr<truc::Signer>> signers_
      ABSL_GUARDED_BY(signers_mu_);
};

// Bytes under `path`, counted from file sizes (a missing path is 0).
uint64_t DiskBytes(const std::string& path);

}  // namespace truc::bench

#endif  // TRUC_TESTS_BENCH_WORLD_H_
