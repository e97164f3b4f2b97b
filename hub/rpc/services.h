// The gRPC services: thin callback-API handlers over the ledger, the
// directory, the certificate registry, the audit log and the blob store.
// Each handler takes the caller's identity from its verified TLS
// certificate (Authenticator), checks its role, calls plain logic and
// translates the absl::Status at the edge. Logic that may wait for the disk
// (a synced commit, a read, a chunk of a file) runs on the WorkPool, never
// on gRPC's few callback threads. Calls that stay open (sends, downloads,
// long polls) are tracked (CallTracker): limited per caller, ended when
// their certificate is revoked, capped in duration.
//
// Thread-safety: the services are called concurrently by gRPC; everything
// they use is thread-safe.
#ifndef TRUC_HUB_RPC_SERVICES_H_
#define TRUC_HUB_RPC_SERVICES_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>

#include "absl/status/statusor.h"
#include "common/identity.h"
#include "hub/ops/accounts.h"
#include "hub/ops/alerts.h"
#include "hub/exchange/audit_log.h"
#include "hub/rpc/authenticator.h"
#include "hub/exchange/blob_store.h"
#include "hub/rpc/call_tracker.h"
#include "hub/exchange/cert_registry.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/header_validation.h"
#include "hub/exchange/ledger.h"
#include "hub/exchange/poll_waiters.h"
#include "hub/rpc/send_admission.h"
#include "hub/exchange/send_session.h"
#include "hub/exchange/trust.h"
#include "hub/rpc/work_pool.h"
#include "truc/v1/audit.grpc.pb.h"
#include "truc/v1/exchange.grpc.pb.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::hub {

// What the services share. Owned by HubServer.
struct HubCore {
  Directory* directory;
  Ledger* ledger;
  BlobStore* blobs;
  PollWaiters* waiters;
  SendAdmission* admission;
  WorkPool* pool;  // runs every reaction that may wait for the disk
  Authenticator* auth;
  CertificateRegistry* certificates;
  AccountStore* accounts;
  AlertEngine* alerts;
  CallTracker* calls;
  AuditLog* audit;
  const HubTrust* trust;
  HeaderLimits limits;
  uint32_t max_poll_wait_seconds;
  Store* store;  // for the reports built from its indexes
};

class ExchangeService final : public truc::v1::Exchange::CallbackService {
 public:
  explicit ExchangeService(HubCore core) : core_(core) {}

  grpc::ServerReadReactor<truc::v1::SendRequest>* Send(
      grpc::CallbackServerContext* ctx,
      truc::v1::SendResponse* response) override;
  grpc::ServerUnaryReactor* Poll(grpc::CallbackServerContext* ctx,
                                 const truc::v1::PollRequest* request,
                                 truc::v1::PollResponse* response) override;
  grpc::ServerWriteReactor<truc::v1::DownloadChunk>* Download(
      grpc::CallbackServerContext* ctx,
      const truc::v1::DownloadRequest* request) override;
  grpc::ServerUnaryReactor* Acknowledge(
      grpc::CallbackServerContext* ctx,
      const truc::v1::AcknowledgeRequest* request,
      truc::v1::AcknowledgeResponse* response) override;
  grpc::ServerUnaryReactor* ReportStatus(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ReportStatusRequest* request,
      truc::v1::ReportStatusResponse* response) override;
  grpc::ServerUnaryReactor* GetDocumentStatus(
      grpc::CallbackServerContext* ctx,
      const truc::v1::GetDocumentStatusRequest* request,
      truc::v1::DocumentStatus* response) override;
  grpc::ServerUnaryReactor* ListSent(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ListSentRequest* request,
      truc::v1::ListSentResponse* response) override;
  grpc::ServerUnaryReactor* Resend(grpc::CallbackServerContext* ctx,
                                   const truc::v1::ResendRequest* request,
                                   truc::v1::ResendResponse* response) override;

 private:
  // The calling agency: an agency certificate (not revoked, valid) of a
  // registered, active agency. UNAUTHENTICATED / PERMISSION_DENIED
  // otherwise.
  absl::StatusOr<Identity> CallerAgency(const grpc::ServerContextBase& ctx);

  HubCore core_;
};

class OperatorService final : public truc::v1::Operator::CallbackService {
 public:
  explicit OperatorService(HubCore core) : core_(core) {}

