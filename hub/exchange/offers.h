// Offers: who is offered what, and when. The one owner of
//   leases        which agency's agent holds which of its deliveries until
//                 when: soft state, in memory (after a restart every
//                 unacknowledged delivery is offered again, and the agent
//                 recognises what it already stored). One lock per agency,
//                 so that agencies lease in parallel while two polls of
//                 one agency never share a delivery;
//   parked polls  an agency's long poll that found nothing waits until
//                 something is queued for it, one of its leases ends, or
//                 its deadline (PollWaiters): the time of every re-offer is
//                 decided here;
//   parked status long polls
//                 a bridge's Statuses that found no notice to carry waits
//                 until the ledger writes one for it (NoticesWritten, now
//                 or at the time a notice becomes listable) or its
//                 deadline;
//   waking        a wake runs on the hub's work pool (`post`), never on a
//                 gRPC callback thread nor under a lock.
// The ledger records what it leases in the agency's table (Hold) and tells
// Offers what changed (Queued, Settled, Reoffer); the poll reactor parks
// here. Nothing here reads the store.
//
// Thread-safety: all methods are thread-safe.
#ifndef TRUC_HUB_EXCHANGE_OFFERS_H_
#define TRUC_HUB_EXCHANGE_OFFERS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "hub/exchange/poll_waiters.h"

namespace truc::hub {

class Offers {
 public:
  using Post = PollWaiters::Post;
  using WakeFn = PollWaiters::WakeFn;

  struct Lease {
    int64_t expires = 0;    // Unix micros
    uint32_t attempts = 0;  // how many times it was leased
  };
  using Leases = std::map<std::string, Lease>;  // document id -> lease

  // `post` runs the wakes of parked polls (the hub's work pool); null runs
  // them on the waiters' own thread (tests).
  explicit Offers(Post post = nullptr);
  // Wakes every parked poll (as past its deadline) and waits for them.
  ~Offers();
  Offers(const Offers&) = delete;
  Offers& operator=(const Offers&) = delete;

  // An agency's leases, locked while the handle lives.
  class Held {
   public:
    Leases& leases() { return *leases_; }
    ~Held() { mu_->Unlock(); }
    Held(Held&&) = delete;

   private:
    friend class Offers;
    Held(absl::Mutex* mu, Leases* leases) : mu_(mu), leases_(leases) {
      mu_->Lock();
    }
    absl::Mutex* mu_;
    Leases* leases_;
  };
  // Locks `agency`'s leases; another agency's are not held up.
  std::unique_ptr<Held> Hold(const std::string& agency);

  // The lease of `document` at `agency`, if it was leased since the start.
  std::optional<Lease> Find(const std::string& agency,
                            const std::string& document) const;
  // The earliest time (micros) at which a lease of `agency` ends, or 0.
  int64_t NextExpiry(const std::string& agency) const;

  // Something was queued for `agency` (a send, a resend): its parked polls
  // wake now.
  void Queued(const std::string& agency);
  // The delivery is settled (acknowledged, or refused): its lease is
  // forgotten.
  void Settled(const std::string& agency, const std::string& document);
  // Offer it again now: its lease ends (the attempts counted stay) and the
  // agency's parked polls wake.
  void Reoffer(const std::string& agency, const std::string& document);

  // Parked polls (PollWaiters, with the wake at the agency's next lease
  // end scheduled by Park).
  uint64_t Generation(const std::string& agency) const;
  // Parks until `deadline_micros`, or the agency's earliest lease end if
  // sooner, or something queued for it since `seen_generation`. Returns
  // the token (0 once shutting down: the caller answers at once).
  uint64_t Park(const std::string& agency, int64_t deadline_micros, WakeFn fn,
                uint64_t seen_generation);
  // Notices for `owner` ("@<bridge>", Ledger::ListStatusNotices) were
  // written: its parked status polls wake now, or at `listable_at_micros`
  // when the notice is listed only from then.
  void NoticesWritten(const std::string& owner, int64_t listable_at_micros = 0);
  uint64_t NoticeGeneration(const std::string& owner) const;
  // Parks a status poll of `owner` until `deadline_micros` or a notice
  // written since `seen_generation`. As Park for the token.
  uint64_t ParkForNotices(const std::string& owner, int64_t deadline_micros,
                          WakeFn fn, uint64_t seen_generation);

  // True if the poll was parked: the caller finishes its call.
  bool Cancel(uint64_t token);
  // Wakes every parked poll as past its deadline, and parks no more.
  void Shutdown();
  size_t parked() const;

 private:
  struct AgencyLeases {
    absl::Mutex mu;
    Leases leases ABSL_GUARDED_BY(mu);
  };
  AgencyLeases* Of(const std::string& agency) const;

  mutable absl::Mutex table_mu_;
  // Created on first use, never removed (agencies are thousands at most).
  mutable std::map<std::string, std::unique_ptr<AgencyLeases>> table_
      ABSL_GUARDED_BY(table_mu_);
  PollWaiters waiters_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_OFFERS_H_
