#include "hub/rpc/audit_service.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "hub/rpc/call_util.h"

namespace truc::hub {

template <typename Op>
grpc::ServerUnaryReactor* AuditService::AsCaller(
    grpc::CallbackServerContext* ctx, Op op) {
  return OnPool(ctx, deps_.pool, [this, ctx, op]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(Identity id,
                          deps_.auth->Authenticate(ctx->auth_context().get()));
    if (id.role != Role::kOperator) {
      if (id.role != Role::kAgency) {
        return absl::PermissionDeniedError(absl::StrCat(
            "the audit service needs an agency or an operator certificate; "
            "this one is ",
            id.ToString()));
      }
      TRUC_RETURN_IF_ERROR(deps_.directory->CheckCaller(id.name));
    }
    return op(Actor::ForCertificate(id));
  });
}

grpc::ServerUnaryReactor* AuditService::GetCheckpoint(
    grpc::CallbackServerContext* ctx,
    const truc::v1::GetCheckpointRequest* request,
    truc::v1::SignedCheckpoint* response) {
  return AsCaller(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->GetCheckpoint(a, *request), response);
  });
}

grpc::ServerUnaryReactor* AuditService::GetConsistencyProof(
    grpc::CallbackServerContext* ctx,
    const truc::v1::GetConsistencyProofRequest* request,
    truc::v1::ConsistencyProof* response) {
  return AsCaller(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->GetConsistencyProof(a, *request), response);
  });
}

grpc::ServerUnaryReactor* AuditService::ProveDocument(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ProveDocumentRequest* request,
    truc::v1::DocumentProof* response) {
  return AsCaller(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->ProveDocument(a, *request), response);
  });
}

grpc::ServerUnaryReactor* AuditService::VerifyLog(
    grpc::CallbackServerContext* ctx, const truc::v1::VerifyLogRequest*,
    truc::v1::VerifyLogResponse* response) {
  return AsCaller(ctx, [this, response](const Actor& a) {
    return Assign(deps_.operations->VerifyLog(a), response);
  });
}

}  // namespace truc::hub
