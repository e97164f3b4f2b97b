#include "hub/rpc/operator_service.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "hub/rpc/call_util.h"

namespace truc::hub {

template <typename Op>
grpc::ServerUnaryReactor* OperatorService::AsOperator(
    grpc::CallbackServerContext* ctx, Op op) {
  return OnPool(ctx, deps_.pool, [this, ctx, op]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(Identity id,
                          deps_.auth->Authenticate(ctx->auth_context().get()));
    if (id.role != Role::kOperator) {
      return absl::PermissionDeniedError(absl::StrCat(
          "the operator service needs an operator certificate; this one is ",
          id.ToString()));
    }
    return op(Actor::ForCertificate(id));
  });
}

grpc::ServerUnaryReactor* OperatorService::RegisterAgency(
    grpc::CallbackServerContext* ctx,
    const truc::v1::RegisterAgencyRequest* request,
    truc::v1::Agency* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->RegisterAgency(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::ListAgencies(
    grpc::CallbackServerContext* ctx, const truc::v1::ListAgenciesRequest*,
    truc::v1::ListAgenciesResponse* response) {
  return AsOperator(ctx, [this, response](const Actor& a) {
    return Assign(deps_.operations->ListAgencies(a), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::SuspendAgency(
    grpc::CallbackServerContext* ctx,
    const truc::v1::SetAgencyStateRequest* request,
    truc::v1::Agency* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->SetAgencyState(
                      a, request->code(), truc::v1::AGENCY_STATE_SUSPENDED),
                  response);
  });
}

grpc::ServerUnaryReactor* OperatorService::ResumeAgency(
    grpc::CallbackServerContext* ctx,
    const truc::v1::SetAgencyStateRequest* request,
    truc::v1::Agency* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->SetAgencyState(
                      a, request->code(), truc::v1::AGENCY_STATE_ACTIVE),
                  response);
  });
}

grpc::ServerUnaryReactor* OperatorService::GetDocumentStatus(
    grpc::CallbackServerContext* ctx,
    const truc::v1::GetDocumentStatusRequest* request,
    truc::v1::DocumentStatus* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->StatusOf(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::ListPending(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ListPendingRequest* request,
    truc::v1::ListPendingResponse* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->ListPending(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::Resend(
    grpc::CallbackServerContext* ctx, const truc::v1::ResendRequest* request,
    truc::v1::ResendResponse* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->Resend(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::RevokeCertificate(
    grpc::CallbackServerContext* ctx,
    const truc::v1::RevokeCertificateRequest* request,
    truc::v1::CertificateInfo* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->RevokeCertificate(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::ListCertificates(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ListCertificatesRequest* request,
    truc::v1::ListCertificatesResponse* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->ListCertificates(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::GetServiceTable(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ServiceTableRequest* request,
    truc::v1::ServiceTable* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->MonthlyReport(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::ListAlerts(
    grpc::CallbackServerContext* ctx, const truc::v1::ListAlertsRequest*,
    truc::v1::ListAlertsResponse* response) {
  return AsOperator(ctx, [this, response](const Actor& a) {
    return Assign(deps_.operations->ListAlerts(a), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::AddAccount(
    grpc::CallbackServerContext* ctx,
    const truc::v1::AddAccountRequest* request,
    truc::v1::AccountPassword* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->AddAccount(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::ListAccounts(
    grpc::CallbackServerContext* ctx, const truc::v1::ListAccountsRequest*,
    truc::v1::ListAccountsResponse* response) {
  return AsOperator(ctx, [this, response](const Actor& a) {
    return Assign(deps_.operations->ListAccounts(a), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::DisableAccount(
    grpc::CallbackServerContext* ctx, const truc::v1::AccountRequest* request,
    truc::v1::Account* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(
        deps_.operations->SetAccountDisabled(a, request->name(), true),
        response);
  });
}

grpc::ServerUnaryReactor* OperatorService::EnableAccount(
    grpc::CallbackServerContext* ctx, const truc::v1::AccountRequest* request,
    truc::v1::Account* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(
        deps_.operations->SetAccountDisabled(a, request->name(), false),
        response);
  });
}

grpc::ServerUnaryReactor* OperatorService::ResetAccount(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ResetAccountRequest* request,
    truc::v1::AccountPassword* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->ResetAccount(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::AddAxisSystem(
    grpc::CallbackServerContext* ctx,
    const truc::v1::AddAxisSystemRequest* request,
    truc::v1::AxisSystemSecret* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->AddAxisSystem(a, *request), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::ListAxisSystems(
    grpc::CallbackServerContext* ctx, const truc::v1::ListAxisSystemsRequest*,
    truc::v1::ListAxisSystemsResponse* response) {
  return AsOperator(ctx, [this, response](const Actor& a) {
    return Assign(deps_.operations->ListAxisSystems(a), response);
  });
}

grpc::ServerUnaryReactor* OperatorService::RevokeAxisSystem(
    grpc::CallbackServerContext* ctx,
    const truc::v1::RevokeAxisSystemRequest* request,
    truc::v1::AxisSystem* response) {
  return AsOperator(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->RevokeAxisSystem(a, *request), response);
  });
}

}  // namespace truc::hub
