#include "hub/rpc/bridge_service.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "hub/rpc/call_util.h"
#include "hub/rpc/download_reactor.h"
#include "hub/rpc/poll_reactor.h"
#include "hub/rpc/send_reactor.h"

namespace truc::hub {

absl::StatusOr<Identity> BridgeService::CallerBridge(
    const grpc::ServerContextBase& ctx) {
  TRUC_ASSIGN_OR_RETURN(Identity id,
                        deps_.auth->Authenticate(ctx.auth_context().get()));
  if (id.role != Role::kBridge) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the bridge service needs a bridge certificate; this one is ",
        id.ToString()));
  }
  return id;
}

template <typename Op>
grpc::ServerUnaryReactor* BridgeService::AsBridge(
    grpc::CallbackServerContext* ctx, Op op) {
  return OnPool(ctx, deps_.pool, [this, ctx, op]() -> absl::Status {
    TRUC_ASSIGN_OR_RETURN(Identity caller, CallerBridge(*ctx));
    return op(Actor::ForCertificate(caller));
  });
}

grpc::ServerUnaryReactor* BridgeService::Poll(
    grpc::CallbackServerContext* ctx, const truc::v1::PollRequest* request,
    truc::v1::PollResponse* response) {
  auto caller = CallerBridge(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  return NewPollReactor(ctx, deps_, *caller, *request, response);
}

grpc::ServerWriteReactor<truc::v1::DownloadChunk>* BridgeService::Download(
    grpc::CallbackServerContext* ctx,
    const truc::v1::DownloadRequest* request) {
  return NewDownloadReactor(ctx, CallerBridge(*ctx), deps_, *request);
}

grpc::ServerUnaryReactor* BridgeService::Forward(
    grpc::CallbackServerContext* ctx, const truc::v1::ForwardRequest* request,
    truc::v1::ForwardResponse* response) {
  return AsBridge(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->Forward(a, *request), response);
  });
}

grpc::ServerUnaryReactor* BridgeService::ReportStatus(
    grpc::CallbackServerContext* ctx,
    const truc::v1::BridgeStatusRequest* request,
    truc::v1::BridgeStatusResponse* response) {
  return AsBridge(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->BridgeStatus(a, *request), response);
  });
}

grpc::ServerUnaryReactor* BridgeService::ReportStatuses(
    grpc::CallbackServerContext* ctx,
    const truc::v1::BridgeStatusBatch* request,
    truc::v1::BridgeStatusBatchResponse* response) {
  return AsBridge(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->BridgeReportStatuses(a, *request),
                  response);
  });
}

grpc::ServerReadReactor<truc::v1::SendRequest>* BridgeService::Send(
    grpc::CallbackServerContext* ctx, truc::v1::SendResponse* response) {
  return NewSendReactor(ctx, CallerBridge(*ctx), deps_, response);
}

grpc::ServerUnaryReactor* BridgeService::Statuses(
    grpc::CallbackServerContext* ctx,
    const truc::v1::BridgeStatusesRequest* request,
    truc::v1::BridgeStatusesResponse* response) {
  auto caller = CallerBridge(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  return NewStatusesReactor(ctx, deps_, *caller, *request, response);
}

grpc::ServerUnaryReactor* BridgeService::ClearStatus(
    grpc::CallbackServerContext* ctx,
    const truc::v1::BridgeClearRequest* request,
    truc::v1::BridgeClearResponse* response) {
  return AsBridge(ctx, [this, request](const Actor& a) {
    return deps_.operations->BridgeClearStatus(a, *request);
  });
}

grpc::ServerUnaryReactor* BridgeService::ClearStatuses(
    grpc::CallbackServerContext* ctx, const truc::v1::BridgeClearBatch* request,
    truc::v1::BridgeClearResponse*) {
  return AsBridge(ctx, [this, request](const Actor& a) {
    return deps_.operations->BridgeClearStatuses(a, *request);
  });
}

grpc::ServerUnaryReactor* BridgeService::ReportLocation(
    grpc::CallbackServerContext* ctx,
    const truc::v1::BridgeLocationRequest* request,
    truc::v1::BridgeLocationResponse*) {
  return AsBridge(ctx, [this, request](const Actor& a) {
    return deps_.operations->BridgeLocation(a, *request);
  });
}

grpc::ServerUnaryReactor* BridgeService::Directory(
    grpc::CallbackServerContext* ctx,
    const truc::v1::BridgeDirectoryRequest* request,
    truc::v1::BridgeDirectoryResponse* response) {
  return AsBridge(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->BridgeDirectory(a, *request), response);
  });
}

grpc::ServerUnaryReactor* BridgeService::SyncDirectory(
    grpc::CallbackServerContext* ctx,
    const truc::v1::SyncDirectoryRequest* request,
    truc::v1::SyncDirectoryResponse* response) {
  return AsBridge(ctx, [this, request, response](const Actor& a) {
    return Assign(deps_.operations->BridgeSyncDirectory(a, *request), response);
  });
}

}  // namespace truc::hub
