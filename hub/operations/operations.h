// Operations: what the hub's front doors (the gRPC services, the web
// console) may ask of it, as plain logic. An actor and a request in,
// absl::StatusOr<response> out. Each operation states its access rule once,
// normalises what the request says (codes and names trimmed), calls the
// ledger, directory, certificate registry, account store or audit log,
// whose changes carry their audit events naming the actor, and writes one
// log line in one vocabulary ("event=<what> ... by=<principal>").
//
// The doors keep only what is theirs: which certificate may use which gRPC
// service (rpc/), sessions, CSRF and JSON (console/). A rule about who may
// read or change a document, an agency, a certificate or an account lives
// here and nowhere else.
//
// The rules:
//   a document's status, resend, paper copy   its sender or an operator
//   documents sent (ListSent)                 an agency: its own; an
//                                             operator: every sender's
//   pending, agencies, certificates, accounts,
//   alerts, verifying the audit log           an operator
//   the monthly report                        an operator; an agency: its
//                                             own documents
//   acknowledge, report a status              the recipient agency
//   audit checkpoints and consistency proofs  anyone admitted
//   what comes through the national-axis API  its system, for the
//     (a carried send, its documents and        system's agency only
//     statuses, the directory)
//   the systems of that API                   an operator
//   a document's audit proof                  an operator; its sender; a
//                                             recipient (the acceptance and
//                                             its own events only)
// A document the actor may not see is PERMISSION_DENIED, or NOT_FOUND for
// an actor that conceals others' documents (the console's clerks).
//
// Thread-safety: thread-safe; every method may run on many threads.
#ifndef TRUC_HUB_OPERATIONS_OPERATIONS_H_
#define TRUC_HUB_OPERATIONS_OPERATIONS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/identity.h"
#include "hub/exchange/audit_log.h"
#include "hub/exchange/carried_send.h"
#include "hub/exchange/cert_registry.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/ledger.h"
#include "hub/exchange/trust.h"
#include "hub/ops/accounts.h"
#include "hub/ops/alerts.h"
#include "hub/ops/axis_systems.h"
#include "truc/internal/records.pb.h"
#include "truc/v1/audit.pb.h"
#include "truc/v1/console.pb.h"
#include "truc/v1/exchange.pb.h"
#include "truc/v1/operator.pb.h"

namespace truc::hub {

// Who asks: an agency (its certificate, or a clerk's console account bound
// to it) or an operator (its certificate, or an operator's account).
struct Actor {
  enum class Kind { kAgency, kOperator, kBridge };
  Kind kind = Kind::kAgency;
  // kAgency: the agency it acts for.
  std::string agency;
  // As the audit log and the hub's log name it: agency:<code>,
  // operator:<name>, account:<name>.
  Identity identity;
  // Others' documents are answered NOT_FOUND, as if they did not exist,
  // rather than PERMISSION_DENIED.
  bool conceal_others = false;
  // The national-axis API system it came through (hub/axis/); empty for
  // the other doors.
  std::string system;
  // kBridge: the bridge's name; it acts for the agencies beyond this hub
  // that the directory says it reaches, and for nothing else.
  std::string bridge;

  // An agency's or an operator's certificate (another role is an agency
  // of no name, which every rule refuses).
  static Actor ForCertificate(const Identity& identity);
  // A console account: an operator, or a clerk of its agency; others'
  // documents concealed.
  static Actor ForAccount(const ConsoleUser& user);
  // A system of the national-axis API, acting for its agency (its
  // credentials, checked by the door, say which); the audit log names the
  // agency, and each event the system.
  static Actor ForSystem(const std::string& system_id,
                         const std::string& agency);
  // A system of the national-axis API that acts for a bridge (a
  // province's truc-bridge whose upstream is this hub's door): the bridge,
  // as its certificate would make it, through that system.
  static Actor ForBridgeSystem(const std::string& system_id,
                               const std::string& bridge);

