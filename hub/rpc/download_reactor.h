// The Download stream's reactor: on the work pool, finds the document as
// the caller may read it (Operations::ReadableDocument), checks the
// attachment index and range, opens the file, then streams it 1 MiB a
// write, each chunk read on the work pool. Nothing that reads the store
// or the disk runs on gRPC's callback threads. A request to end the call
// is seen before the next chunk.
//
// Thread-safety: driven by gRPC and the work pool.
#ifndef TRUC_HUB_RPC_DOWNLOAD_REACTOR_H_
#define TRUC_HUB_RPC_DOWNLOAD_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/identity.h"
#include "hub/rpc/exchange_deps.h"
#include "truc/v1/exchange.pb.h"

namespace truc::hub {

// A reactor for one Download of `caller` (its error finishes the call at
// once). `request` lives until the call is done.
grpc::ServerWriteReactor<truc::v1::DownloadChunk>* NewDownloadReactor(
    grpc::CallbackServerContext* ctx, absl::StatusOr<Identity> caller,
    const ExchangeDeps& deps, const truc::v1::DownloadRequest& request);

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_DOWNLOAD_REACTOR_H_
