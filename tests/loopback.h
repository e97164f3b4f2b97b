// One province on loopback, the harness under both the cross-process tests
// (tests/province.h wraps it with assertions) and truc-bench
// (tests/bench/world.h wraps it with the bench's agencies and signers): a
// fresh CA in a directory, certificates as <dir>/<name>.crt and .key, a
// real truc-hub process configured by <dir>/hub.conf on a free port, and
// real truc-agent processes, one per agency, each in <dir>/agents/<code>.
// Binaries come from the build (CMake sets TRUC_HUB_BIN and TRUC_AGENT_BIN
// for this library).
//
// Every step reports failure as a status naming the file or the process
// (and, for a process that did not start, the end of its log). Only the
// stub factories abort, naming the file, when the principal's certificate
// was never issued: a bug of the caller.
//
// Thread-safety: one controlling thread for the processes; Path, address,
// Tls, Channel and the stub factories are thread-safe.
#ifndef TRUC_TESTS_LOOPBACK_H_
#define TRUC_TESTS_LOOPBACK_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/pki.h"
#include "tests/process.h"
#include "truc/v1/bridge.grpc.pb.h"
#include "truc/v1/config.pb.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::testing {

// How fast a test's agent polls, scans its outbox and retries.
struct AgentTimings {
  int poll_wait_seconds = 5;
  int outbox_scan_millis = 200;
  int retry_initial_millis = 100;
  int retry_max_millis = 1000;
};

// Who the province is, and which binaries it runs.
struct LoopbackOptions {
  std::string ca_name = "CA tỉnh Lạng Sơn";
  std::string operator_name = "van-thu";         // the principal
  std::string operator_common_name = "Văn thư";  // for people
  // The build's by default; another build's to compare two with one
  // harness (truc-bench --hub, --agent).
  std::string hub_bin = TRUC_HUB_BIN;
  std::string agent_bin = TRUC_AGENT_BIN;
};

class Loopback {
 public:
  // Creates `dir` if needed, the CA (ca.crt), the hub's certificate
  // (hub.crt, for localhost and 127.0.0.1) and the operator's
  // (operator.crt), and picks a free port. Fails with the first file or
  // certificate error.
  static absl::StatusOr<std::unique_ptr<Loopback>> Create(
      const std::string& dir, const LoopbackOptions& options = {});
  ~Loopback();  // stops every agent (3 s each), then the hub (10 s)

  Loopback(const Loopback&) = delete;
  Loopback& operator=(const Loopback&) = delete;

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const;
  int port() const { return port_; }
  std::string address() const;
  const KeyAndCert& ca() const { return ca_; }

  // Writes <dir>/<file>.crt and .key (0600) for a certificate of the CA.
  absl::Status Issue(const std::string& file, const IssueRequest& request);
  // An agency's certificate <dir>/<code>.crt, common name `name` (the code
  // when empty).
  absl::Status IssueAgency(const std::string& code,
                           const std::string& name = "");

  // Writes <dir>/hub.conf: the listen address, data in <dir>/hub-data,
  // the port file <dir>/hub.port, the hub's TLS files, then `extra`
  // (text-format lines).
  absl::Status WriteHubConfig(const std::string& extra = "");
  // Starts truc-hub with hub.conf and waits (at most `timeout`) until it
  // writes its port file. UNAVAILABLE with the end of hub.log if it exits
  // or does not serve in time.
  absl::Status StartHub(
      std::map<std::string, std::string> env = {},
      std::chrono::seconds timeout = std::chrono::seconds(30));
  // SIGTERM and wait; the exit code (-1 if there was no hub).
  int StopHub(std::chrono::seconds timeout = std::chrono::seconds(20));
  void KillHub();  // kill -9
  Process* hub() { return hub_.get(); }

  // Registers an agency through the operator service (beyond this hub,
  // through `bridge`, when it is set); the gRPC error as a status
  // (ALREADY_EXISTS when it is registered).
  absl::Status Register(const std::string& code, const std::string& name,
                        const std::string& bridge = "");

  std::string AgentDir(const std::string& code) const;
  // Writes <dir>/agents/<code>/agent.conf (the certificate
  // <dir>/<cert>.crt, <code>.crt when `cert` is empty) and starts
  // truc-agent for it, logging to agent.log beside it. UNAVAILABLE naming
  // the log if the process exits at once.
  absl::Status StartAgent(const std::string& code, const AgentTimings& timings,
                          std::map<std::string, std::string> env = {},
                          const std::string& cert = "");
  // SIGTERM and wait; the exit code (-1 if the agent was not started).
  int StopAgent(const std::string& code,
                std::chrono::seconds timeout = std::chrono::seconds(10));
  void KillAgent(const std::string& code);  // kill -9
  // Signals every agent, then waits for each (`timeout` each).
  void StopAgents(std::chrono::seconds timeout = std::chrono::seconds(5));
  Process* agent(const std::string& code);
  const std::map<std::string, std::unique_ptr<Process>>& agents() const {
    return agents_;
  }

  // The TLS files of a principal (an agency code, "operator", or any file
  // name given to Issue).
  truc::v1::TlsFiles Tls(const std::string& principal) const;
  // A new channel (its own connection) as the principal; the error names
  // the file that could not be read.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(
      const std::string& principal) const;
  std::unique_ptr<truc::v1::Exchange::Stub> Exchange(
      const std::string& code) const;
  std::unique_ptr<truc::v1::Operator::Stub> Operator() const;
  // The Bridge service as the bridge whose certificate is <dir>/<cert>.crt.
  std::unique_ptr<truc::v1::Bridge::Stub> Bridge(const std::string& cert) const;

 private:
  Loopback() = default;

  std::string dir_;
  LoopbackOptions options_;
  KeyAndCert ca_;
  int port_ = 0;
  std::unique_ptr<Process> hub_;
  std::map<std::string, std::unique_ptr<Process>> agents_;
};

}  // namespace truc::testing

#endif  // TRUC_TESTS_LOOPBACK_H_
