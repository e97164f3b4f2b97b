// DigestJob: once a day, from NotifyConfig.digest_hour (Vietnam time), a
// digest for each agency of the documents it has not picked up, and one
// for each sender of its documents that some unit still lacks, queued for
// the notification channels. Read from the "not yet received" index (at
// most kMaxScan entries); a paper copy counts as received.
//
// The day's marker (g/<yyyy-MM-dd>) is written in the same batch as the
// digests and their audit event ("digests_queued"), so a day's digests go
// out once, and a restart during the hour neither loses nor repeats them.
//
// Thread-safety: RunIfDue from one thread (the hub's maintenance thread).
#ifndef TRUC_HUB_OPS_DIGESTS_H_
#define TRUC_HUB_OPS_DIGESTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/exchange/audit_log.h"
#include "hub/exchange/directory.h"
#include "hub/exchange/ledger.h"
#include "hub/ops/notifier.h"
#include "hub/store/store.h"
#include "truc/v1/operator.pb.h"

namespace truc::hub {

class DigestJob {
 public:
  static constexpr size_t kMaxScan = 20000;

  // `store`, `audit`, `directory`, `ledger` and `queue` must outlive it.
  DigestJob(Store* store, AuditLog* audit, Directory* directory, Ledger* ledger,
            NotificationQueue* queue, Clock clock, uint32_t hour,
            std::string actor)
      : store_(store),
        audit_(audit),
        directory_(directory),
        ledger_(ledger),
        queue_(queue),
        clock_(std::move(clock)),
        hour_(hour),
        actor_(std::move(actor)) {}

  // Queues today's digests if their hour has come and they were not queued
  // yet. Returns how many digests were queued (0 when not due). Fails with
  // the store's error (nothing queued; the next call tries again).
  absl::StatusOr<size_t> RunIfDue();

  // The digests as of now, without queuing them.
  absl::StatusOr<std::vector<truc::v1::Digest>> Build(const std::string& day);

 private:
  Store* const store_;
  AuditLog* const audit_;
  Directory* const directory_;
  Ledger* const ledger_;
  NotificationQueue* const queue_;
  const Clock clock_;
  const uint32_t hour_;
  const std::string actor_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_OPS_DIGESTS_H_
