// WorkPool: a fixed set of threads that run the hub's blocking work (store
// writes that wait for the synced WAL, store reads, certificate parsing)
// off gRPC's callback threads, and the web doors' handlers off their event
// loops (hub/http/http_server.h). gRPC 1.51 runs every callback reaction on
// max(2, cores / 2) threads; a reaction that waits for an fsync holds one
// of them, so on a small machine two waiting commits would stall every
// other call and leave no concurrent writers for RocksDB's group commit.
// Handlers hand their work here and finish the call from a pool thread.
//
// Thread-safety: all methods are thread-safe. Work runs in the order it
// was queued when the pool has one thread; with more, items start in
// order and run concurrently.
#ifndef TRUC_COMMON_WORK_POOL_H_
#define TRUC_COMMON_WORK_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace truc {

class WorkPool {
 public:
  // Starts `threads` (>= 1) threads, named `name` (at most 15 bytes).
  explicit WorkPool(int threads, const char* name = "truc-work");
  // Shutdown().
  ~WorkPool();

  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `work` to run on a pool thread. After Shutdown it runs at once
  // on the caller's thread instead: work is never dropped, so a call
  // handed here is always finished.
  void Run(absl::AnyInvocable<void() &&> work);

  // Runs everything already queued, then stops and joins the threads; a
  // concurrent call returns once that is done. Idempotent. Called from a
  // pool thread (a bug: it would wait for itself) it aborts the process
  // with a message.
  void Shutdown();

  // Items queued and not yet started.
  size_t queued() const;
  // True once Shutdown has begun.
  bool stopping() const;

 private:
  void Loop();
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool joined_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace truc

#endif  // TRUC_COMMON_WORK_POOL_H_
