// The Audit service: the hub's audit log's checkpoints and proofs, for
// agencies and operators, and its verification, for operators. Thin
// callback-API handlers over Operations, on the work pool.
//
// Thread-safety: called concurrently by gRPC; everything it uses is
// thread-safe.
#ifndef TRUC_HUB_RPC_AUDIT_SERVICE_H_
#define TRUC_HUB_RPC_AUDIT_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/work_pool.h"
#include "hub/exchange/directory.h"
#include "hub/operations/operations.h"
#include "hub/rpc/authenticator.h"
#include "truc/v1/audit.grpc.pb.h"

namespace truc::hub {

struct AuditDeps {
  Operations* operations;
  Authenticator* auth;
  Directory* directory;  // an agency must be registered and active
  WorkPool* pool;
};

class AuditService final : public truc::v1::Audit::CallbackService {
 public:
  explicit AuditService(AuditDeps deps) : deps_(deps) {}

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
  // Runs `op` on the pool as the caller: an operator, or a registered
  // active agency (the front door's rule).
  template <typename Op>
  grpc::ServerUnaryReactor* AsCaller(grpc::CallbackServerContext* ctx, Op op);

  const AuditDeps deps_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_AUDIT_SERVICE_H_
