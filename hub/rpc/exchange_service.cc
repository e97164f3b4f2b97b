#include "hub/rpc/exchange_service.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "hub/rpc/call_util.h"
#include "hub/rpc/download_reactor.h"
#include "hub/rpc/poll_reactor.h"
#include "hub/rpc/send_reactor.h"

namespace truc::hub {

absl::StatusOr<Identity> ExchangeService::CallerAgency(
    const grpc::ServerContextBase& ctx) {
  TRUC_ASSIGN_OR_RETURN(Identity id,
                        deps_.auth->Authenticate(ctx.auth_context().get()));
  if (id.role != Role::kAgency) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the exchange service needs an agency certificate; this one is ",
        id.ToString()));
  }
  TRUC_RETURN_IF_ERROR(deps_.directory->CheckCaller(id.name));
  return id;
}

template <typename Op>
grpc::ServerUnaryReactor* ExchangeService::AsAgency(
    grpc::CallbackServerContext* ctx, Op op) {
  return OnPool(ctx, deps_.pool, [this, ctx, op]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(Identity caller, CallerAgency(*ctx));
    return op(Actor::ForCertificate(caller));
  });
}

grpc::ServerReadReactor<truc::v1::SendRequest>* ExchangeService::Send(
    grpc::CallbackServerContext* ctx, truc::v1::SendResponse* response) {
  return NewSendReactor(ctx, CallerAgency(*ctx), deps_, response);
}

grpc::ServerUnaryReactor* ExchangeService::Poll(
    grpc::CallbackServerContext* ctx, const truc::v1::PollRequest* request,
    truc::v1::PollResponse* response) {
  auto caller = CallerAgency(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  return NewPollReactor(ctx, deps_, *caller, *request, response);
}

grpc::ServerWriteReactor<truc::v1::DownloadChunk>* ExchangeService::Download(
    grpc::CallbackServerContext* ctx,
    const truc::v1::DownloadRequest* request) {
  return NewDownloadReactor(ctx, CallerAgency(*ctx), deps_, *request);
}

grpc::ServerUnaryReactor* ExchangeService::Acknowledge(
    grpc::CallbackServerContext* ctx,
    const truc::v1::AcknowledgeRequest* request,
    truc::v1::AcknowledgeResponse* response) {
  return AsAgency(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->Acknowledge(a, *request), response);
  });
}

grpc::ServerUnaryReactor* ExchangeService::ReportStatus(
    grpc::CallbackServerContext* ctx,
    const truc::v1::ReportStatusRequest* request,
    truc::v1::ReportStatusResponse* response) {
  return AsAgency(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->ReportStatus(a, *request), response);
  });
}

grpc::ServerUnaryReactor* ExchangeService::GetDocumentStatus(
    grpc::CallbackServerContext* ctx,
    const truc::v1::GetDocumentStatusRequest* request,
    truc::v1::DocumentStatus* response) {
  return AsAgency(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->StatusOf(a, *request), response);
  });
}

grpc::ServerUnaryReactor* ExchangeService::ListSent(
    grpc::CallbackServerContext* ctx, const truc::v1::ListSentRequest* request,
    truc::v1::ListSentResponse* response) {
  return AsAgency(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->ListSent(a, *request), response);
  });
}

grpc::ServerUnaryReactor* ExchangeService::Resend(
    grpc::CallbackServerContext* ctx, const truc::v1::ResendRequest* request,
    truc::v1::ResendResponse* response) {
  return AsAgency(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->Resend(a, *request), response);
  });
}

}  // namespace truc::hub