  bool is_operator() const { return kind == Kind::kOperator; }
  bool is_bridge() const { return kind == Kind::kBridge; }
  std::string Principal() const { return identity.Principal(); }
};

struct OperationsDeps {
  Ledger* ledger;
  Directory* directory;
  CertificateRegistry* certificates;
  AccountStore* accounts;
  AuditLog* audit;
  const HubTrust* trust;
  AlertEngine* alerts = nullptr;   // no alerts listed without one
  std::function<int64_t()> clock;  // Unix micros
  // The code this hub is known by on the axis (HubConfig.axis_organ_id).
  std::string axis_organ_id = "";
  // The national-axis API: its systems and the stores of what it carries.
  AxisSystems* systems = nullptr;
  CarriedSend* carried = nullptr;
};

class Operations {
 public:
  // Every pointer must outlive this object.
  explicit Operations(OperationsDeps deps) : d_(std::move(deps)) {}

  // PERMISSION_DENIED unless `actor` is an operator.
  static absl::Status RequireOperator(const Actor& actor);

  // --- documents ---
  // The document as `actor` may see it: sent by it (any agency), or any
  // (an operator). NOT_FOUND; PERMISSION_DENIED (or NOT_FOUND when
  // concealing) otherwise, saying only its sender or an operator may `act`.
  absl::StatusOr<truc::internal::DocumentRecord> SentDocument(
      const Actor& actor, const std::string& document_id,
      absl::string_view act);
  // The document as `actor` may read it: one it sent or that was sent to
  // it (an agency), any (an operator). Errors as SentDocument's.
  absl::StatusOr<truc::internal::DocumentRecord> ReadableDocument(
      const Actor& actor, const std::string& document_id);
  // The document as one of its recipients: PERMISSION_DENIED (NOT_FOUND
  // when others are concealed) when it was not sent to actor's agency;
  // the ledger's NOT_FOUND when there is no such document.
  absl::StatusOr<truc::internal::DocumentRecord> ReceivedDocument(
      const Actor& actor, const std::string& document_id);
  absl::StatusOr<truc::v1::DocumentStatus> StatusOf(
      const Actor& actor, const truc::v1::GetDocumentStatusRequest& request);
  absl::StatusOr<truc::v1::ResendResponse> Resend(
      const Actor& actor, const truc::v1::ResendRequest& request);
  // Texts trimmed; `carried_at` as a clerk writes it (dd/MM/yyyy HH:mm,
  // Vietnam time), empty for now.
  absl::StatusOr<truc::v1::RecipientStatus> RecordPaperCopy(
      const Actor& actor, const std::string& document_id,
      const truc::v1::PaperCopyRequest& request);
  absl::StatusOr<truc::v1::ListSentResponse> ListSent(
      const Actor& actor, const truc::v1::ListSentRequest& request);
  absl::StatusOr<truc::v1::ListPendingResponse> ListPending(
      const Actor& actor, const truc::v1::ListPendingRequest& request);
  // An agency's report holds its own documents only, whatever it asks.
  absl::StatusOr<truc::v1::ServiceTable> MonthlyReport(
      const Actor& actor, truc::v1::ServiceTableRequest request);
  absl::StatusOr<truc::v1::ListAlertsResponse> ListAlerts(const Actor& actor);

  // --- a recipient's agent ---
  absl::StatusOr<truc::v1::AcknowledgeResponse> Acknowledge(
      const Actor& actor, const truc::v1::AcknowledgeRequest& request);
  absl::StatusOr<truc::v1::ReportStatusResponse> ReportStatus(
      const Actor& actor, const truc::v1::ReportStatusRequest& request);

