// Stopping a daemon (the agent, the bridge) promptly: a flag its loops
// check, a wait that wakes on stop, and the cancellation of the gRPC calls in
// flight (a long poll that would wait 30 s more, a 200 MB download or upload).
//
// Calls are cancelled explicitly. A thread that makes calls opens a
// CallCancellationScope naming its StopSignal; each call's
// grpc::ClientContext is then registered for the call's lifetime with a
// CancelOnStop, and Stop() calls TryCancel on every registered context. A
// context registered after Stop() is cancelled at once. Nothing is
// installed in gRPC: contexts that are not registered (for example one that
// a library makes for itself) are not cancelled, so code that must be
// cancellable passes its own context to such a library (truc::SendDocument
// takes one).
//
// Thread-safety: StopSignal is thread-safe. A CallCancellationScope and a
// CancelOnStop belong to the thread that made them.
#ifndef TRUC_COMMON_STOP_SIGNAL_H_
#define TRUC_COMMON_STOP_SIGNAL_H_

#include <signal.h>

#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace grpc {
class ClientContext;
}  // namespace grpc

namespace truc {

class StopSignal {
 public:
  StopSignal() = default;
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Sets the flag, wakes every WaitFor, cancels the registered calls.
  // Idempotent. Not async-signal-safe: call it from a normal thread (the
  // binary waits for signals with sigwait).
  void Stop();
  bool stopped() const;
  // Sleeps for `d` or until Stop(); returns true if stopped.
  bool WaitFor(absl::Duration d);

 private:
  friend class CancelOnStop;
  // Adds `ctx` to the calls Stop() cancels; cancels it now if stopped.
  void Register(grpc::ClientContext* ctx);
  void Unregister(grpc::ClientContext* ctx);

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // Contexts of the calls in flight. Stop() cancels them while holding mu_,
  // and Unregister takes mu_, so a context is never destroyed while it is
  // being cancelled.
  std::set<grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);
};

// While alive, calls registered on this thread with a CancelOnStop are
// cancelled by `signal->Stop()` (`signal` may be null: then they are not).
// Scopes nest; the innermost wins.
class CallCancellationScope {
 public:
  explicit CallCancellationScope(StopSignal* signal);
  ~CallCancellationScope();
  CallCancellationScope(const CallCancellationScope&) = delete;
  CallCancellationScope& operator=(const CallCancellationScope&) = delete;

  // The signal of this thread's innermost scope, or null.
  static StopSignal* Current();

 private:
  StopSignal* previous_;
};

// Registers `ctx` with CallCancellationScope::Current() (if any) until it
// goes out of scope. Declare it right after the context, so that it is
// destroyed first, and before the call starts:
//   grpc::ClientContext ctx;
//   ctx.set_deadline(...);
//   CancelOnStop cancel_on_stop(&ctx);
//   stub->Poll(&ctx, ...);
class CancelOnStop {
 public:
  explicit CancelOnStop(grpc::ClientContext* ctx);
  ~CancelOnStop();
  CancelOnStop(const CancelOnStop&) = delete;
  CancelOnStop& operator=(const CancelOnStop&) = delete;

 private:
  StopSignal* signal_;
  grpc::ClientContext* ctx_;
};

// SIGINT and SIGTERM for a daemon's main: blocked in the thread that makes
// this, before it starts any other thread (each later thread inherits the
// mask, gRPC's included), so that only Wait receives them.
//
// Thread-safety: Wait from one thread at a time.
class TerminationSignals {
 public:
  TerminationSignals();
  // Waits for SIGINT or SIGTERM; returns its description ("Terminated").
  std::string Wait();

 private:
  sigset_t set_;
};

}  // namespace truc

#endif  // TRUC_COMMON_STOP_SIGNAL_H_
