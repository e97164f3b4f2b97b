// What the gRPC services and their reactors share: answering a unary call
// from the work pool, the one status a call is asked to end with, and
// cancelling a callback call's RPC from any thread.
//
// Thread-safety: as each says.
#ifndef TRUC_HUB_RPC_CALL_UTIL_H_
#define TRUC_HUB_RPC_CALL_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"
#include "common/work_pool.h"

namespace truc::hub {

// Finishes a unary call with `status` at once (nothing to wait for).
grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx,
                                    const absl::Status& status);

// Runs `fn` on the work pool and finishes the unary call with its status.
// `fn` runs after the handler has returned, so it captures by value; the
// context, request and response live until the call is finished.
template <typename Fn>
grpc::ServerUnaryReactor* OnPool(grpc::CallbackServerContext* ctx,
                                 WorkPool* pool, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  pool->Run([reactor, fn = std::move(fn)]() mutable {
    reactor->Finish(ToGrpcStatus(fn()));
  });
  return reactor;
}

// Moves `result` into `*out` and returns its status: a unary handler's
// last line, `return Assign(operations->X(actor, *request), response);`.
template <typename T>
absl::Status Assign(absl::StatusOr<T> result, T* out) {
  if (!result.ok()) return result.status();
  *out = *std::move(result);
  return absl::OkStatus();
}

// The first status given to Set, kept for the call's next step.
//
// Thread-safety: thread-safe.
class EndRequest {
 public:
  // True if this is the first request.
  bool Set(const absl::Status& status);
  std::optional<absl::Status> Get() const;

 private:
  mutable absl::Mutex mu_;
  std::optional<absl::Status> status_ ABSL_GUARDED_BY(mu_);
};

// Cancels a callback call's RPC from any thread (CallTracker's Cancel).
// The context is gRPC's until OnDone, which calls Done first; Cancel does
// nothing after. gRPC runs a reactor's reactions on its own threads, never
// inside TryCancel, so OnDone never waits for itself here.
//
// Thread-safety: thread-safe.
class CallCanceller {
 public:
  explicit CallCanceller(grpc::CallbackServerContext* ctx) : ctx_(ctx) {}
  void Cancel();
  void Done();

 private:
  grpc::CallbackServerContext* const ctx_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_CALL_UTIL_H_
