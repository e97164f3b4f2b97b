// The Operator service, for the province's operators: thin callback-API
// handlers. Each checks the front door's rule (an operator's certificate)
// and hands the call to Operations on the work pool.
//
// Thread-safety: called concurrently by gRPC; everything it uses is
// thread-safe.
#ifndef TRUC_HUB_RPC_OPERATOR_SERVICE_H_
#define TRUC_HUB_RPC_OPERATOR_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/work_pool.h"
#include "hub/operations/operations.h"
#include "hub/rpc/authenticator.h"
#include "truc/v1/operator.grpc.pb.h"

namespace truc::hub {

struct OperatorDeps {
  Operations* operations;
  Authenticator* auth;
  WorkPool* pool;
};

class OperatorService final : public truc::v1::Operator::CallbackService {
 public:
  explicit OperatorService(OperatorDeps deps) : deps_(deps) {}

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
  grpc::ServerUnaryReactor* AddAxisSystem(
      grpc::CallbackServerContext* ctx,
      const truc::v1::AddAxisSystemRequest* request,
      truc::v1::AxisSystemSecret* response) override;
  grpc::ServerUnaryReactor* ListAxisSystems(
      grpc::CallbackServerContext* ctx,
      const truc::v1::ListAxisSystemsRequest* request,
      truc::v1::ListAxisSystemsResponse* response) override;
  grpc::ServerUnaryReactor* RevokeAxisSystem(
      grpc::CallbackServerContext* ctx,
      const truc::v1::RevokeAxisSystemRequest* request,
      truc::v1::AxisSystem* response) override;

 private:
  // Runs `op` on the pool as the calling operator: PERMISSION_DENIED for
  // any other certificate (the front door's rule).
  template <typename Op>
  grpc::ServerUnaryReactor* AsOperator(grpc::CallbackServerContext* ctx, Op op);

  const OperatorDeps deps_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_OPERATOR_SERVICE_H_