  // --- the national-axis API (hub/axis/): a system for its agency, or
  // for its bridge (then as the bridge's own operations would, the hub
  // signing as carrier) ---
  // Stores a document read from the system's edXML (its attachments in
  // `attachment_paths`, the file itself kept as evidence), carried by the
  // hub for the system: CarriedSend's errors. A bridge's system sends as
  // the file's sender, which the bridge must reach (PERMISSION_DENIED),
  // to `deliver_to` (default: the header's recipients it does not reach),
  // none of them reached through that bridge (INVALID_ARGUMENT); an
  // agency's system ignores `deliver_to`.
  absl::StatusOr<truc::v1::SendResponse> SendCarried(
      const Actor& actor, const truc::v1::DocumentHeader& header,
      const std::vector<std::string>& attachment_paths,
      const std::string& edxml_path, const std::string& idempotency_key,
      std::vector<std::string> deliver_to = {});
  // What waits for the system's agency: documents queued for it, and
  // statuses about documents it sent. Recorded as the agency's poll, as
  // an agent's is, so that an agency on the API is not silent.
  absl::StatusOr<std::vector<truc::internal::DocumentRecord>> QueuedFor(
      const Actor& actor, size_t max);
  // (An agency's system only: FAILED_PRECONDITION for a bridge's.)
  // A bridge's queue, without a lease: Ledger::ListBridgeQueue.
  absl::StatusOr<std::vector<Ledger::BridgeQueued>> BridgeQueue(
      const Actor& actor, size_t max);
  absl::StatusOr<std::vector<truc::internal::StatusNoticeRecord>>
  StatusNoticesFor(const Actor& actor, size_t max);
  absl::Status ClearStatusNotice(const Actor& actor,
                                 const std::string& document_id,
                                 const std::string& recipient,
                                 truc::v1::EdxmlStatus status);
  // A bridge took a document toward recipients it reaches (Ledger::Forward).
  // PERMISSION_DENIED for another caller, or a recipient it does not reach.
  absl::StatusOr<truc::v1::ForwardResponse> Forward(
      const Actor& actor, const truc::v1::ForwardRequest& request);
  // A status (01..06) of a recipient beyond this hub, brought back by the
  // bridge that reaches it, with the bridge's signed statement.
  // PERMISSION_DENIED for another caller or a recipient it does not reach;
  // otherwise the ledger's errors (Acknowledge's, ReportStatus's).
  absl::StatusOr<truc::v1::BridgeStatusResponse> BridgeStatus(
      const Actor& actor, const truc::v1::BridgeStatusRequest& request);
  // Many statuses as BridgeStatus (at most kMaxBridgeBatch, else
  // INVALID_ARGUMENT), each answered in its outcome, in order, those of
  // one document in one write (Ledger::RecordBridgedStatuses).
  // PERMISSION_DENIED for another caller.
  static constexpr int kMaxBridgeBatch = 1000;
  absl::StatusOr<truc::v1::BridgeStatusBatchResponse> BridgeReportStatuses(
      const Actor& actor, const truc::v1::BridgeStatusBatch& batch);
  // The statuses of documents the bridge brought in, to carry back, and
  // clearing one once carried (NOT_FOUND if there is none such).
  // PERMISSION_DENIED for another caller.
  absl::StatusOr<truc::v1::BridgeStatusesResponse> BridgeStatuses(
      const Actor& actor, const truc::v1::BridgeStatusesRequest& request);
  absl::Status BridgeClearStatus(const Actor& actor,
                                 const truc::v1::BridgeClearRequest& request);
  // Many clears in one write; one cleared before is no error here
  // (Ledger::ClearStatusNotices). INVALID_ARGUMENT past kMaxBridgeBatch.
  absl::Status BridgeClearStatuses(const Actor& actor,
                                   const truc::v1::BridgeClearBatch& batch);
  // Where a document waits for a recipient the bridge reaches, as the hub
  // beyond reported it (Ledger::RecordLocation). PERMISSION_DENIED for
  // another caller or a recipient it does not reach.
  absl::Status BridgeLocation(const Actor& actor,
                              const truc::v1::BridgeLocationRequest& request);
  // This hub's directory changes, for a bridge to mirror below
  // (Directory::ChangesAfter), and a bridge's sync of the agencies it
  // reaches beyond this hub (Directory::SyncRemote). PERMISSION_DENIED for
  // another caller; the directory's errors.
  absl::StatusOr<truc::v1::BridgeDirectoryResponse> BridgeDirectory(
      const Actor& actor, const truc::v1::BridgeDirectoryRequest& request);
  absl::StatusOr<truc::v1::SyncDirectoryResponse> BridgeSyncDirectory(
      const Actor& actor, const truc::v1::SyncDirectoryRequest& request);

