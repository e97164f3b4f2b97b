// The long polls' reactors. Poll's leases what is queued for the agency
// (or bridge) and answers at once, or parks in Offers until something is
// queued for it, one of its leases ends, or its wait (capped by the hub)
// runs out. Bridge.Statuses's lists the notices waiting for the bridge
// (Operations::BridgeStatuses) and answers at once, or parks in Offers
// until the ledger writes one for it (or one becomes listable), or its
// wait runs out. Every step that
// reads the store (recording the poll, leasing) runs on the work pool:
// the first on the reactor's start, each wake as Offers posts it.
//
// Thread-safety: driven by gRPC and the work pool.
#ifndef TRUC_HUB_RPC_POLL_REACTOR_H_
#define TRUC_HUB_RPC_POLL_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include "common/identity.h"
#include "hub/rpc/exchange_deps.h"
#include "truc/v1/bridge.pb.h"
#include "truc/v1/exchange.pb.h"

namespace truc::hub {

// A reactor for one Poll of `agency` (checked by the caller).
grpc::ServerUnaryReactor* NewPollReactor(grpc::CallbackServerContext* ctx,
                                         const ExchangeDeps& deps,
                                         Identity agency,
                                         const truc::v1::PollRequest& request,
                                         truc::v1::PollResponse* response);

// A reactor for one Bridge.Statuses of `bridge` (checked by the caller).
grpc::ServerUnaryReactor* NewStatusesReactor(
    grpc::CallbackServerContext* ctx, const ExchangeDeps& deps, Identity bridge,
    const truc::v1::BridgeStatusesRequest& request,
    truc::v1::BridgeStatusesResponse* response);

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_POLL_REACTOR_H_
