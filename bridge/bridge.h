// truc-bridge: links this province's hub to its upstream (the national
// tier, another truc hub). Three loops, each on its own thread:
//   outward   documents from the hub's bridge queue (for the agencies
//             beyond the province) up to the upstream;
//   inward    documents from the upstream's queue for this bridge (for the
//             province's agencies) down to the hub;
//   statuses  the statuses of what the bridge brought in, each way, back
//             toward their senders; and, at start and every
//             directory_sync, the upstream's directory mirrored at the hub
//             (every agency beyond the province, addressable by code).
// Each loop is a Crossing (bridge/crossing.h) between two Ends; a failure
// that may pass is logged and retried with back-off. Documents are polled
// most urgent first at each end, so express documents cross first. The
// bridge keeps no state of its own: every step is idempotent at the hubs.
//
// Thread-safety: Run on one thread; Stop from any.
#ifndef TRUC_BRIDGE_BRIDGE_H_
#define TRUC_BRIDGE_BRIDGE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "bridge/config.h"
#include "bridge/end.h"
#include "common/event_log.h"
#include "common/stop_signal.h"

namespace truc::bridge {

class Bridge {
 public:
  // Reads the certificates and keys of both ends; fails naming the field
  // and file that is wrong. Does not connect yet (an end that is down is
  // retried by Run).
  static absl::StatusOr<std::unique_ptr<Bridge>> Create(
      const BridgeSettings& settings);

  // Runs the three loops until Stop().
  void Run();
  void Stop() { stop_.Stop(); }
  EventLog* log() { return &log_; }

 private:
  Bridge(const BridgeSettings& settings, std::unique_ptr<End> hub)
      : settings_(settings), hub_(std::move(hub)), log_("truc-bridge") {}

  void CarryDocuments(End* from, End* to, const char* loop);
  // Carries the statuses waiting at `from` to `to`, long-polling `from`
  // where it can (else looking every status_scan); with `directory`, also
  // mirrors the upstream's directory at `to` every directory_sync.
  void CarryStatuses(End* from, End* to, const char* loop, bool directory);

  BridgeSettings settings_;
  std::unique_ptr<End> hub_;
  std::unique_ptr<End> upstream_;
  // This bridge's name at an upstream truc hub: the agencies it reaches
  // there are the province's own, never mirrored as beyond (empty for the
  // axis's API, which does not list them to the bridge).
  std::string name_upstream_;
  EventLog log_;
  StopSignal stop_;
};

}  // namespace truc::bridge

#endif  // TRUC_BRIDGE_BRIDGE_H_