  // A status of `recipient` about a document sent to it (01, the arrival,
  // or 02..06), the hub signing the statement as the system's carrier:
  // the system's agency (PERMISSION_DENIED for another), or an agency its
  // bridge reaches (as BridgeStatus). The ledger's errors (Acknowledge's,
  // ReportStatus's).
  absl::Status ReportCarried(const Actor& actor, const std::string& document_id,
                             const std::string& recipient,
                             truc::v1::EdxmlStatus status,
                             const std::string& description,
                             const truc::v1::StaffInfo& staff);
  // The document its edXML DocumentId names (or its own id): NOT_FOUND.
  absl::StatusOr<std::string> FindByEdxmlId(const Actor& actor,
                                            const std::string& edxml_id);
  // The directory, and its changes after `version` (every agency sees it).
  absl::StatusOr<std::vector<truc::v1::Agency>> DirectoryFor(
      const Actor& actor);
  absl::StatusOr<std::vector<truc::internal::AgencyRecord>> DirectoryChanges(
      const Actor& actor, uint64_t version, size_t max, bool* more);

  // --- the systems of the national-axis API (operators) ---
  absl::StatusOr<truc::v1::AxisSystemSecret> AddAxisSystem(
      const Actor& actor, const truc::v1::AddAxisSystemRequest& request);
  absl::StatusOr<truc::v1::ListAxisSystemsResponse> ListAxisSystems(
      const Actor& actor);
  absl::StatusOr<truc::v1::AxisSystem> RevokeAxisSystem(
      const Actor& actor, const truc::v1::RevokeAxisSystemRequest& request);

  // --- the directory ---
  // Code, name and parent trimmed.
  absl::StatusOr<truc::v1::Agency> RegisterAgency(
      const Actor& actor, const truc::v1::RegisterAgencyRequest& request);
  absl::StatusOr<truc::v1::Agency> SetAgencyState(const Actor& actor,
                                                  const std::string& code,
                                                  truc::v1::AgencyState state);
  // Each agency with its latest certificate's expiry.
  absl::StatusOr<truc::v1::ListAgenciesResponse> ListAgencies(
      const Actor& actor);

  // --- certificates ---
  absl::StatusOr<truc::v1::CertificateInfo> RevokeCertificate(
      const Actor& actor, const truc::v1::RevokeCertificateRequest& request);
  absl::StatusOr<truc::v1::ListCertificatesResponse> ListCertificates(
      const Actor& actor, const truc::v1::ListCertificatesRequest& request);

  // --- console accounts ---
  absl::StatusOr<truc::v1::AccountPassword> AddAccount(
      const Actor& actor, const truc::v1::AddAccountRequest& request);
  absl::StatusOr<truc::v1::ListAccountsResponse> ListAccounts(
      const Actor& actor);
  absl::StatusOr<truc::v1::Account> SetAccountDisabled(const Actor& actor,
                                                       const std::string& name,
                                                       bool disabled);
  // A password drawn by the hub when the request gives none.
  absl::StatusOr<truc::v1::AccountPassword> ResetAccount(
      const Actor& actor, const truc::v1::ResetAccountRequest& request);

  // --- the audit log ---
  absl::StatusOr<truc::v1::SignedCheckpoint> GetCheckpoint(
      const Actor& actor, const truc::v1::GetCheckpointRequest& request);
  absl::StatusOr<truc::v1::ConsistencyProof> GetConsistencyProof(
      const Actor& actor, const truc::v1::GetConsistencyProofRequest& request);
  absl::StatusOr<truc::v1::DocumentProof> ProveDocument(
      const Actor& actor, const truc::v1::ProveDocumentRequest& request);
  absl::StatusOr<truc::v1::VerifyLogResponse> VerifyLog(const Actor& actor);

 private:
  // OK when `actor` is a bridge that reaches `agency` (the directory
  // says so); PERMISSION_DENIED naming both otherwise.
  absl::Status RequireReach(const Actor& actor,
                            const std::string& agency) const;
  // `statuses` of a bridge (checked as one), each answered in order:
  // PERMISSION_DENIED for a recipient it does not reach, else the
  // ledger's answer.
  std::vector<absl::StatusOr<truc::v1::BridgeStatusResponse>> RecordBridged(
      const Actor& actor,
      const google::protobuf::RepeatedPtrField<truc::v1::BridgeStatusRequest>&
          statuses);
  // NOT_FOUND, or PERMISSION_DENIED as the actor's conceal_others says,
  // for a document `actor` may not see.
  absl::Status NotVisible(const Actor& actor, const std::string& document_id,
                          std::string why) const;
  const OperationsDeps d_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_OPERATIONS_OPERATIONS_H_
