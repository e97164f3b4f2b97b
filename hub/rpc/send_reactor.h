// The Send stream's reactor: reads the client's messages one at a time into
// a SendSession (hub/exchange/send_session.h), once SendAdmission lets the
// agency's send start, and answers with the session's result.
//
// Exactly one result finishes the call. A request to end it (a revoked
// certificate, the hub's cap on a call's duration) finishes it at once if
// it waits for its turn or for the client's next message; otherwise the
// message being handled sees the request when it is done. Whatever may
// touch the disk runs on the work pool, holding a reference, so that the
// reactor outlives it even if gRPC is done with the call meanwhile.
//
// Thread-safety: driven by gRPC and the work pool; see the class.
#ifndef TRUC_HUB_RPC_SEND_REACTOR_H_
#define TRUC_HUB_RPC_SEND_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/identity.h"
#include "hub/rpc/exchange_deps.h"
#include "truc/v1/exchange.pb.h"

namespace truc::hub {

// A reactor for one Send of `caller` (its error finishes the call at once).
grpc::ServerReadReactor<truc::v1::SendRequest>* NewSendReactor(
    grpc::CallbackServerContext* ctx, absl::StatusOr<Identity> caller,
    const ExchangeDeps& deps, truc::v1::SendResponse* response);

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_SEND_REACTOR_H_
