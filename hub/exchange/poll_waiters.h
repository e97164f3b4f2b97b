// Parked long polls. A poll that finds nothing parks here with a deadline;
// it is woken when something is queued for its agency (Notify), when one of
// its agency's leases ends (NotifyAt), or at its deadline. This object's
// thread only keeps time: each wake function is handed to `post` (the
// hub's work pool), never run under the lock, so that the polls of many
// agencies woken at once (an express document to 250 units) lease in
// parallel. Offers (offers.h) owns one, with the lease table.
//
// The rule that keeps a call from finishing twice: whoever removes a waiter
// from the table (the worker when waking it, or Cancel) is the only one that
// may finish its call.
//
// Thread-safety: all methods are thread-safe.
#ifndef TRUC_HUB_EXCHANGE_POLL_WAITERS_H_
#define TRUC_HUB_EXCHANGE_POLL_WAITERS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace truc::hub {

class PollWaiters {
 public:
  // Called when woken. Returns true if it finished its call; false to stay
  // parked until its deadline (nothing was left for it after all).
  using WakeFn = std::function<bool(bool deadline_passed)>;

  // Runs a wake function somewhere (it must run each, even after its
  // owner stopped taking work: the hub's WorkPool runs late work inline).
  using Post = std::function<void(std::function<void()>)>;

  // `post` defaults to running the wake on this object's own thread.
  explicit PollWaiters(Post post = nullptr);
  // Shuts down (see Shutdown), waits for the wakes in flight and joins the
  // worker.
  ~PollWaiters();

  // How many times `agency` was notified so far. A poll reads it before it
  // looks for work and hands it to Park, so that a notify that comes between
  // the look and the park is not lost.
  uint64_t Generation(const std::string& agency) const;
  // Parks a waiter until `deadline_micros` (Unix). Returns its token (never
  // 0). If the agency was notified since `seen_generation`, it is woken at
  // once. After Shutdown nothing is parked and 0 is returned: the caller
  // answers its call itself, as if its deadline had passed.
  uint64_t Park(const std::string& agency, int64_t deadline_micros, WakeFn fn,
                uint64_t seen_generation);
  // Removes a parked waiter. True if it was parked: the caller finishes the
  // call. False if the worker has it (or it is gone).
  bool Cancel(uint64_t token);
  // Wakes the waiters of `agency` now / at `when_micros`.
  void Notify(const std::string& agency);
  void NotifyAt(const std::string& agency, int64_t when_micros);
  // Wakes every waiter with deadline_passed = true and refuses new ones
  // (they are woken at once). Idempotent.
  void Shutdown();

  size_t parked() const;

 private:
  struct Waiter {
    std::string agency;
    int64_t deadline;
    WakeFn fn;
  };
  void Run();
  // After a wake function ran: forgets it, or parks it again (woken at
  // once if its agency was notified meanwhile or its call was cancelled).
  void AfterWake(uint64_t token, Waiter waiter, bool finished,
                 uint64_t generation_seen);
  void NotifyLocked(const std::string& agency)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void InsertLocked(uint64_t token, Waiter w)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveLocked(uint64_t token) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  std::multimap<std::string, uint64_t> by_agency_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<int64_t, uint64_t>> by_deadline_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> ready_ ABSL_GUARDED_BY(mu_);
  std::multimap<int64_t, std::string> timed_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> generation_ ABSL_GUARDED_BY(mu_);
  // Waiters the worker holds while their wake function runs, and those of
  // them whose call was cancelled meanwhile (woken again at once).
  std::set<uint64_t> in_flight_ ABSL_GUARDED_BY(mu_);
  std::set<uint64_t> cancelled_in_flight_ ABSL_GUARDED_BY(mu_);
  const Post post_;
  std::thread worker_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_POLL_WAITERS_H_
