// A province on loopback for the cross-process tests: the shared harness
// (tests/loopback.h: a fresh CA and certificates, a real truc-hub process on
// a fixed free port, real truc-agent processes, one per agency) in a
// temporary directory, with each step asserted, plus the clerk's and the
// CLI's ways in. The CLI comes from the build (TRUC_CLI_BIN, set by CMake).
#ifndef TRUC_TESTS_PROVINCE_H_
#define TRUC_TESTS_PROVINCE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/exchange_client.h"
#include "common/pki.h"
#include "common/test_util.h"
#include "tests/loopback.h"
#include "tests/process.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::testing {

// Agencies of the sample province (deploy/sample-province.csv).
inline constexpr char kOffice[] = "000.01.00.H99";   // Văn phòng UBND tỉnh
inline constexpr char kHealth[] = "000.07.00.H99";   // Sở Y tế
inline constexpr char kFinance[] = "000.03.00.H99";  // Sở Tài chính
inline constexpr char kYTich[] = "000.21.30.H99";    // UBND xã Y Tịch

class Province {
 public:
  Province();
  explicit Province(const LoopbackOptions& options);
  ~Province();

  const std::string& dir() const { return tmp_.path(); }
  std::string Path(const std::string& name) const { return tmp_.Sub(name); }
  int port() const { return loopback_->port(); }
  std::string address() const { return loopback_->address(); }

  // Certificates and keys for an agency: <dir>/<code>.crt / .key.
  void IssueAgency(const std::string& code);
  // Any certificate of the province CA, as <dir>/<file>.crt / .key.
  void IssueFile(const std::string& file, const IssueRequest& request);
  const KeyAndCert& ca() const { return loopback_->ca(); }
  // Writes <dir>/hub.conf with 5 s leases and a 30 s silence threshold
  // (extra text-format lines appended).
  void WriteHubConfig(const std::string& extra = "");
  // Starts truc-hub and waits until it serves (at most 20 s).
  void StartHub(std::map<std::string, std::string> env = {});
  void KillHub();  // kill -9
  int StopHub();   // SIGTERM; returns the exit code
  Process* hub() { return loopback_->hub(); }

  // Registers agencies through the operator service.
  void Register(const std::string& code, const std::string& name);
  // Registers an agency beyond this hub, reached through `bridge`.
  void RegisterRemote(const std::string& code, const std::string& name,
                      const std::string& bridge);
  // Certificates for, and registers, the province (UBND tỉnh), the office,
  // Sở Y tế and UBND xã Y Tịch: the small province most tests need.
  void SmallProvince();
  // The port number a server wrote to <dir>/<file> (0 if none yet).
  int PortIn(const std::string& file) const;

  // <dir>/agents/<code>/agent.conf, and starts truc-agent for it, with
  // the certificate <dir>/<cert>.crt (default: <code>.crt), polling 5 s
  // and scanning its outbox every 200 ms.
  void StartAgent(const std::string& code,
                  std::map<std::string, std::string> env = {},
                  const std::string& cert = "");
  void KillAgent(const std::string& code);
  int StopAgent(const std::string& code);
  Process* agent(const std::string& code) { return loopback_->agent(code); }
  std::string AgentDir(const std::string& code) const;
  // Document ids in the agent's inbox.
  std::vector<std::string> Inbox(const std::string& code) const;

  std::unique_ptr<truc::v1::Exchange::Stub> Exchange(const std::string& code);
  std::unique_ptr<truc::v1::Operator::Stub> Operator();
  // As the bridge whose certificate is <dir>/<cert>.crt.
  std::unique_ptr<truc::v1::Bridge::Stub> Bridge(const std::string& cert);

  // Sends as `from` through the shared client; files are written under
  // <dir>/outgoing first.
  absl::StatusOr<truc::v1::SendResponse> Send(
      const std::string& from, const std::vector<std::string>& to,
      const std::string& subject,
      const std::vector<std::pair<std::string, std::string>>& attachments = {},
      truc::v1::Urgency urgency = truc::v1::URGENCY_EXPRESS,
      const std::string& idempotency_key = "");
  absl::StatusOr<truc::v1::SendResponse> SendFiles(
      const std::string& from, const std::vector<std::string>& to,
      const std::string& subject, const std::vector<AttachmentFile>& files,
      truc::v1::Urgency urgency, const std::string& idempotency_key);

  absl::StatusOr<truc::v1::DocumentStatus> Status(
      const std::string& document_id);

  // The profile file for `name` (an agency code or "operator"), with the
  // certificate <dir>/<cert>.crt (default: <name>.crt).
  std::string Profile(const std::string& name, const std::string& cert = "");

  // Runs `truc` with the profile; returns what it printed and its exit code.
  RunResult Truc(const std::string& profile, std::vector<std::string> args);

 private:
  TempDir tmp_;
  std::unique_ptr<Loopback> loopback_;
  int outgoing_ = 0;
};

// A header with the fields a clerk fills, in Vietnamese.
truc::v1::DocumentHeader ClerkHeader(const std::string& from,
                                     const std::vector<std::string>& to,
                                     const std::string& subject,
                                     truc::v1::Urgency urgency);

}  // namespace truc::testing

#endif  // TRUC_TESTS_PROVINCE_H_
