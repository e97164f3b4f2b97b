// The commands of `truc` that talk to the hub, as plain functions of a stub
// and an output stream (so they run against a fake service in tests):
// the agency directory (Operator service), a document's status (Exchange
// for an agency, Operator for an operator) and the pending list.
//
// Thread-safety: functions are thread-safe; stubs may be shared. Each call
// has a deadline of kCallTimeout. Failures are absl::Status, the hub's
// gRPC errors mapped by FromGrpcStatus (which explains a refused TLS
// handshake); nothing is printed on failure except what import reports
// line by line.
#ifndef TRUC_CLI_COMMANDS_H_
#define TRUC_CLI_COMMANDS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "common/grpc_status.h"
#include "common/identity.h"
#include "common/time_util.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::cli {

inline constexpr std::chrono::seconds kCallTimeout{30};

// One unary call with the deadline kCallTimeout: `rpc` makes it with the
// context and the response it is given. Fails with the hub's error, mapped
// by FromGrpcStatus.
template <typename Response>
absl::StatusOr<Response> Call(
    const std::function<grpc::Status(grpc::ClientContext*, Response*)>& rpc) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  Response response;
  grpc::Status status = rpc(&ctx, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

// `truc agency add CODE NAME [--parent CODE]`. Codes are checked locally.
// `bridge` non-empty: an agency beyond this hub, reached through it.
absl::Status RunAgencyAdd(truc::v1::Operator::StubInterface* stub,
                          const std::string& code, const std::string& name,
                          const std::string& parent, const std::string& bridge,
                          std::ostream& out);

// What `truc agency import` did.
struct ImportCounts {
  int registered = 0;   // newly registered
  int unchanged = 0;    // already registered with the same name and parent
  int conflicting = 0;  // registered with another name or parent: untouched
  int failed = 0;       // refused by the hub
};

// `truc agency import FILE.csv`: parses the whole file first (nothing is
// registered if a line is malformed), lists the directory, skips agencies
// registered identically, registers the others parents first, and prints
// each conflict or refusal with its line number, then the counts. Stops at
// the first error that is not about one agency (hub unreachable, not an
// operator). Returns the counts; the caller fails if conflicting or failed.
absl::StatusOr<ImportCounts> RunAgencyImport(
    truc::v1::Operator::StubInterface* stub, const std::string& path,
    std::ostream& out);

// `truc agency list [--json]`.
absl::Status RunAgencyList(truc::v1::Operator::StubInterface* stub, bool json,
                           std::ostream& out, int64_t now_micros = NowMicros());

// `truc agency suspend CODE` / `truc agency resume CODE`.
absl::Status RunAgencySuspend(truc::v1::Operator::StubInterface* stub,
                              const std::string& code, std::ostream& out);
absl::Status RunAgencyResume(truc::v1::Operator::StubInterface* stub,
                             const std::string& code, std::ostream& out);

// `truc status DOC-ID --evidence [--save DIR]`: the evidence is asked for,
// and checked against `anchor` after the table (cli/evidence.h's
// RunShowEvidence); with --json it is only included in the JSON.
struct EvidenceOptions {
  const TrustAnchor* anchor = nullptr;  // required
  std::string save_dir;                 // "": do not save the receipts
};

// `truc status DOC-ID [--json]` with an agency profile (documents it sent)
// and with an operator profile (any document); with `evidence`, as above.
absl::Status RunStatusAsAgency(truc::v1::Exchange::StubInterface* stub,
                               const std::string& document_id, bool json,
                               std::ostream& out,
                               int64_t now_micros = NowMicros(),
                               const EvidenceOptions* evidence = nullptr);
absl::Status RunStatusAsOperator(truc::v1::Operator::StubInterface* stub,
                                 const std::string& document_id, bool json,
                                 std::ostream& out,
                                 int64_t now_micros = NowMicros(),
                                 const EvidenceOptions* evidence = nullptr);

// `truc resend DOC [--json]`: offers the document again to every unit that
// has not received it (its agent refused it on arrival, or it has a paper
// copy only, included): Exchange.Resend with the sender's profile,
// Operator.Resend with an operator's. Prints the units offered it again.
absl::Status RunResendAsAgency(truc::v1::Exchange::StubInterface* stub,
                               const std::string& document_id, bool json,
                               std::ostream& out);
absl::Status RunResendAsOperator(truc::v1::Operator::StubInterface* stub,
                                 const std::string& document_id, bool json,
                                 std::ostream& out);

// `truc cert list [--agency CODE] [--json]` (operators).
absl::Status RunCertList(truc::v1::Operator::StubInterface* stub,
                         const std::string& agency, bool json,
                         std::ostream& out, int64_t now_micros = NowMicros());

// `truc cert revoke SERIAL --reason TEXT` (operators). Fails
// INVALID_ARGUMENT before calling the hub when the reason is empty.
absl::Status RunCertRevoke(truc::v1::Operator::StubInterface* stub,
                           const std::string& serial, const std::string& reason,
                           std::ostream& out);

// `truc account add NAME --role operator|clerk [--agency CODE]
// --display-name TEXT [--password-stdin]`. With `password_stdin`, the
// password is the first line of `in`; otherwise the hub draws one, which
// is printed once. INVALID_ARGUMENT before calling the hub for an unknown
// role or an empty password line.
struct AccountFlags {
  std::string name;
  std::string role;  // "operator" or "clerk"
  std::string agency;
  std::string display_name;
  bool password_stdin = false;
};
absl::Status RunAccountAdd(truc::v1::Operator::StubInterface* stub,
                           const AccountFlags& flags, std::istream& in,
                           std::ostream& out);
// `truc account list [--json]`.
absl::Status RunAccountList(truc::v1::Operator::StubInterface* stub, bool json,
                            std::ostream& out,
                            int64_t now_micros = NowMicros());
// `truc alert list [--json]`: the alerts raised now.
absl::Status RunAlertList(truc::v1::Operator::StubInterface* stub, bool json,
                          std::ostream& out, int64_t now_micros = NowMicros());
// `truc report service [--month yyyy-MM] [--sender CODE] [--json]`; the
// month defaults to the current one in Vietnam's time.
absl::Status RunServiceReport(truc::v1::Operator::StubInterface* stub,
                              const std::string& month,
                              const std::string& sender, bool json,
                              std::ostream& out,
                              int64_t now_micros = NowMicros());
// `truc account disable NAME` / `truc account enable NAME`.
absl::Status RunAccountSetDisabled(truc::v1::Operator::StubInterface* stub,
                                   const std::string& name, bool disabled,
                                   std::ostream& out);
// `truc account reset NAME [--password-stdin]`: a new password (drawn and
// printed once, unless given), the account unlocked, its sessions ended.
absl::Status RunAccountReset(truc::v1::Operator::StubInterface* stub,
                             const std::string& name, bool password_stdin,
                             std::istream& in, std::ostream& out);

// The flags of `truc pending`.
struct PendingFlags {
  std::string urgency;     // "" for all; "express" includes express-timed
  std::string older_than;  // "" or a duration such as "10m"
  uint32_t limit = 0;      // 0: the hub's default
  bool json = false;
};

struct SentFlags {
  std::string since;  // "" for the hub's default (7 days), or e.g. "2d"
  bool outstanding = false;
  bool refused = false;  // refused by a unit after it arrived
  uint32_t limit = 0;    // 0: the hub's default
  bool json = false;
};

// `truc sent`: Exchange.ListSent, the caller's own documents and who has
// not received them. Fails INVALID_ARGUMENT on a bad duration first.
absl::Status RunSent(truc::v1::Exchange::StubInterface* stub,
                     const SentFlags& flags, std::ostream& out,
                     int64_t now_micros = NowMicros());

// `truc pending`: Operator.ListPending. Fails INVALID_ARGUMENT on a bad
// urgency word or duration before calling the hub.
absl::Status RunPending(truc::v1::Operator::StubInterface* stub,
                        const PendingFlags& flags, std::ostream& out,
                        int64_t now_micros = NowMicros());

}  // namespace truc::cli

#endif  // TRUC_CLI_COMMANDS_H_
