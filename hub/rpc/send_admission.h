// Admission of sends, per agency, so that one agency's flood of sends
// cannot take the hub from the others (their polls, acknowledgements and
// sends). Each agency may have at most `max_in_flight` sends being read and
// committed, and may start sends at a sustained `per_second` with bursts of
// `burst` (a token bucket). A send over either limit waits its turn, oldest
// first, without being read; more than `max_waiting` waiting sends of one
// agency are refused with UNAVAILABLE, which clients retry with back-off.
//
// AdmissionQueue is the bookkeeping alone, with the time passed in: not
// thread-safe. SendAdmission wraps it with a lock and a worker thread that
// starts waiting sends when their turn comes: all its methods are
// thread-safe, and it never calls a start function under its lock.
#ifndef TRUC_HUB_RPC_SEND_ADMISSION_H_
#define TRUC_HUB_RPC_SEND_ADMISSION_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace truc::hub {

struct AdmissionLimits {
  uint32_t max_in_flight = 8;  // >= 1
  uint32_t per_second = 20;    // 0: no rate limit
  uint32_t burst = 200;        // >= 1; unused without a rate
  uint32_t max_waiting = 256;  // >= 1
};

class AdmissionQueue {
 public:
  enum class Outcome { kAdmitted, kWaiting, kRefused };

  explicit AdmissionQueue(AdmissionLimits limits) : limits_(limits) {}

  // A send `id` (unique, chosen by the caller) of `agency` asks to start at
  // `now` (micros). kAdmitted: it may start, and must be Released once it
  // ends. kWaiting: it is queued behind the agency's earlier ones; AdmitDue
  // hands it out later. kRefused: the agency already has max_waiting queued.
  Outcome Offer(const std::string& agency, uint64_t id, int64_t now);
  // Removes a waiting send. False if it is not waiting (admitted, or never
  // offered).
  bool Remove(uint64_t id);
  // An admitted send of `agency` ended (whatever its result).
  void Release(const std::string& agency);
  // The waiting sends that may start at `now`, each agency's oldest first,
  // agencies in turn. They count as admitted. Sets `*next_due` to the
  // earliest time a send still waiting for the rate could start, or 0 if
  // none waits for the rate alone.
  std::vector<uint64_t> AdmitDue(int64_t now, int64_t* next_due);
  // Every waiting send, removed (for shutdown).
  std::vector<uint64_t> TakeAllWaiting();

  size_t waiting(const std::string& agency) const;
  uint32_t in_flight(const std::string& agency) const;

 private:
  struct Agency {
    uint32_t in_flight = 0;
    double tokens = 0;
    bool primed = false;  // false: never used, the bucket is full
    int64_t refilled_at = 0;
    std::deque<uint64_t> waiting;
  };
  void Refill(Agency* a, int64_t now) const;
  // Whether the agency's next send may start now (capacity and a token).
  bool CanStart(Agency* a, int64_t now) const;
  void Start(Agency* a);
  // When the agency gets its next token (only meaningful with a rate).
  int64_t NextToken(const Agency& a) const;

  AdmissionLimits limits_;
  std::map<std::string, Agency> agencies_;
  std::map<uint64_t, std::string> waiting_agency_;  // id -> agency
};

class SendAdmission {
 public:
  // Called once per admitted or refused send: OK to start reading it, or
  // UNAVAILABLE (refused, or the hub is shutting down).
  using StartFn = std::function<void(absl::Status)>;

  explicit SendAdmission(AdmissionLimits limits);
  // Shuts down and joins the worker.
  ~SendAdmission();

  // Offers a send of `agency`. If it may start, or is refused, `start` runs
  // before Admit returns and the result is 0. Otherwise the send waits and
  // the result is its ticket: `start` runs later on the worker thread,
  // unless Cancel takes it first.
  uint64_t Admit(const std::string& agency, StartFn start);
  // Withdraws a waiting send. True if it was waiting: `start` will never
  // run and the caller finishes the call. False if it was started already
  // (or is being started).
  bool Cancel(uint64_t ticket);
  // An admitted send of `agency` ended (whatever its result); lets the
  // next one start.
  void Release(const std::string& agency);
  // Refuses every waiting send and every later one. Idempotent.
  void Shutdown();

  // Sends of `agency` now being received / waiting for their turn.
  uint32_t in_flight(const std::string& agency);
  size_t waiting(const std::string& agency);

 private:
  void Run();

  absl::Mutex mu_;
  absl::CondVar cv_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 1;
  AdmissionQueue queue_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, StartFn> waiting_ ABSL_GUARDED_BY(mu_);
  std::thread worker_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_RPC_SEND_ADMISSION_H_
