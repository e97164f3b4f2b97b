// ChangeFeed: what changed in the hub, as it happens, for whoever watches
// (the console's live board, the metrics). The ledger publishes a change
// after each commit: a document accepted, an arrival, a status, a resend,
// a paper copy; the alert engine publishes alerts raised and cleared.
//
// A subscriber reads its own bounded queue. One that falls behind by more
// than its queue's size loses the oldest changes and is told so (`lost`),
// so that it reloads what it shows instead of showing a wrong picture; the
// publisher never waits for a subscriber.
//
// Thread-safety: all methods are thread-safe; observers run on the
// publishing thread, outside the feed's lock, and must not block.
#ifndef TRUC_HUB_EXCHANGE_CHANGE_FEED_H_
#define TRUC_HUB_EXCHANGE_CHANGE_FEED_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "truc/v1/envelope.pb.h"
#include "truc/v1/evidence.pb.h"

namespace truc::hub {

struct Change {
  enum class Kind {
    kAccepted,   // a document was stored for its recipients
    kArrived,    // 01 at `agency`
    kStatus,     // 02..06 at `agency` (`status`)
    kResent,     // offered again to the units that lack it
    kForwarded,  // a bridge took it toward `agency`, beyond this hub
    kPaper,      // a paper copy was recorded for `agency`
    kAlert,      // an alert was raised or cleared (`alert_id`)
    kAgency,     // the directory changed (`agency`)
  };
  Kind kind;
  std::string document_id = {};  // empty for kAlert about an agency, kAgency
  std::string sender = {};       // the document's sender, if any
  std::string agency = {};       // the recipient or agency concerned, if any
  truc::v1::Urgency urgency = truc::v1::URGENCY_UNSPECIFIED;
  truc::v1::EdxmlStatus status = truc::v1::EDXML_STATUS_UNSPECIFIED;
  // kArrived: micros from acceptance to arrival; kStatus with 03: from
  // acceptance to the read receipt. 0 otherwise.
  int64_t delay_micros = 0;
  std::string alert_id = {};
  uint64_t seq = 0;  // set by the feed: 1, 2, ...
};

absl::string_view ChangeKindName(Change::Kind kind);

class ChangeFeed {
 public:
  class Subscription {
   public:
    // Waits up to `timeout` for changes after those already taken.
    // Returns them (empty on timeout or once the feed is closed); `lost`
    // is set when changes were dropped since the last call.
    std::vector<Change> Next(absl::Duration timeout, bool* lost);
    ~Subscription();

   private:
    friend class ChangeFeed;
    Subscription(ChangeFeed* feed, size_t capacity)
        : feed_(feed), capacity_(capacity) {}
    ChangeFeed* const feed_;
    const size_t capacity_;
    absl::Mutex mu_;
    std::deque<Change> queue_ ABSL_GUARDED_BY(mu_);
    bool lost_ ABSL_GUARDED_BY(mu_) = false;
    bool closed_ ABSL_GUARDED_BY(mu_) = false;
  };

  ChangeFeed() = default;
  // Close()s.
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  void Publish(Change change);
  // A subscription holding at most `capacity` changes not yet taken. It
  // must not outlive the feed.
  std::unique_ptr<Subscription> Subscribe(size_t capacity = 1024);
  // Calls `fn` with every change from now on, on the publishing thread.
  void Observe(std::function<void(const Change&)> fn);
  // Wakes every subscriber with nothing more to come.
  void Close();
  size_t subscribers() const;

 private:
  void Remove(Subscription* s);

  mutable absl::Mutex mu_;
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<Subscription*> subs_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(const Change&)>> observers_
      ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_EXCHANGE_CHANGE_FEED_H_
