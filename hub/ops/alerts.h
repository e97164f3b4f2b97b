// AlertEngine: the escalation rules (HubConfig.alerts) checked against the
// store, each alert raised once and cleared when its condition ends.
//
//   late/<document>/<recipient>  a delivery not arrived (01, or a paper
//                                copy) within its urgency's time
//   silent/<agency>              an active agency whose agent has not
//                                polled for silent_agency_seconds (one
//                                that never polled: once a document has
//                                waited that long for it)
//
// Late deliveries are found from the "not yet received" index, which is
// ordered by urgency rank and then by time, so each check reads only the
// entries past their rule's time (at most kMaxScan), never the store.
//
// Raising an alert writes, in one batch with its audit event
// ("alert_raised"): the alert (w/<id>) and one notification per channel
// (n/<seq>), which the Notifier sends. Clearing deletes the alert and
// queues "cleared" notifications the same way ("alert_cleared"). Each
// change is published to the change feed (kAlert), so the board shows it.
//
// Thread-safety: Evaluate from one thread (the hub's alert thread); the
// accessors are thread-safe.
#ifndef TRUC_HUB_OPS_ALERTS_H_
#define TRUC_HUB_OPS_ALERTS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "hub/exchange/audit_log.h"
#include "hub/exchange/change_feed.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/ledger.h"
#include "hub/ops/notifier.h"
#include "hub/store/store.h"
#include "truc/v1/config.pb.h"
#include "truc/v1/operator.pb.h"

namespace truc::hub {

// The rules with their defaults applied: seconds, 0 for off.
struct AlertThresholds {
  uint32_t express = 600;
  uint32_t very_urgent = 3600;
  uint32_t urgent = 0;
  uint32_t normal = 0;
  uint32_t silent_agency = 3600;

  static AlertThresholds From(const truc::v1::AlertRules& rules);
  // The time for a document of `urgency` (0: no rule).
  uint32_t ForUrgency(truc::v1::Urgency urgency) const;
};

class AlertEngine {
 public:
  static constexpr size_t kMaxScan = 20000;

  // Loads the alerts raised before (w/). Each change is queued on `queue`
  // (which must outlive the engine) for its channels; `actor` names the hub
  // in the audit log ("hub:<name>"). Fails with the store's error, or
  // DATA_LOSS for a record that does not parse.
  static absl::StatusOr<std::unique_ptr<AlertEngine>> Load(
      Store* store, AuditLog* audit, Directory* directory, Ledger* ledger,
      ChangeFeed* feed, Clock clock, AlertThresholds thresholds,
      NotificationQueue* queue, std::string actor);

  struct Outcome {
    size_t raised = 0;
    size_t cleared = 0;
  };
  // Checks the rules now: raises what newly holds, clears what no longer
  // does. On a store error the alerts already handled stay handled and the
  // rest wait for the next check.
  absl::StatusOr<Outcome> Evaluate();

  // The alerts raised now, oldest first.
  std::vector<truc::v1::Alert> Active() const;
  size_t active_count() const;

 private:
  AlertEngine(Store* store, AuditLog* audit, Directory* directory,
              Ledger* ledger, ChangeFeed* feed, Clock clock,
              AlertThresholds thresholds, NotificationQueue* queue,
              std::string actor)
      : store_(store),
        audit_(audit),
        directory_(directory),
        ledger_(ledger),
        feed_(feed),
        clock_(std::move(clock)),
        thresholds_(thresholds),
        queue_(queue),
        actor_(std::move(actor)) {}

  // What the rules say should be raised now, by id.
  absl::StatusOr<std::map<std::string, truc::v1::Alert>> Wanted(int64_t now);
  // Writes one change (raise or clear) with its notifications and event.
  absl::Status Write(const truc::v1::Alert& alert, bool cleared, int64_t now);

  Store* const store_;
  AuditLog* const audit_;
  Directory* const directory_;
  Ledger* const ledger_;
  ChangeFeed* const feed_;
  const Clock clock_;
  const AlertThresholds thresholds_;
  NotificationQueue* const queue_;
  const std::string actor_;
  bool scan_complete_ = true;  // Evaluate's thread only

  mutable absl::Mutex mu_;
  std::map<std::string, truc::v1::Alert> active_ ABSL_GUARDED_BY(mu_);
};

}  // namespace truc::hub

#endif  // TRUC_HUB_OPS_ALERTS_H_
