// The Bridge service, for bridges to agencies beyond this hub
// (proto/truc/v1/bridge.proto, docs/FEDERATION.md): thin callback-API
// handlers. The caller is the bridge its verified TLS certificate names
// (urn:truc:bridge:<name>, not revoked, valid); what it may touch, the
// agencies the directory says it reaches, is Operations' rule. Poll and
// Download are the agents' reactors, over the bridge's own queue.
//
// Thread-safety: called concurrently by gRPC; everything it uses is
// thread-safe.
#ifndef TRUC_HUB_RPC_BRIDGE_SERVICE_H_
#define TRUC_HUB_RPC_BRIDGE_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/identity.h"
#include "hub/rpc/exchange_deps.h"
#include "truc/v1/bridge.grpc.pb.h"

namespace truc::hub {

class BridgeService final : public truc::v1::Bridge::CallbackService {
 public:
  explicit BridgeService(ExchangeDeps deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* Poll(grpc::CallbackServerContext* ctx,
                                 const truc::v1::PollRequest* request,
                                 truc::v1::PollResponse* response) override;
  grpc::ServerWriteReactor<truc::v1::DownloadChunk>* Download(
      grpc::CallbackServerContext* ctx,
      const truc::v1::DownloadRequest* request) override;
  grpc::ServerUnaryReactor* Forward(
      grpc::CallbackServerContext* ctx, const truc::v1::ForwardRequest* request,
      truc::v1::ForwardResponse* response) override;
  grpc::ServerUnaryReactor* ReportStatus(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeStatusRequest* request,
      truc::v1::BridgeStatusResponse* response) override;
  grpc::ServerUnaryReactor* ReportStatuses(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeStatusBatch* request,
      truc::v1::BridgeStatusBatchResponse* response) override;
  grpc::ServerReadReactor<truc::v1::SendRequest>* Send(
      grpc::CallbackServerContext* ctx,
      truc::v1::SendResponse* response) override;
  grpc::ServerUnaryReactor* Statuses(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeStatusesRequest* request,
      truc::v1::BridgeStatusesResponse* response) override;
  grpc::ServerUnaryReactor* ClearStatus(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeClearRequest* request,
      truc::v1::BridgeClearResponse* response) override;
  grpc::ServerUnaryReactor* ClearStatuses(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeClearBatch* request,
      truc::v1::BridgeClearResponse* response) override;
  grpc::ServerUnaryReactor* ReportLocation(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeLocationRequest* request,
      truc::v1::BridgeLocationResponse* response) override;
  grpc::ServerUnaryReactor* Directory(
      grpc::CallbackServerContext* ctx,
      const truc::v1::BridgeDirectoryRequest* request,
      truc::v1::BridgeDirectoryResponse* response) override;
  grpc::ServerUnaryReactor* SyncDirectory(
      grpc::CallbackServerContext* ctx,
      const truc::v1::SyncDirectoryRequest* request,
      truc::v1::SyncDirectoryResponse* response) override;

 private:
  // The calling bridge: a bridge certificate, not revoked, valid.
  // UNAUTHENTICATED / PERMISSION_DENIED otherwise. Reads only memory.
  absl::StatusOr<Identity> CallerBridge(const grpc::ServerContextBase& ctx);
  template <typename Op>
  grpc::ServerUnaryReactor* AsBridge(grpc::CallbackServerContext* ctx, Op op);

  const ExchangeDeps deps_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_BRIDGE_SERVICE_H_
