// The Exchange service, for agencies' agents and clerks' tools: thin
// callback-API handlers. Each takes the caller from its verified TLS
// certificate (an agency's, of a registered and active agency: the front
// door's rule), hands the streams to their reactors and the unary calls to
// Operations on the work pool, and translates the absl::Status at the edge.
//
// Thread-safety: called concurrently by gRPC; everything it uses is
// thread-safe.
#ifndef TRUC_HUB_RPC_EXCHANGE_SERVICE_H_
#define TRUC_HUB_RPC_EXCHANGE_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/identity.h"
#include "hub/rpc/exchange_deps.h"
#include "truc/v1/exchange.grpc.pb.h"

namespace truc::hub {

class ExchangeService final : public truc::v1::Exchange::CallbackService {
 public:
  explicit ExchangeService(ExchangeDeps deps) : deps_(deps) {}

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
  // otherwise. Reads only memory: safe on a callback thread.
  absl::StatusOr<Identity> CallerAgency(const grpc::ServerContextBase& ctx);
  // Runs `op` on the pool as the calling agency.
  template <typename Op>
  grpc::ServerUnaryReactor* AsAgency(grpc::CallbackServerContext* ctx, Op op);

  const ExchangeDeps deps_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_EXCHANGE_SERVICE_H_
