#include "hub/rpc/call_util.h"

namespace truc::hub {

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx,
                                    const absl::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

bool EndRequest::Set(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (status_) return false;
  status_ = status;
  return true;
}

std::optional<absl::Status> EndRequest::Get() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

void CallCanceller::Cancel() {
  absl::MutexLock lock(&mu_);
  if (ctx_ != nullptr && !done_) ctx_->TryCancel();
}

void CallCanceller::Done() {
  absl::MutexLock lock(&mu_);
  done_ = true;
}

}  // namespace truc::hub
