#include "common/stop_signal.h"

#include <grpcpp/client_context.h>
#include <pthread.h>

#include <cstring>

namespace truc {
namespace {

thread_local StopSignal* t_scope_signal = nullptr;

}  // namespace

void StopSignal::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  for (grpc::ClientContext* ctx : calls_) ctx->TryCancel();
}

bool StopSignal::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

bool StopSignal::WaitFor(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopped_), d);
  return stopped_;
}

void StopSignal::Register(grpc::ClientContext* ctx) {
  absl::MutexLock lock(&mu_);
  calls_.insert(ctx);
  // TryCancel before the call starts marks the context; the call then ends
  // CANCELLED as soon as it starts.
  if (stopped_) ctx->TryCancel();
}

void StopSignal::Unregister(grpc::ClientContext* ctx) {
  absl::MutexLock lock(&mu_);
  calls_.erase(ctx);
}

CallCancellationScope::CallCancellationScope(StopSignal* signal)
    : previous_(t_scope_signal) {
  t_scope_signal = signal;
}

CallCancellationScope::~CallCancellationScope() { t_scope_signal = previous_; }

StopSignal* CallCancellationScope::Current() { return t_scope_signal; }

CancelOnStop::CancelOnStop(grpc::ClientContext* ctx)
    : signal_(CallCancellationScope::Current()), ctx_(ctx) {
  if (signal_ != nullptr) signal_->Register(ctx_);
}

CancelOnStop::~CancelOnStop() {
  if (signal_ != nullptr) signal_->Unregister(ctx_);
}

TerminationSignals::TerminationSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

std::string TerminationSignals::Wait() {
  int sig = 0;
  sigwait(&set_, &sig);
  return strsignal(sig);
}

}  // namespace truc
