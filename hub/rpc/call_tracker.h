// The calls that stay open (sends, downloads, long polls), tracked per
// caller, so that
//   - one caller cannot hold more than its share of the hub open
//     (max_per_caller; one more is refused with RESOURCE_EXHAUSTED),
//   - the calls made with a revoked certificate end within a second
//     (EndCallsOf), without a restart,
//   - no send or download runs past the hub's cap on a call's duration,
//     whatever deadline its client set (a sweeper ends it with
//     DEADLINE_EXCEEDED),
//   - a call asked to end that is still open a second later, stalled
//     (its client stopped reading, so the last write never completes), is
//     cancelled.
//
// A tracked call is a reactor that implements TrackedCall: End asks it to
// finish as soon as it safely can; Cancel cancels its RPC. The tracker holds a
// reference on a call while it asks, so the call cannot be deleted under it; a
// call removes itself (Remove) in its OnDone, before dropping its own
// reference, and is never asked again after that.
//
// Thread-safety: all methods are thread-safe. End runs outside the
// tracker's lock.
#ifndef TRUC_HUB_RPC_CALL_TRACKER_H_
#define TRUC_HUB_RPC_CALL_TRACKER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/identity.h"
#include "hub/exchange/directory.h"

namespace truc::hub {

class TrackedCall {
 public:
  // Finish the call with `status` as soon as it safely can. Called from
  // any thread, possibly more than once: the first status counts. Must not
  // block, and may run while the call is in any state short of OnDone.
  virtual void End(const absl::Status& status) = 0;
  // Cancel the RPC (the client sees CANCELLED) if it is stalled: asked of
  // a call still open kEndGraceMicros after End, at every sweep, until it
  // returns true (cancelled, or nothing to cancel). A call that is busy
  // (its work on the pool, a commit) returns false and finishes by itself.
  // Same rules as End.
  virtual bool Cancel() { return true; }

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Deletes the call when the last reference goes.
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 protected:
  explicit TrackedCall(int refs) : refs_(refs) {}
  virtual ~TrackedCall() = default;

 private:
  std::atomic<int> refs_;
};

struct CallLimits {
  uint32_t max_per_caller = 300;
  int64_t max_call_micros = 3600'000'000;  // for capped calls
};

class CallTracker {
 public:
  // How long a call asked to end may take before it is cancelled.
  static constexpr int64_t kEndGraceMicros = 1'000'000;

  // Starts the sweeper thread, which looks for calls past their cap, or
  // past their grace after End, every quarter second.
  CallTracker(CallLimits limits, Clock clock);
  // Stops and joins the sweeper. Calls must have been removed.
  ~CallTracker();
  CallTracker(const CallTracker&) = delete;
  CallTracker& operator=(const CallTracker&) = delete;

  // Tracks `call` of `caller` (its principal counts against the limit, its
  // certificate serial is what revocation looks for). `capped`: the call
  // is ended past max_call_micros. Returns the token for Remove, or
  // RESOURCE_EXHAUSTED naming the caller and the limit.
  absl::StatusOr<uint64_t> Add(const Identity& caller, TrackedCall* call,
                               bool capped);
  // Stops tracking; the call is never asked to end after this returns.
  void Remove(uint64_t token);

  // Asks every call made with certificate `serial` to end with `status`.
  // Returns how many were asked.
  size_t EndCallsOf(const std::string& serial, const absl::Status& status);

  size_t open(const std::string& principal) const;

 private:
  struct Entry {
    TrackedCall* call;
    std::string principal;
    std::string serial;
    int64_t deadline;      // 0: not capped
    int64_t ended_at = 0;  // when End was first asked; 0: never
    bool cancelled = false;
  };
  // Marks `e` ended now (the first time counts).
  void MarkEnded(Entry& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Sweep();

  const CallLimits limits_;
  const Clock clock_;
  mutable absl::Mutex mu_;
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Entry> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint32_t> per_caller_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread sweeper_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_CALL_TRACKER_H_
