// The one mapping between absl::Status and grpc::Status. RPC handlers call
// ToGrpcStatus at the edge; clients call FromGrpcStatus on what they get.
#ifndef TRUC_COMMON_GRPC_STATUS_H_
#define TRUC_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace truc {

// Same code, same message. Codes are numerically identical in both.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Same code and message. A client-side UNAVAILABLE "failed to connect" gets
// a hint that a refused TLS handshake (wrong or missing certificate, another
// CA) looks the same from the client.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Whether a call that failed with `code` may still have taken effect: it
// broke off (the hub unreachable, a deadline, a reset, cancelled) or failed
// without saying why (UNKNOWN, INTERNAL, ABORTED). Any other code is the
// hub's own answer that it refused the call, and nothing was changed.
bool OutcomeMayBeUnknown(absl::StatusCode code);

}  // namespace truc

#endif  // TRUC_COMMON_GRPC_STATUS_H_