  grpc::ServerUnaryReactor* RegisterAgency(
      grpc::CallbackServerContext* ctx,
      const truc::v1::RegisterAgencyRequest* request,
      truc::v1::Agency* response) override;
  grpc::ServerUnaryReactor* ListAgencies(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ListAgenciesRequest* request,
      truc::v1::ListAgenciesResponse* response) override;
  grpc::ServerUnaryReactor* SuspendAgency(
      grpc::CallbackServerContext* ctx,
      const truc::v1::SetAgencyStateRequest* request,
      truc::v1::Agency* response) override;
  grpc::ServerUnaryReactor* ResumeAgency(
      grpc::CallbackServerContext* ctx,
      const truc::v1::SetAgencyStateRequest* request,
      truc::v1::Agency* response) override;
  grpc::ServerUnaryReactor* GetDocumentStatus(
      grpc::CallbackServerContext* ctx,
      const truc::v1::GetDocumentStatusRequest* request,
      truc::v1::DocumentStatus* response) override;
  grpc::ServerUnaryReactor* ListPending(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ListPendingRequest* request,
      truc::v1::ListPendingResponse* response) override;
  grpc::ServerUnaryReactor* Resend(grpc::CallbackServerContext* ctx,
                                   const truc::v1::ResendRequest* request,
                                   truc::v1::ResendResponse* response) override;
  grpc::ServerUnaryReactor* RevokeCertificate(
      grpc::CallbackServerContext* ctx,
      const truc::v1::RevokeCertificateRequest* request,
      truc::v1::CertificateInfo* response) override;
  grpc::ServerUnaryReactor* ListCertificates(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ListCertificatesRequest* request,
      truc::v1::ListCertificatesResponse* response) override;
  grpc::ServerUnaryReactor* GetServiceTable(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ServiceTableRequest* request,
      truc::v1::ServiceTable* response) override;
  grpc::ServerUnaryReactor* ListAlerts(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ListAlertsRequest* request,
      truc::v1::ListAlertsResponse* response) override;
  grpc::ServerUnaryReactor* AddAccount(
      grpc::CallbackServerContext* ctx,
      const truc::v1::AddAccountRequest* request,
      truc::v1::AccountPassword* response) override;
  grpc::ServerUnaryReactor* ListAccounts(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ListAccountsRequest* request,
      truc::v1::ListAccountsResponse* response) override;
  grpc::ServerUnaryReactor* DisableAccount(
      grpc::CallbackServerContext* ctx, const truc::v1::AccountRequest* request,
      truc::v1::Account* response) override;
  grpc::ServerUnaryReactor* EnableAccount(
      grpc::CallbackServerContext* ctx, const truc::v1::AccountRequest* request,
      truc::v1::Account* response) override;
  grpc::ServerUnaryReactor* ResetAccount(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ResetAccountRequest* request,
      truc::v1::AccountPassword* response) override;

 private:
  // Suspend and resume: the same call with another target state.
  grpc::ServerUnaryReactor* SetAgencyState(
      grpc::CallbackServerContext* ctx,
      const truc::v1::SetAgencyStateRequest& request,
      truc::v1::AgencyState state, truc::v1::Agency* response);
  // Disable and enable: the same call with another target state.
  grpc::ServerUnaryReactor* SetAccountDisabled(
      grpc::CallbackServerContext* ctx, const truc::v1::AccountRequest& request,
      bool disabled, truc::v1::Account* response);

  HubCore core_;
};

// The audit log: checkpoints, proofs and verification.
class AuditService final : public truc::v1::Audit::CallbackService {
 public:
  explicit AuditService(HubCore core) : core_(core) {}

  grpc::ServerUnaryReactor* GetCheckpoint(
      grpc::CallbackServerContext* ctx,
      const truc::v1::GetCheckpointRequest* request,
      truc::v1::SignedCheckpoint* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(
      grpc::CallbackServerContext* ctx,
      const truc::v1::GetConsistencyProofRequest* request,
      truc::v1::ConsistencyProof* response) override;
  grpc::ServerUnaryReactor* ProveDocument(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ProveDocumentRequest* request,
      truc::v1::DocumentProof* response) override;
  grpc::ServerUnaryReactor* VerifyLog(
      grpc::CallbackServerContext* ctx,
      const truc::v1::VerifyLogRequest* request,
      truc::v1::VerifyLogResponse* response) override;

 private:
  // An operator, or a registered active agency.
  absl::StatusOr<Identity> Caller(const grpc::ServerContextBase& ctx);

  HubCore core_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_SERVICES_H_
