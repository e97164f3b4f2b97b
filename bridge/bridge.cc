#include "bridge/bridge.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bridge/axis_end.h"
#include "bridge/crossing.h"
#include "bridge/hub_end.h"
#include "common/backoff.h"
#include "common/status_macros.h"

namespace truc::bridge {
namespace {

// Documents taken per poll, and statuses per pass.
constexpr size_t kDocumentsPerPoll = 16;
constexpr size_t kStatusesPerPass = 200;

}  // namespace

absl::StatusOr<std::unique_ptr<Bridge>> Bridge::Create(
    const BridgeSettings& settings) {
  TRUC_ASSIGN_OR_RETURN(std::unique_ptr<HubEnd> hub,
                        HubEnd::Create(settings.hub, "hub"));
  std::unique_ptr<Bridge> bridge(new Bridge(settings, std::move(hub)));
  if (settings.upstream_is_axis) {
    // The axis lists no agency of this province back to its bridge's
    // system (docs/FEDERATION.md), so nothing is skipped by name.
    TRUC_ASSIGN_OR_RETURN(
        bridge->upstream_,
        AxisEnd::Create(
            settings.upstream_axis, settings.spool_dir,
            settings.axis_call_timeout,
            [stop = &bridge->stop_](absl::Duration d) { stop->WaitFor(d); },
            &bridge->log_));
  } else {
    TRUC_ASSIGN_OR_RETURN(std::unique_ptr<HubEnd> upstream,
                          HubEnd::Create(settings.upstream, "upstream_hub"));
    bridge->name_upstream_ = upstream->bridge_name();
    bridge->upstream_ = std::move(upstream);
  }
  return bridge;
}

void Bridge::Run() {
  log_.Event("started", {{"hub", hub_->name()},
                         {"upstream", upstream_->name()},
                         {"config", settings_.config_path}});
  std::thread outward(
      [this] { CarryDocuments(hub_.get(), upstream_.get(), "outward"); });
  std::thread inward(
      [this] { CarryDocuments(upstream_.get(), hub_.get(), "inward"); });
  std::thread statuses_in([this] {
    CarryStatuses(upstream_.get(), hub_.get(), "statuses_inward",
                  /*directory=*/true);
  });
  CarryStatuses(hub_.get(), upstream_.get(), "statuses_outward",
                /*directory=*/false);
  outward.join();
  inward.join();
  statuses_in.join();
  log_.Event("stopped");
}

void Bridge::CarryDocuments(End* from, End* to, const char* loop) {
  CallCancellationScope scope(&stop_);
  Crossing crossing(from, to, &log_);
  Backoff backoff(settings_.retry_initial, settings_.retry_max);
  while (!stop_.stopped()) {
    absl::StatusOr<size_t> n = crossing.CarryDocuments(
        absl::Seconds(settings_.poll_wait_seconds), kDocumentsPerPoll);
    if (stop_.stopped()) break;
    if (n.ok()) {
      backoff.Reset();
      continue;
    }
    const absl::Duration delay = backoff.Next();
    log_.Event("retry", {{"loop", loop},
                         {"in", absl::FormatDuration(delay)},
                         {"error", std::string(n.status().message())}});
    stop_.WaitFor(delay);
  }
}

void Bridge::CarryStatuses(End* from, End* to, const char* loop,
                           bool directory) {
  CallCancellationScope scope(&stop_);
  Crossing crossing(from, to, &log_);
  Backoff backoff(settings_.retry_initial, settings_.retry_max);
  absl::Time next_directory = absl::InfinitePast();
  const bool waits = from->WaitsForStatuses();
  while (!stop_.stopped()) {
    absl::Status mirrored = absl::OkStatus();
    absl::Duration wait = absl::Seconds(settings_.poll_wait_seconds);
    if (directory) {
      if (absl::Now() >= next_directory) {
        mirrored = crossing.CarryDirectory(name_upstream_).status();
        if (mirrored.ok())
          next_directory = absl::Now() + settings_.directory_sync;
      }
      // Back in time for the next mirroring.
      wait = std::clamp(next_directory - absl::Now(), absl::Seconds(1), wait);
    }
    absl::StatusOr<size_t> n = crossing.CarryStatuses(
        kStatusesPerPass, waits ? wait : absl::ZeroDuration());
    if (stop_.stopped()) break;
    if (n.ok() && mirrored.ok()) {
      backoff.Reset();
      // A full pass may have left more behind: go on at once. An end that
      // cannot wait for statuses is looked at again after status_scan.
      if (!waits && *n < kStatusesPerPass) stop_.WaitFor(settings_.status_scan);
      continue;
    }
    const absl::Duration delay = backoff.Next();
    const absl::Status error = !n.ok() ? n.status() : mirrored;
    log_.Event("retry", {{"loop", loop},
                         {"in", absl::FormatDuration(delay)},
                         {"error", std::string(error.message())}});
    stop_.WaitFor(delay);
  }
}

}  // namespace truc::bridge
